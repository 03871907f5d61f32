/**
 * Live risk reports: a periodic background sweep (like the finalizer) recomputes the report of open proposals
 * that received votes, debounced per proposal; the ingest path never waits for it.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { StructuredLlm } from '../ai/llm/client.ts';
import type { Db } from '../db/open-database.ts';
import { sweepRiskReports } from './sweep-risk-reports.ts';

export type RiskPluginOptions = { db: Db; intervalMs: number; debounceSeconds: number; llm?: StructuredLlm };

const plugin: FastifyPluginAsync<RiskPluginOptions> = async (app, options) => {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      // One sweep at a time: a slow one (large proposal, slow LLM endpoint) delays the next instead of piling up.
      if (running) return;
      running = sweepRiskReports({ db: options.db, now: Math.floor(Date.now() / 1000), debounceSeconds: options.debounceSeconds, llm: options.llm, log: app.log })
        .catch((error) => app.log.error({ err: error }, 'risk sweep failed'))
        .finally(() => {
          running = undefined;
        });
    }, options.intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
};

export const riskPlugin = fp(plugin, { name: 'conclave-risk' });
