/** A proposal's current ballots in log order, as the recounts take them, and how scores are stored back. */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import type { CountedBallot } from './compute-decision.ts';
import type { TallyReturnType } from './types.ts';

/** Loads every current ballot of the proposal, ascending `mci`. */
export async function loadBallots(db: Db, proposalId: string): Promise<CountedBallot[]> {
  const rows = await queryRows<{ id: string; choice: unknown; vp: number; vp_by_strategy: number[]; mci: string | number }>(
    db,
    sql`SELECT id, choice, vp::float8 AS vp, vp_by_strategy, mci FROM votes WHERE proposal = ${proposalId} ORDER BY mci`,
  );
  return rows.map((row) => ({
    id: row.id,
    choice: row.choice,
    vp: Number(row.vp),
    vpByStrategy: row.vp_by_strategy.map(Number),
    mci: Number(row.mci),
  }));
}

/** The proposal columns that hold a tally (numeric, the strategy matrix 2-D). */
export function scoreColumns(result: TallyReturnType) {
  return {
    scores: result.scores.map(String),
    scoresByStrategy: result.scores_by_strategy.map((row) => row.map(String)) as unknown as string[],
    scoresTotal: String(result.scores_total),
  };
}
