/** Writes a proposal's risk report; a report never replaces one that covers later votes. */
import { sql } from 'drizzle-orm';
import { riskReports } from '../../schema/ai-tables.ts';
import type { Db } from '../db/open-database.ts';
import type { StoredRisk } from './types.ts';

export type StoreRiskParameters = { db: Db; proposalId: string; space: string; risk: StoredRisk };

/** Upserts the report row of the proposal (idempotent). */
export async function storeRisk({ db, proposalId, space, risk }: StoreRiskParameters): Promise<void> {
  const values = {
    proposal: proposalId,
    space,
    level: risk.oversight.level,
    report: risk,
    votesAnalyzed: risk.report.votesAnalyzed,
    lastMci: risk.lastMci,
    computedAt: risk.report.computedAt,
  };
  await db
    .insert(riskReports)
    .values(values)
    .onConflictDoUpdate({
      target: riskReports.proposal,
      set: { level: values.level, report: values.report, votesAnalyzed: values.votesAnalyzed, lastMci: values.lastMci, computedAt: values.computedAt },
      where: sql`${riskReports.lastMci} <= ${values.lastMci}`,
    });
}
