/** Decisions: the final, signed outcome of a closed proposal, which the signer relay acts on. */
import { bigint, boolean, doublePrecision, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const decisions = pgTable(
  'decisions',
  {
    /** EIP-712 digest of the signed `Decision` (see schema/eip712.ts). */
    id: text('id').primaryKey(),
    proposal: text('proposal').notNull(),
    space: text('space').notNull(),
    type: text('type').notNull(),
    choices: jsonb('choices').$type<string[]>().notNull(),
    scores: jsonb('scores').$type<number[]>().notNull(),
    scoresByStrategy: jsonb('scores_by_strategy').$type<number[][]>().notNull(),
    scoresTotal: doublePrecision('scores_total').notNull(),
    /** 1-based; null on a tie or when nothing scored. */
    winningChoice: integer('winning_choice'),
    /** 'passed' | 'rejected' | 'none' (types without pass/fail). */
    outcome: text('outcome').notNull(),
    quorum: doublePrecision('quorum').notNull(),
    quorumType: text('quorum_type').notNull(),
    quorumReached: boolean('quorum_reached').notNull(),
    reason: text('reason').notNull(),
    votesCount: integer('votes_count').notNull(),
    /** The last message of the log that was counted. */
    lastMci: bigint('last_mci', { mode: 'number' }).notNull(),
    /** SHA-256 of the counted ballots, one canonical JSON line `[id, choice, vp, vpByStrategy]` each, in log order. */
    votesHash: text('votes_hash').notNull(),
    /** SHA-256 of the canonical JSON line of scores, scores_by_strategy and scores_total. */
    resultsHash: text('results_hash').notNull(),
    decidedAt: bigint('decided_at', { mode: 'number' }).notNull(),
    signer: text('signer').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [uniqueIndex('decisions_proposal').on(t.proposal)],
);
