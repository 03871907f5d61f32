/**
 * Weighted voting: a ballot spreads weights over choices; the voter's power is split by weight share,
 * then the scores are rescaled to sum to the valid voting power.
 */
import type { TallyReturnType, Vote } from '../types.ts';
import { toRows } from './common.ts';
import {
  sumWeightMaps,
  weightMapContributions,
  weightMapTotal,
  type WeightMapRule,
  type WeightMapTallyParameters
} from './weight-map.ts';

/** Input of a weighted recount. */
export type WeightedTallyParameters = WeightMapTallyParameters;

/** Percentage as snapshot.js computes it: `(part / whole) * 100`, NaN read as 0. */
function percentage(part: unknown, whole: number): number {
  const percent = ((part as number) / whole) * 100;
  return percent !== percent ? 0 : percent;
}

/** Weighted terms: (percentage / 100) × power. */
const WEIGHTED: WeightMapRule = {
  fraction: (weight, whole) => percentage(weight, whole) / 100,
  term: (fraction, power) => fraction * power
};

/** Snapshot's weighted validity (same rule as quadratic): `{"idx": weight}`, weights ≥ 0, one > 0. */
export function isValidWeightedChoice(choice: unknown, choices: readonly string[]): boolean {
  return weightMapTotal(choice, choices) >= 0;
}

/** Full recount, identical to snapshot.js `WeightedVoting`. */
export function tallyWeighted(params: WeightedTallyParameters): TallyReturnType {
  const { sums, sumsByStrategy, validTotal, total } = sumWeightMaps(params, WEIGHTED);
  return finishWeighted(sums, sumsByStrategy, params.strategies, validTotal, total);
}

/** Emits a weighted ballot's additive terms (percentage / 100) × power; returns validity. */
export function weightedContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  return weightMapContributions(vote, choices, strategies, WEIGHTED, emit);
}

/**
 * Turns per-choice power sums into the tally: each sum's percentage of their total (per strategy: of
 * the total over all choices and strategies), times the valid power / 100.
 */
export function finishWeighted(
  powers: Float64Array,
  powersByStrategy: Float64Array,
  strategies: number,
  validTotal: number,
  total: number
): TallyReturnType {
  const n = powers.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += powers[i];
  const scores: number[] = new Array(n);
  for (let i = 0; i < n; i++) scores[i] = (validTotal / 100) * percentage(powers[i], sum);

  const cells = n * strategies;
  let sumAll = 0;
  for (let c = 0; c < cells; c++) sumAll += powersByStrategy[c];
  const byStrategy = new Float64Array(cells);
  for (let c = 0; c < cells; c++) byStrategy[c] = (validTotal / 100) * percentage(powersByStrategy[c], sumAll);
  return { scores, scores_by_strategy: toRows(byStrategy, n, strategies), scores_total: total };
}
