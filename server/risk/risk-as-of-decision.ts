/** The risk report attached to a decision: the live one when it already covers every vote, else computed now. */
import { eq, sql } from 'drizzle-orm';
import { riskReports } from '../../schema/ai-tables.ts';
import type { StructuredLlm } from '../ai/llm/client.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import { computeRisk } from './compute-risk.ts';
import type { StoredRisk } from './types.ts';

export type RiskAsOfDecisionParameters = {
  db: Db;
  proposalId: string;
  /** Server time, unix seconds. */
  now: number;
  llm?: StructuredLlm;
  /** A report computed beforehand (outside the decision's lock); reused when it still covers every vote. */
  candidate?: StoredRisk;
};

/** The last vote-log entry of the proposal (0 without votes). */
export async function lastVoteMci(db: Db, proposalId: string): Promise<number> {
  const [row] = await queryRows<{ mci: string | number | null }>(db, sql`SELECT max(mci) AS mci FROM vote_history WHERE proposal = ${proposalId}`);
  return Number(row?.mci ?? 0);
}

/** Advisory: never throws (undefined when it cannot be computed), so it can never hold up or change a decision. */
export async function riskAsOfDecision({ db, proposalId, now, llm, candidate }: RiskAsOfDecisionParameters): Promise<StoredRisk | undefined> {
  try {
    const last = await lastVoteMci(db, proposalId);
    if (candidate && candidate.lastMci === last) return candidate;
    const [live] = await db.select({ report: riskReports.report, lastMci: riskReports.lastMci }).from(riskReports).where(eq(riskReports.proposal, proposalId));
    if (live && live.lastMci === last) return live.report as StoredRisk;
    return await computeRisk({ db, proposalId, now, llm });
  } catch {
    return undefined;
  }
}
