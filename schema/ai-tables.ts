/** AI overseer tables: the live risk report of each proposal, recomputed in the background while voting is open. */
import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

export const riskReports = pgTable(
  'risk_reports',
  {
    proposal: text('proposal').primaryKey(),
    space: text('space').notNull(),
    /** 'none' | 'low' | 'medium' | 'high': the detectors' level, raised (never lowered) by accepted LLM suggestions. */
    level: text('level').notNull(),
    /** The highest level announced by a `risk.raised` webhook event, so each rise is announced once per cluster. */
    raisedLevel: text('raised_level').notNull().default('none'),
    /** `StoredRisk`: the detectors' RiskReport and the overseer's narrative (server/risk/types.ts). */
    report: jsonb('report').notNull(),
    votesAnalyzed: integer('votes_analyzed').notNull(),
    /** The last vote-log entry (vote_history.mci) the report includes. */
    lastMci: bigint('last_mci', { mode: 'number' }).notNull(),
    /** Server time of the computation, unix seconds. */
    computedAt: bigint('computed_at', { mode: 'number' }).notNull(),
  },
  (t) => [index('risk_reports_space').on(t.space)],
);
