/** Helpers shared by the voting types: output shaping and the per-vote strategy-count check. */
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
 * Whether `key` is the canonical decimal form of a choice index in 1..choices, i.e. the property
 * name that `choice[i + 1]` reads (so "01", "1.0" or " 1" pass Snapshot's validation but are not it).
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

/** Keys of the last ballot read by `scanWeightMap`: 0-based choice index (-1 if not canonical), weight. */
export type WeightMapScratch = { count: number; index: Int32Array; weight: Float64Array };

/** Scratch space for `scanWeightMap`, grown on demand. */
export function createWeightMapScratch(): WeightMapScratch {
  return { count: 0, index: new Int32Array(16), weight: new Float64Array(16) };
}

/**
 * Snapshot's validity rule for `{"idx": weight}` ballots (quadratic and weighted), fused with the sum
 * the tally needs: returns Σ weights in `Object.values` order when the ballot is a non-array object
 * with at least one key, every key naming a choice after `Number(key)`, every weight a number ≥ 0 and
 * one weight > 0; returns -1 otherwise. Own enumerable keys are read once with `for…in`, which visits
 * them in `Object.keys` order (choice objects are plain JSON objects); when `scratch` is given, each
 * key's canonical choice index (the property `choice[i + 1]` reads) and weight are left in it.
 */
export function scanWeightMap(choice: unknown, choices: readonly string[], scratch?: WeightMapScratch): number {
  if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) return -1;
  const map = choice as Record<string, unknown>;
  const n = choices.length;
  let whole = 0;
  let keys = 0;
  let positive = false;
  for (const key in map) {
    const canonical = canonicalIndexKey(key, n);
    if (choices[(canonical > 0 ? canonical : Number(key)) - 1] === undefined) return -1;
    const weight = map[key];
    if (typeof weight !== 'number' || !(weight >= 0)) return -1;
    if (weight > 0) positive = true;
    whole += weight;
    if (scratch !== undefined) {
      if (keys === scratch.index.length) {
        const index = new Int32Array(keys * 2);
        index.set(scratch.index);
        scratch.index = index;
        const weights = new Float64Array(keys * 2);
        weights.set(scratch.weight);
        scratch.weight = weights;
      }
      scratch.index[keys] = canonical - 1;
      scratch.weight[keys] = weight;
    }
    keys++;
  }
  if (scratch !== undefined) scratch.count = keys;
  return keys > 0 && positive ? whole : -1;
}

/** Snapshot's `{"idx": weight}` validity; returns Σ weights when valid, -1 otherwise. */
export function weightMapTotal(choice: unknown, choices: readonly string[]): number {
  return scanWeightMap(choice, choices);
}

/** Whether a vote's balance and every strategy score are finite (then zero-weight choices add nothing). */
export function allFinite(vote: Vote, strategies: number): boolean {
  if (vote.balance - vote.balance !== 0) return false;
  for (let s = 0; s < strategies; s++) if (vote.scores[s] - vote.scores[s] !== 0) return false;
  return true;
}
