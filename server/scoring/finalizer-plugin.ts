/**
 * Background scoring, a periodic sweep: recounts open ranked-choice and copeland proposals (the types without
 * running totals; bounded, see rescore-proposal.ts), and decides every proposal whose vote has ended, so no
 * proposal stays pending after close: the proposal-end job
 * decides on time, this sweep catches what a lost job (the in-process queue of the embedded mode does not survive a
 * restart) or a failed attempt left. A failed decision is logged with its reason and retried on the next sweep.
 * Deciding is idempotent and serialised by the log lock, so several triggers or instances decide each proposal once.
 */
import { and, asc, lte, ne, sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { proposals } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import type { DecideDue } from './decide-proposal.ts';
import { rescoreOpenProposals, type RecountHistory } from './rescore-proposal.ts';

export type FinalizerOptions = {
  db: Db;
  /** The service's decision path (also called by the proposal-end job). */
  decide: DecideDue;
  intervalMs: number;
  settleSeconds: number;
};

/** Decides the proposals that are due now; returns how many were decided. */
export async function sweepEndedProposals({ db, decide, settleSeconds }: Omit<FinalizerOptions, 'intervalMs'>, now: number, log?: { error(object: object, message: string): void }) {
  const due = await db
    .select({ id: proposals.id })
    .from(proposals)
    .where(and(ne(proposals.scoresState, 'final'), lte(sql`${proposals.end} + ${settleSeconds}`, now)))
    .orderBy(asc(proposals.end))
    .limit(100);
  let decided = 0;
  for (const { id } of due) {
    try {
      const result = await decide(id, now);
      if (result.status === 'decided') decided++;
    } catch (error) {
      log?.error({ err: error, proposal: id }, 'could not decide proposal yet; will retry');
    }
  }
  return decided;
}

const plugin: FastifyPluginAsync<FinalizerOptions> = async (app, options) => {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  // When each open ranked-choice/copeland proposal was last recounted, and how long that took (see rescore-proposal.ts).
  const history: RecountHistory = new Map();
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      // One sweep at a time: a tick that finds the previous sweep still running is skipped.
      if (busy) return;
      busy = true;
      const now = Math.floor(Date.now() / 1000);
      running = rescoreOpenProposals({ db: options.db, now, history })
        .then(() => sweepEndedProposals(options, now, app.log))
        .catch((error) => app.log.error({ err: error }, 'finalizer sweep failed'))
        .finally(() => {
          busy = false;
        });
    }, options.intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
};

export const finalizerPlugin = fp(plugin, { name: 'conclave-finalizer' });
