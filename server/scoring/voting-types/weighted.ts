/**
 * Weighted voting: a ballot spreads weights over choices; the voter's power is split by weight share,
 * then the scores are rescaled to sum to the valid voting power.
 */
import type { TallyReturnType, Vote } from '../types.ts';
import {
  allFinite,
  canonicalIndexKey,
  checkStrategyScores,
  createWeightMapScratch,
  scanWeightMap,
  toRows,
  weightMapTotal
} from './common.ts';

/** Input of a weighted recount. */
export type WeightedTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/** Snapshot's weighted validity (same rule as quadratic): `{"idx": weight}`, weights ≥ 0, one > 0. */
export function isValidWeightedChoice(choice: unknown, choices: readonly string[]): boolean {
  return weightMapTotal(choice, choices) >= 0;
}

/** Percentage as snapshot.js computes it: `(part / whole) * 100`, NaN read as 0. */
function percentage(part: unknown, whole: number): number {
  const percent = ((part as number) / whole) * 100;
  return percent !== percent ? 0 : percent;
}

/** Emits a valid weighted ballot's terms `(percentage / 100) × power` (see quadratic's terms). */
function weightedTerms(
  vote: Vote,
  map: Record<string, unknown>,
  whole: number,
  n: number,
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): void {
  const balance = vote.balance;
  const vs = vote.scores;
  if (allFinite(vote, strategies)) {
    for (const key in map) {
      const index = canonicalIndexKey(key, n);
      if (index < 0) continue;
      const fraction = percentage(map[key], whole) / 100;
      if (fraction === 0) continue;
      emit(index - 1, -1, fraction * balance);
      for (let s = 0; s < strategies; s++) emit(index - 1, s, fraction * vs[s]);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const fraction = percentage(map[i + 1], whole) / 100;
    emit(i, -1, fraction * balance);
    for (let s = 0; s < strategies; s++) emit(i, s, fraction * vs[s]);
  }
}

/** Full recount, identical to snapshot.js `WeightedVoting`. */
export function tallyWeighted(params: WeightedTallyParameters): TallyReturnType {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const powers = new Float64Array(n);
  const powersByStrategy = new Float64Array(n * strategies);
  const scratch = createWeightMapScratch();
  let total = 0;
  let validTotal = 0;
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    checkStrategyScores(vote, strategies);
    const balance = vote.balance;
    total += balance;
    const whole = scanWeightMap(vote.choice, choices, scratch);
    if (whole < 0) continue;
    validTotal += balance;
    const map = vote.choice as Record<string, unknown>;
    const vs = vote.scores;
    if (allFinite(vote, strategies)) {
      for (let k = 0; k < scratch.count; k++) {
        const i = scratch.index[k];
        if (i < 0) continue;
        const fraction = percentage(scratch.weight[k], whole) / 100;
        if (fraction === 0) continue;
        powers[i] += fraction * balance;
        const row = i * strategies;
        for (let s = 0; s < strategies; s++) powersByStrategy[row + s] += fraction * vs[s];
      }
    } else {
      weightedTerms(vote, map, whole, n, strategies, (i, s, x) => {
        if (s < 0) powers[i] += x;
        else powersByStrategy[i * strategies + s] += x;
      });
    }
  }
  return finishWeighted(powers, powersByStrategy, strategies, validTotal, total);
}

/** Emits a weighted ballot's additive terms; returns validity. */
export function weightedContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  const whole = weightMapTotal(vote.choice, choices);
  if (whole < 0) return false;
  weightedTerms(vote, vote.choice as Record<string, unknown>, whole, choices.length, strategies, emit);
  return true;
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
