/**
 * Quadratic voting: a ballot spreads weights over choices; choice i scores (Σ_voters √(share_i × power))²,
 * then the scores are rescaled to sum to the valid voting power (so quorum keeps its meaning).
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

/** Input of a quadratic recount. */
export type QuadraticTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/** Snapshot's quadratic validity: `{"idx": weight}` with known choices, weights ≥ 0, one > 0. */
export function isValidQuadraticChoice(choice: unknown, choices: readonly string[]): boolean {
  return weightMapTotal(choice, choices) >= 0;
}

/** Share of a weight in its ballot as snapshot.js computes it (`part / whole`, NaN read as 0). */
function share(part: unknown, whole: number): number {
  const ratio = (part as number) / whole;
  return ratio !== ratio ? 0 : ratio;
}

/**
 * Emits a valid quadratic ballot's terms √(share × power): `emit(i, -1, x)` for the balance and
 * `emit(i, s, x)` per strategy. Zero-share choices are skipped when every power is finite (their
 * term is ±0); otherwise every choice is visited, as snapshot.js does.
 */
function quadraticTerms(
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
      const p = share(map[key], whole);
      if (p === 0) continue;
      emit(index - 1, -1, Math.sqrt(p * balance));
      for (let s = 0; s < strategies; s++) emit(index - 1, s, Math.sqrt(p * vs[s]));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const p = share(map[i + 1], whole);
    emit(i, -1, Math.sqrt(p * balance));
    for (let s = 0; s < strategies; s++) emit(i, s, Math.sqrt(p * vs[s]));
  }
}

/**
 * Valid quadratic ballots in compact form, in vote order: ballot `b` has entries
 * `offsets[b] .. offsets[b + 1]` of (`index`: 0-based choice, `share`: weight / Σ weights), its
 * power in `balances[b]` and `scores[b * strategies + s]`. Zero shares are left out when every power
 * of the ballot is finite (their terms are ±0); otherwise all choices are listed, as snapshot.js visits
 * them. `validTotal` / `total`: Σ balance of valid / all votes in vote order.
 */
export type QuadraticBallots = {
  choices: number;
  strategies: number;
  count: number;
  offsets: Uint32Array;
  index: Uint32Array;
  share: Float64Array;
  balances: Float64Array;
  scores: Float64Array;
  validTotal: number;
  total: number;
};

/** Validates and packs quadratic ballots (the per-vote work a live store does once, at ingest). */
export function encodeQuadraticBallots(params: QuadraticTallyParameters): QuadraticBallots {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const scratch = createWeightMapScratch();
  const offsets = new Uint32Array(votes.length + 1);
  const balances = new Float64Array(votes.length);
  const scores = new Float64Array(votes.length * strategies);
  let index = new Uint32Array(votes.length * 2 + n);
  let shares = new Float64Array(index.length);
  let count = 0;
  let entries = 0;
  let total = 0;
  let validTotal = 0;
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
      const grownShares = new Float64Array(grownIndex.length);
      grownShares.set(shares);
      shares = grownShares;
    }
    if (allFinite(vote, strategies)) {
      for (let k = 0; k < scratch.count; k++) {
        const i = scratch.index[k];
        if (i < 0) continue;
        const p = share(scratch.weight[k], whole);
        if (p === 0) continue;
        index[entries] = i;
        shares[entries++] = p;
      }
    } else {
      const map = vote.choice as Record<string, unknown>;
      for (let i = 0; i < n; i++) {
        index[entries] = i;
        shares[entries++] = share(map[i + 1], whole);
      }
    }
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
    share: shares.slice(0, entries),
    balances: balances.slice(0, count),
    scores: scores.slice(0, count * strategies),
    validTotal,
    total
  };
}

/** Recount from packed ballots, identical to snapshot.js `QuadraticVoting` on the original votes. */
export function tallyQuadraticBallots(ballots: QuadraticBallots): TallyReturnType {
  const { choices: n, strategies, count, offsets, index, share: shares, balances, scores } = ballots;
  const roots = new Float64Array(n);
  const rootsByStrategy = new Float64Array(n * strategies);
  for (let b = 0; b < count; b++) {
    const balance = balances[b];
    const from = b * strategies;
    for (let e = offsets[b], end = offsets[b + 1]; e < end; e++) {
      const i = index[e];
      const p = shares[e];
      roots[i] += Math.sqrt(p * balance);
      const row = i * strategies;
      for (let s = 0; s < strategies; s++) rootsByStrategy[row + s] += Math.sqrt(p * scores[from + s]);
    }
  }
  return finishQuadratic(roots, rootsByStrategy, strategies, ballots.validTotal, ballots.total);
}

/** Full recount, identical to snapshot.js `QuadraticVoting`. */
export function tallyQuadratic(params: QuadraticTallyParameters): TallyReturnType {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  const roots = new Float64Array(n);
  const rootsByStrategy = new Float64Array(n * strategies);
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
    const vs = vote.scores;
    if (allFinite(vote, strategies)) {
      // Only canonical keys with a non-zero share add a non-zero term.
      for (let k = 0; k < scratch.count; k++) {
        const i = scratch.index[k];
        if (i < 0) continue;
        const p = share(scratch.weight[k], whole);
        if (p === 0) continue;
        roots[i] += Math.sqrt(p * balance);
        const row = i * strategies;
        for (let s = 0; s < strategies; s++) rootsByStrategy[row + s] += Math.sqrt(p * vs[s]);
      }
    } else {
      quadraticTerms(vote, vote.choice as Record<string, unknown>, whole, n, strategies, (i, s, x) => {
        if (s < 0) roots[i] += x;
        else rootsByStrategy[i * strategies + s] += x;
      });
    }
  }
  return finishQuadratic(roots, rootsByStrategy, strategies, validTotal, total);
}

/** Emits a quadratic ballot's additive terms (see `quadraticTerms`); returns validity. */
export function quadraticContributions(
  vote: Vote,
  choices: readonly string[],
  strategies: number,
  emit: (choiceIndex: number, strategyIndex: number, value: number) => void
): boolean {
  const whole = weightMapTotal(vote.choice, choices);
  if (whole < 0) return false;
  quadraticTerms(vote, vote.choice as Record<string, unknown>, whole, choices.length, strategies, emit);
  return true;
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
