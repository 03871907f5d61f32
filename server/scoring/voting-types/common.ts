/** Helpers shared by the voting types: input checks, entry checks, power accumulation, output shaping. */
import { StrategyScoresLengthError } from '../errors.ts';
import type { Vote } from '../types.ts';

/** Throws a StrategyScoresLengthError unless the vote carries one score per strategy. */
export function checkStrategyScores(vote: Vote, strategies: number): void {
  if (vote.scores.length !== strategies) throw new StrategyScoresLengthError(strategies, vote.scores.length);
}

/** Splits a row-major `choices × strategies` array into Snapshot's nested `scores_by_strategy`. */
export function toRows(flat: Float64Array, choices: number, strategies: number): number[][] {
  const rows: number[][] = new Array(choices);
  for (let i = 0; i < choices; i++) {
    const row: number[] = new Array(strategies);
    for (let s = 0; s < strategies; s++) row[s] = flat[i * strategies + s];
    rows[i] = row;
  }
  return rows;
}

/** Σ of every vote's balance in vote order (Snapshot's `scores_total`, invalid ballots included). */
export function sumBalances(votes: readonly Vote[]): number {
  let total = 0;
  for (let v = 0; v < votes.length; v++) total += votes[v].balance;
  return total;
}

/**
 * The choice index in 1..choices that `key` spells in canonical decimal, i.e. the property name that
 * `choice[i + 1]` reads, or -1 ("01", "1.0" or " 1" pass Snapshot's validation but are not it).
 */
export function canonicalIndexKey(key: string, choices: number): number {
  const length = key.length;
  if (length === 0 || length > 10) return -1;
  let value = 0;
  for (let k = 0; k < length; k++) {
    const code = key.charCodeAt(k);
    if (code < 48 || code > 57 || (k === 0 && code === 48)) return -1;
    value = value * 10 + (code - 48);
  }
  return value <= choices ? value : -1;
}

/** Whether a vote's balance and every strategy score are finite (then zero-weight choices add nothing). */
export function allFinite(vote: Vote, strategies: number): boolean {
  if (vote.balance - vote.balance !== 0) return false;
  for (let s = 0; s < strategies; s++) if (vote.scores[s] - vote.scores[s] !== 0) return false;
  return true;
}

/**
 * The entry check snapshot.js's approval and ranked-choice validity share: -1 when some entry does
 * not name a choice after numeric coercion (`choices[entry - 1]` is undefined), 1 when every entry
 * is a number (then each is an integer 1..choices.length), 0 when some pass only by coercion ("2").
 */
export function scanChoiceList(list: readonly unknown[], choices: readonly string[]): -1 | 0 | 1 {
  let allNumbers: 0 | 1 = 1;
  for (let k = 0; k < list.length; k++) {
    const entry = list[k];
    if (choices[(entry as number) - 1] === undefined) return -1;
    if (typeof entry !== 'number') allNumbers = 0;
  }
  return allNumbers;
}

/** Adds a vote's balance to `scores[i]` and its strategy scores to row `i` of `byStrategy`. */
export function addVotePower(scores: Float64Array, byStrategy: Float64Array, i: number, vote: Vote, strategies: number): void {
  scores[i] += vote.balance;
  const row = i * strategies;
  const vs = vote.scores;
  for (let s = 0; s < strategies; s++) byStrategy[row + s] += vs[s];
}

/** Emits a vote's balance for choice `i` and each strategy score for its columns. */
export function emitVotePower(
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void,
  i: number,
  vote: Vote,
  strategies: number
): void {
  emit(i, -1, vote.balance);
  for (let s = 0; s < strategies; s++) emit(i, s, vote.scores[s]);
}
