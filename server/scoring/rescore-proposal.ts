/**
 * Live scores for the voting types the database trigger does not keep (ranked-choice, copeland: a runoff or a
 * pairwise count is not a sum of per-ballot terms): a full recount from the current ballots, run in the background
 * when new votes have arrived. Bounded: each proposal's recounts take at most 1/RECOUNT_DUTY of the time (a
 * recount that took t waits RECOUNT_DUTY × t before the next), and a sweep stops starting recounts once its
 * budget is spent, leaving the rest (stalest first) to the next sweep.
 */
import { and, asc, eq, gt, inArray, lte, gte, ne, sql } from 'drizzle-orm';
import { performance } from 'node:perf_hooks';
import { proposals } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { loadBallots, scoreColumns } from './load-ballots.ts';
import { tally } from './tally.ts';

/** Types whose live tallies the votes trigger keeps (see migrations 0001, 0003, 0012, 0014). */
export const TRIGGER_TALLIED_TYPES = ['single-choice', 'basic', 'approval', 'weighted', 'quadratic'];
/** Types recounted in the background. */
export const RECOUNTED_TYPES = ['ranked-choice', 'copeland'];

/** A proposal's recount takes at most 1/RECOUNT_DUTY of the wall time (5%). */
export const RECOUNT_DUTY = 20;

/** Per proposal: when its last recount ended and how long it took (ms, from `clock`). */
export type RecountHistory = Map<string, { endedAt: number; tookMs: number }>;

export type RescoreOpenProposalsParameters = {
  db: Db;
  /** Server time in seconds. */
  now: number;
  /** Kept between sweeps by the caller; without it every due proposal is recounted. */
  history?: RecountHistory;
  /** Time a sweep may spend recounting (ms); at least one recount runs. Default 1,000. */
  budgetMs?: number;
  /** Milliseconds, monotonic (injected by tests). */
  clock?: () => number;
};

/** Recounts open recounted-type proposals with votes newer than their scores, within the bounds; returns how many. */
export async function rescoreOpenProposals({ db, now, history, budgetMs = 1000, clock = () => performance.now() }: RescoreOpenProposalsParameters): Promise<number> {
  const due = await db
    .select({ id: proposals.id, type: proposals.type, choices: proposals.choices, strategies: proposals.strategies })
    .from(proposals)
    .where(
      and(
        inArray(proposals.type, RECOUNTED_TYPES),
        ne(proposals.scoresState, 'final'),
        lte(proposals.start, now),
        gte(sql`${proposals.end} + 3600`, now),
        sql`EXISTS (SELECT 1 FROM votes v WHERE v.proposal = ${proposals.id} AND v.mci > ${proposals.scoresMci})`,
      ),
    )
    .orderBy(asc(proposals.scoresUpdated))
    .limit(100);
  const sweepStart = clock();
  let recounted = 0;
  for (const proposal of due) {
    if (recounted > 0 && clock() - sweepStart >= budgetMs) break;
    const last = history?.get(proposal.id);
    if (last && clock() - last.endedAt < RECOUNT_DUTY * last.tookMs) continue;
    const start = clock();
    const ballots = await loadBallots(db, proposal.id);
    const result = tally({
      type: proposal.type,
      choices: proposal.choices,
      strategies: (proposal.strategies as unknown[]).length,
      votes: ballots.map((ballot) => ({ choice: ballot.choice, balance: ballot.vp, scores: ballot.vpByStrategy })),
    });
    const lastMci = ballots.reduce((max, ballot) => Math.max(max, ballot.mci), 0);
    await db
      .update(proposals)
      .set({
        ...scoreColumns(result),
        scoresUpdated: now,
        scoresMci: lastMci,
      })
      .where(and(eq(proposals.id, proposal.id), ne(proposals.scoresState, 'final'), gt(sql`${lastMci}`, proposals.scoresMci)));
    const endedAt = clock();
    history?.set(proposal.id, { endedAt, tookMs: endedAt - start });
    recounted++;
  }
  // Entries that no longer hold anything back are dropped, so the history stays as small as the busy proposals.
  if (history) {
    const at = clock();
    for (const [id, last] of history) if (at - last.endedAt >= RECOUNT_DUTY * last.tookMs) history.delete(id);
  }
  return recounted;
}
