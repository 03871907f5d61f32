/**
 * The machinery shared by the `{"idx": weight}` voting types (quadratic, weighted): Snapshot's
 * validity rule, each ballot's per-choice fractions, and their terms summed per choice and strategy.
 */
import type { Vote } from '../types.ts';
import { allFinite, canonicalIndexKey, checkStrategyScores } from './common.ts';

/** How a weight-map voting type turns a ballot into terms, in snapshot.js's exact arithmetic. */
export type WeightMapRule = {
  /** A choice's fraction of the ballot from its weight (undefined when absent) and the Σ of weights. */
  fraction(weight: unknown, whole: number): number;
  /** The term that fraction adds for a power (the balance, or one strategy's score). */
  term(fraction: number, power: number): number;
};

/** Per-choice sums of terms, the valid and total power, ready for the type's `finish`. */
export type WeightMapSums = {
  sums: Float64Array;
  sumsByStrategy: Float64Array;
  validTotal: number;
  total: number;
};

/** Input of a weight-map recount or packing. */
export type WeightMapTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

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
 * one weight > 0; returns -1 otherwise. Own enumerable keys are read once, in `Object.keys` order (an
 * array of them walks faster than `for…in` over integer keys); when `scratch` is given, each
 * key's canonical choice index (the property `choice[i + 1]` reads) and weight are left in it.
 */
export function scanWeightMap(choice: unknown, choices: readonly string[], scratch?: WeightMapScratch): number {
  if (typeof choice !== 'object' || choice === null || Array.isArray(choice)) return -1;
  const map = choice as Record<string, unknown>;
  const n = choices.length;
  let whole = 0;
  let keys = 0;
  let positive = false;
  const own = Object.keys(map);
  for (let o = 0; o < own.length; o++) {
    const key = own[o];
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

/**
 * Whether a vote's fractions must be taken for every choice: some power is not finite, so even a
 * zero fraction yields a non-zero (NaN) term, as in snapshot.js. Otherwise zero fractions are skipped.
 */
function needsEveryChoice(vote: Vote, strategies: number): boolean {
  return !allFinite(vote, strategies);
}

/**
 * Calls `visit(i, fraction)` for the choices a valid ballot adds terms to, in key order: the canonical
 * keys with a non-zero fraction, or every choice when some power is not finite (see above).
 */
function visitFractions(
  vote: Vote,
  whole: number,
  scratch: WeightMapScratch,
  n: number,
  strategies: number,
  rule: WeightMapRule,
  visit: (choiceIndex: number, fraction: number) => void
): void {
  if (needsEveryChoice(vote, strategies)) {
    const map = vote.choice as Record<string, unknown>;
    for (let i = 0; i < n; i++) visit(i, rule.fraction(map[i + 1], whole));
    return;
  }
  for (let k = 0; k < scratch.count; k++) {
    const i = scratch.index[k];
    if (i < 0) continue;
    const fraction = rule.fraction(scratch.weight[k], whole);
    if (fraction !== 0) visit(i, fraction);
  }
}

const contributionScratch = createWeightMapScratch();

/**
 * Emits a weight-map ballot's terms: `emit(i, -1, x)` adds `x` to choice `i`, `emit(i, s, x)` to its
 * strategy `s` column. Returns whether the ballot is valid.
 */
export function weightMapContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  rule: WeightMapRule,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  const scratch = contributionScratch;
  const whole = scanWeightMap(vote.choice, choices, scratch);
  if (whole < 0) return false;
  visitFractions(vote, whole, scratch, choices.length, strategies, rule, (i, fraction) => {
    emit(i, -1, rule.term(fraction, vote.balance));
    for (let s = 0; s < strategies; s++) emit(i, s, rule.term(fraction, vote.scores[s]));
  });
  return true;
}

/**
 * Valid weight-map ballots in compact form, in vote order: ballot `b` has entries
 * `offsets[b] .. offsets[b + 1]` of (`index`: 0-based choice, `fraction`), its power in `balances[b]`
 * and `scores[b * strategies + s]`; `validTotal` / `total` are Σ balance of valid / all votes.
 */
export type WeightMapBallots = {
  choices: number;
  strategies: number;
  count: number;
  offsets: Uint32Array;
  index: Uint32Array;
  fraction: Float64Array;
  balances: Float64Array;
  scores: Float64Array;
  validTotal: number;
  total: number;
};

/** Validates and packs weight-map ballots (the per-vote work a store does once, when a vote arrives). */
export function packWeightMaps(params: WeightMapTallyParameters, rule: WeightMapRule): WeightMapBallots {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const scratch = createWeightMapScratch();
  const offsets = new Uint32Array(votes.length + 1);
  const balances = new Float64Array(votes.length);
  const scores = new Float64Array(votes.length * strategies);
  let index = new Uint32Array(votes.length * 2 + n);
  let fractions = new Float64Array(index.length);
  let count = 0;
  let entries = 0;
  let total = 0;
  let validTotal = 0;
  const store = (i: number, fraction: number): void => {
    index[entries] = i;
    fractions[entries++] = fraction;
  };
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    checkStrategyScores(vote, strategies);
    total += vote.balance;
    const whole = scanWeightMap(vote.choice, choices, scratch);
    if (whole < 0) continue;
    validTotal += vote.balance;
    if (entries + Math.max(scratch.count, n) > index.length) {
      const grownIndex = new Uint32Array(index.length * 2 + n);
      grownIndex.set(index);
      index = grownIndex;
      const grownFractions = new Float64Array(grownIndex.length);
      grownFractions.set(fractions);
      fractions = grownFractions;
    }
    visitFractions(vote, whole, scratch, n, strategies, rule, store);
    balances[count] = vote.balance;
    for (let s = 0; s < strategies; s++) scores[count * strategies + s] = vote.scores[s];
    offsets[++count] = entries;
  }
  return {
    choices: n,
    strategies,
    count,
    offsets: offsets.slice(0, count + 1),
    index: index.slice(0, entries),
    fraction: fractions.slice(0, entries),
    balances: balances.slice(0, count),
    scores: scores.slice(0, count * strategies),
    validTotal,
    total
  };
}

/** Sums the terms of packed ballots per choice and strategy, in ballot order. */
export function sumPackedWeightMaps(ballots: WeightMapBallots, rule: WeightMapRule): WeightMapSums {
  const { choices: n, strategies, count, offsets, index, fraction, balances, scores } = ballots;
  const sums = new Float64Array(n);
  const sumsByStrategy = new Float64Array(n * strategies);
  for (let b = 0; b < count; b++) {
    const balance = balances[b];
    const from = b * strategies;
    for (let e = offsets[b], end = offsets[b + 1]; e < end; e++) {
      const i = index[e];
      const f = fraction[e];
      sums[i] += rule.term(f, balance);
      const row = i * strategies;
      for (let s = 0; s < strategies; s++) sumsByStrategy[row + s] += rule.term(f, scores[from + s]);
    }
  }
  return { sums, sumsByStrategy, validTotal: ballots.validTotal, total: ballots.total };
}

/** Sums every valid ballot's terms per choice and strategy, in vote order (a recount from votes). */
export function sumWeightMaps(params: WeightMapTallyParameters, rule: WeightMapRule): WeightMapSums {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const scratch = createWeightMapScratch();
  const sums = new Float64Array(n);
  const sumsByStrategy = new Float64Array(n * strategies);
  let total = 0;
  let validTotal = 0;
  let vote: Vote = votes[0];
  const memo = createScanMemo();
  const add = (i: number, fraction: number): void => {
    sums[i] += rule.term(fraction, vote.balance);
    const row = i * strategies;
    for (let s = 0; s < strategies; s++) sumsByStrategy[row + s] += rule.term(fraction, vote.scores[s]);
  };
  for (let v = 0; v < votes.length; v++) {
    vote = votes[v];
    checkStrategyScores(vote, strategies);
    total += vote.balance;
    const whole = memo.scan(vote.choice, choices, scratch);
    if (whole < 0) continue;
    validTotal += vote.balance;
    visitFractions(vote, whole, scratch, n, strategies, rule, add);
  }
  return { sums, sumsByStrategy, validTotal, total };
}

/** Ballot objects remembered before the memo decides whether ballots repeat. */
const MEMO_TRIAL = 4096;

/**
 * `scanWeightMap` remembered per ballot object: votes loaded for a decision share one object per distinct
 * ballot text, so each is walked once. Where ballots do not repeat (every vote its own object), the memo
 * turns itself off after a trial, so it costs those recounts almost nothing. Ballots are never mutated.
 */
function createScanMemo() {
  const known = new Map<object, { whole: number; index: Int32Array; weight: Float64Array }>();
  let on = true;
  let hits = 0;
  return {
    scan(choice: unknown, choices: readonly string[], scratch: WeightMapScratch): number {
      if (!on || typeof choice !== 'object' || choice === null) return scanWeightMap(choice, choices, scratch);
      const hit = known.get(choice);
      if (hit) {
        hits++;
        scratch.count = hit.index.length;
        if (scratch.index.length < hit.index.length) {
          scratch.index = new Int32Array(hit.index.length);
          scratch.weight = new Float64Array(hit.index.length);
        }
        scratch.index.set(hit.index);
        scratch.weight.set(hit.weight);
        return hit.whole;
      }
      const whole = scanWeightMap(choice, choices, scratch);
      if (known.size >= MEMO_TRIAL && hits < known.size) {
        on = false;
        known.clear();
      } else {
        const count = whole < 0 ? 0 : scratch.count;
        known.set(choice, { whole, index: scratch.index.slice(0, count), weight: scratch.weight.slice(0, count) });
      }
      return whole;
    },
  };
}
