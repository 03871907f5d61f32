/** Shapes shared by the voting types: Snapshot's `{choice, balance, scores}` votes and its tally triple. */

/** Every voting type conclave counts (Snapshot's names), as space settings and proposals name them. */
import { VOTING_TYPES, type VotingType } from '../../schema/space-settings.ts';

export { VOTING_TYPES, type VotingType };

/** Voting types whose tally is a sum of per-ballot contributions (kept as running totals). */
export const ADDITIVE_VOTING_TYPES = ['single-choice', 'basic', 'approval', 'quadratic', 'weighted'] as const;

/** An additive voting type name. */
export type AdditiveVotingType = (typeof ADDITIVE_VOTING_TYPES)[number];

/**
 * One counted vote as snapshot.js takes it: the signed `choice` (1-based; a number, a number[] or an
 * `{"idx": weight}` object depending on the type, unvalidated), the voter's total power `balance`, and
 * `scores`, the power per strategy (one entry per strategy; `balance` is their sum).
 */
export type Vote = {
  choice: unknown;
  balance: number;
  scores: readonly number[];
};

/** Input of a full recount. */
export type TallyParameters = {
  type: string;
  /** The proposal's choice labels; only their number and positions matter. */
  choices: readonly string[];
  votes: readonly Vote[];
  /** Number of voting power strategies (the length of every `vote.scores`). */
  strategies: number;
};

/** Snapshot's stored tally: score per choice, per choice and strategy, and the total power that voted. */
export type TallyReturnType = {
  scores: number[];
  scores_by_strategy: number[][];
  scores_total: number;
};
