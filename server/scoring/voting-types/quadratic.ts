/**
 * Quadratic voting: a ballot spreads weights over choices; choice i scores (Σ_voters √(share_i × power))²,
 * then the scores are rescaled to sum to the valid voting power (so quorum keeps its meaning).
 */
import type { TallyReturnType, Vote } from '../types.ts';
import { toRows } from './common.ts';
import {
  packWeightMaps,
  sumPackedWeightMaps,
  sumWeightMaps,
  weightMapContributions,
  weightMapTotal,
  type WeightMapBallots,
  type WeightMapRule,
  type WeightMapTallyParameters
} from './weight-map.ts';

/** Input of a quadratic recount. */
export type QuadraticTallyParameters = WeightMapTallyParameters;

/** Valid quadratic ballots in compact form (`fraction` = weight share of each listed choice). */
export type QuadraticBallots = WeightMapBallots;

/** Share of a weight in its ballot as snapshot.js computes it (`part / whole`, NaN read as 0). */
function share(part: unknown, whole: number): number {
  const ratio = (part as number) / whole;
  return ratio !== ratio ? 0 : ratio;
}

/** Quadratic terms: √(share × power). */
const QUADRATIC: WeightMapRule = {
  fraction: share,
  term: (fraction, power) => Math.sqrt(fraction * power)
};

/** Snapshot's quadratic validity: `{"idx": weight}` with known choices, weights ≥ 0, one > 0. */
export function isValidQuadraticChoice(choice: unknown, choices: readonly string[]): boolean {
  return weightMapTotal(choice, choices) >= 0;
}

/** Full recount, identical to snapshot.js `QuadraticVoting`. */
export function tallyQuadratic(params: QuadraticTallyParameters): TallyReturnType {
  const { sums, sumsByStrategy, validTotal, total } = sumWeightMaps(params, QUADRATIC);
  return finishQuadratic(sums, sumsByStrategy, params.strategies, validTotal, total);
}

/** Validates and packs quadratic ballots (the per-vote work a store does once, when a vote arrives). */
export function encodeQuadraticBallots(params: QuadraticTallyParameters): QuadraticBallots {
  return packWeightMaps(params, QUADRATIC);
}

/** Recount from packed ballots, identical to snapshot.js `QuadraticVoting` on the original votes. */
export function tallyQuadraticBallots(ballots: QuadraticBallots): TallyReturnType {
  const { sums, sumsByStrategy, validTotal, total } = sumPackedWeightMaps(ballots, QUADRATIC);
  return finishQuadratic(sums, sumsByStrategy, ballots.strategies, validTotal, total);
}

/** Emits a quadratic ballot's additive terms √(share × power); returns validity. */
export function quadraticContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  return weightMapContributions(vote, choices, strategies, QUADRATIC, emit);
}

/**
 * Turns the per-choice sums of roots into the tally: square, take each square's share of their sum
 * (per strategy: of the sum over all choices and strategies), and multiply by the valid power.
 */
export function finishQuadratic(
  roots: Float64Array,
  rootsByStrategy: Float64Array,
  strategies: number,
  validTotal: number,
  total: number
): TallyReturnType {
  const n = roots.length;
  const squares = new Float64Array(n);
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    squares[i] = roots[i] * roots[i];
    sumSquares += squares[i];
  }
  const scores: number[] = new Array(n);
  for (let i = 0; i < n; i++) scores[i] = validTotal * share(squares[i], sumSquares);

  const cells = n * strategies;
  const squaresByStrategy = new Float64Array(cells);
  let sumAll = 0;
  for (let c = 0; c < cells; c++) {
    squaresByStrategy[c] = rootsByStrategy[c] * rootsByStrategy[c];
    sumAll += squaresByStrategy[c];
  }
  const byStrategy = new Float64Array(cells);
  for (let c = 0; c < cells; c++) byStrategy[c] = validTotal * share(squaresByStrategy[c], sumAll);
  return { scores, scores_by_strategy: toRows(byStrategy, n, strategies), scores_total: total };
}
