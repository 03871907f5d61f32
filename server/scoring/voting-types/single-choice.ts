/** Single-choice voting: a ballot is one choice number; each choice scores the power of those who picked it. */
import type { TallyReturnType, Vote } from '../types.ts';
import { addVotePower, checkStrategyScores, emitVotePower, toRows } from './common.ts';

/** Input of a single-choice (or basic) recount. */
export type SingleChoiceTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/** Snapshot's single-choice validity: a number naming an existing choice (1-based). */
export function isValidSingleChoice(choice: unknown, choices: readonly string[]): boolean {
  return typeof choice === 'number' && choices[choice - 1] !== undefined;
}

/** Full recount, identical to snapshot.js `SingleChoiceVoting` (sums in vote order). */
export function tallySingleChoice(params: SingleChoiceTallyParameters): TallyReturnType {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const scores = new Float64Array(n);
  const byStrategy = new Float64Array(n * strategies);
  let total = 0;
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    checkStrategyScores(vote, strategies);
    total += vote.balance;
    const choice = vote.choice;
    if (typeof choice !== 'number' || choices[choice - 1] === undefined) continue;
    addVotePower(scores, byStrategy, choice - 1, vote, strategies);
  }
  return { scores: Array.from(scores), scores_by_strategy: toRows(byStrategy, n, strategies), scores_total: total };
}

/**
 * Emits a single-choice ballot's additive contributions: `emit(i, -1, x)` adds `x` to choice `i`'s
 * score, `emit(i, s, x)` to its strategy `s` score. Returns whether the ballot is valid.
 */
export function singleChoiceContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  const choice = vote.choice;
  if (typeof choice !== 'number' || choices[choice - 1] === undefined) return false;
  emitVotePower(emit, choice - 1, vote, strategies);
  return true;
}

/** Turns per-choice sums into the tally (single-choice scores are the sums themselves). */
export function finishSingleChoice(
  sums: Float64Array,
  sumsByStrategy: Float64Array,
  strategies: number,
  _validTotal: number,
  total: number
): TallyReturnType {
  return {
    scores: Array.from(sums),
    scores_by_strategy: toRows(sumsByStrategy, sums.length, strategies),
    scores_total: total
  };
}
