/**
 * Live risk reports: a periodic background sweep (like the finalizer) recomputes the report of open proposals
 * that received votes, debounced per proposal; the ingest path never waits for it.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { StructuredLlm } from '../ai/llm/client.ts';
import type { Db } from '../db/open-database.ts';
import { inArray } from 'drizzle-orm';
import { riskReports } from '../../schema/ai-tables.ts';
import { topics } from '../realtime/dispatcher.ts';
import { claimRiskRaise } from './claim-risk-raise.ts';
import { LiveAnalyzers } from './live-analyzers.ts';
import { WorkerAnalyzerHost } from './worker-analyzer-host.ts';
import { riskView } from './risk-view.ts';
import { sweepRiskReports } from './sweep-risk-reports.ts';
import type { StoredRisk } from './types.ts';

export type RiskPluginOptions = {
  db: Db;
  intervalMs: number;
  debounceSeconds: number;
  llm?: StructuredLlm;
  /** Open proposals whose incremental analyzer this instance keeps in memory; 0 computes every report from the whole log. */
  liveAnalyzers: number;
  /** Most vote versions those analyzers hold together (memory bound; least recently used dropped). */
  liveAnalyzerVotes?: number;
};

const plugin: FastifyPluginAsync<RiskPluginOptions> = async (app, options) => {
  // Every instance pushes reports to its own subscribers; the sweep publishes once to all of them.
  app.realtime.dispatcher.on('risk-report', async (events, { db, hub }) => {
    const wanted = [...new Set(events.map((event) => event.proposal!).filter((proposal) => hub.has(topics.riskReport(proposal))))];
    if (wanted.length === 0) return;
    const rows = await db.select().from(riskReports).where(inArray(riskReports.proposal, wanted));
    for (const row of rows) hub.publish(topics.riskReport(row.proposal), riskView(row.report as StoredRisk));
  });
  const onStored = async ({ proposal, space, risk }: { proposal: string; space: string; risk: StoredRisk }) => {
    await app.realtime.publish([{ kind: 'risk-report', id: proposal, proposal, space }]);
    // Webhooks hear of a report only when its level rises above the last one announced, once per cluster
    // (the claim is stored with the report), not on every recomputation.
    const view = riskView(risk);
    if (view.level === 'none') return;
    await app.realtime.emitWebhookEvents([{ event: 'risk.raised', space, data: view as unknown as Record<string, unknown> }], (tx) =>
      claimRiskRaise({ db: tx, proposal, level: view.level }),
    );
  };
  const analyzers = options.liveAnalyzers > 0 ? new LiveAnalyzers(options.liveAnalyzers, {}, options.liveAnalyzerVotes, new WorkerAnalyzerHost()) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      // One sweep at a time: a slow one (large proposal, slow LLM endpoint) delays the next instead of piling up.
      if (running) return;
      running = sweepRiskReports({ db: options.db, now: Math.floor(Date.now() / 1000), debounceSeconds: options.debounceSeconds, llm: options.llm, log: app.log, onStored, analyzers })
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
    await analyzers?.host.close();
  });
};

export const riskPlugin = fp(plugin, { name: 'conclave-risk' });
