/**
 * Live scores for the voting types the database trigger does not keep (weighted, quadratic,
 * ranked-choice, copeland): a full recount from the current ballots, run in the background when
 * new votes have arrived. Recounts are fast (packed tallies) and bounded to one per sweep per proposal.
 */
import { and, eq, gt, inArray, lte, gte, ne, sql } from 'drizzle-orm';
import { proposals } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { loadBallots, scoreColumns } from './load-ballots.ts';
import { tally } from './tally.ts';

/** Types whose live tallies the votes trigger keeps (see migrations). */
export const TRIGGER_TALLIED_TYPES = ['single-choice', 'basic', 'approval'];
const RECOUNTED_TYPES = ['weighted', 'quadratic', 'ranked-choice', 'copeland'];

export type RescoreOpenProposalsParameters = { db: Db; now: number };

/** Recounts every open recounted-type proposal with votes newer than its scores; returns how many. */
export async function rescoreOpenProposals({ db, now }: RescoreOpenProposalsParameters): Promise<number> {
  const due = await db
    .select({ id: proposals.id, type: proposals.type, choices: proposals.choices, strategies: proposals.strategies, scoresMci: proposals.scoresMci })
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
    .limit(100);
  for (const proposal of due) {
    const ballots = await loadBallots(db, proposal.id);
    const result = tally({
      type: proposal.type,
      choices: proposal.choices,
      strategies: (proposal.strategies as unknown[]).length,
      votes: ballots.map((ballot) => ({ choice: ballot.choice, balance: ballot.vp, scores: ballot.vpByStrategy })),
    });
    const lastMci = ballots.reduce((last, ballot) => Math.max(last, ballot.mci), 0);
    await db
      .update(proposals)
      .set({
        ...scoreColumns(result),
        scoresUpdated: now,
        scoresMci: lastMci,
      })
      .where(and(eq(proposals.id, proposal.id), ne(proposals.scoresState, 'final'), gt(sql`${lastMci}`, proposals.scoresMci)));
  }
  return due.length;
}
