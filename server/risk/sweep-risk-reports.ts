/** The risk sweep: recomputes the report of each open proposal with new votes, at most once per debounce period. */
import { sql } from 'drizzle-orm';
import type { StructuredLlm } from '../ai/llm/client.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import { computeLiveRisk } from './compute-live-risk.ts';
import { computeRisk } from './compute-risk.ts';
import { evictClosedAnalyzers } from './evict-closed-analyzers.ts';
import type { LiveAnalyzers } from './live-analyzers.ts';
import { storeRisk } from './store-risk.ts';
import type { StoredRisk } from './types.ts';

export type SweepRiskReportsParameters = {
  db: Db;
  /** Server time, unix seconds. */
  now: number;
  /** A report is recomputed at most once per this many seconds. */
  debounceSeconds: number;
  llm?: StructuredLlm;
  /** Most proposals recomputed per sweep (the stalest first). */
  limit?: number;
  log?: { error(object: object, message: string): void };
  /** Told of each stored report (live subscriptions, webhooks). */
  onStored?(stored: { proposal: string; space: string; risk: StoredRisk }): Promise<void>;
  /** This instance's incremental analyzers of open proposals; without them every report is computed from the whole log. */
  analyzers?: LiveAnalyzers;
};

/** Recomputes the due reports; returns how many were stored. Idempotent: with no new votes nothing is due. */
export async function sweepRiskReports({ db, now, debounceSeconds, llm, limit = 20, log, onStored, analyzers }: SweepRiskReportsParameters): Promise<number> {
  const due = await queryRows<{ id: string; space: string }>(
    db,
    sql`SELECT p.id, p.space FROM proposals p LEFT JOIN risk_reports r ON r.proposal = p.id
         WHERE p.start <= ${now} AND p."end" >= ${now} AND p.scores_state <> 'final'
           AND (r.computed_at IS NULL OR r.computed_at + ${debounceSeconds} <= ${now})
           AND EXISTS (SELECT 1 FROM vote_history h WHERE h.proposal = p.id AND h.mci > COALESCE(r.last_mci, 0))
         ORDER BY r.computed_at NULLS FIRST, p.id LIMIT ${limit}`,
  );
  if (analyzers) await evictClosedAnalyzers({ db, analyzers, now });
  let stored = 0;
  for (const { id, space } of due) {
    try {
      const risk = analyzers ? await computeLiveRisk({ db, proposalId: id, now, llm, analyzers }) : await computeRisk({ db, proposalId: id, now, llm });
      if (!risk) continue;
      await storeRisk({ db, proposalId: id, space, risk });
      stored++;
      await onStored?.({ proposal: id, space, risk });
    } catch (error) {
      // The next try starts from the whole log, whatever state the failure left the analyzer in.
      analyzers?.delete(id);
      log?.error({ err: error, proposal: id }, 'could not compute the risk report; will retry');
    }
  }
  return stored;
}
