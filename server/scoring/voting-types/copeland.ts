/**
 * Copeland voting: each ballot ranks every choice; every pair of choices is a head-to-head contest
 * (a win scores 1, a tie ½), ties broken by average support, and the scores are rescaled to the valid
 * voting power.
 */
import type { TallyReturnType, Vote } from '../types.ts';
import { checkStrategyScores, toRows } from './common.ts';

/** Input of a copeland recount. */
export type CopelandTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/** Snapshot's copeland validity: a permutation of all choices, entries integers 1..choices.length. */
export function isValidCopelandChoice(choice: unknown, choices: readonly string[]): boolean {
  if (!Array.isArray(choice)) return false;
  const n = choices.length;
  if (choice.length === 0 || choice.length !== n) return false;
  if (n <= 32) {
    let seen = 0;
    for (let k = 0; k < n; k++) {
      const entry = choice[k];
      if (!Number.isInteger(entry) || entry < 1 || entry > n) return false;
      const bit = 1 << (entry - 1);
      if (seen & bit) return false;
      seen |= bit;
    }
    return true;
  }
  if (new Set(choice).size !== n) return false;
  for (let k = 0; k < n; k++) {
    const entry = choice[k];
    if (!Number.isInteger(entry) || entry < 1 || entry > n) return false;
  }
  return true;
}

/** Copeland points from signed pairwise margins, plus ½ × average support when `bonusWhen`. */
function copelandPoints(
  margins: Float64Array,
  support: Float64Array,
  n: number,
  stride: number,
  offset: number,
  total: number,
  bonusWhen: boolean
): Float64Array {
  const points = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    for (let o = 0; o < n; o++) {
      if (a === o) continue;
      const margin = margins[(a * n + o) * stride + offset];
      if (margin > 0) points[a]++;
      else if (margin < 0) points[o]++;
      else {
        points[a] += 0.5;
        points[o] += 0.5;
      }
    }
  }
  const matchups = n - 1;
  if (bonusWhen && matchups > 0) {
    for (let a = 0; a < n; a++) points[a] += 0.5 * (support[a * stride + offset] / (matchups * total));
  }
  return points;
}

/** Full recount, identical to snapshot.js `CopelandVoting` (whose `scores_total` counts valid ballots only). */
export function tallyCopeland(params: CopelandTallyParameters): TallyReturnType {
  const { choices, votes, strategies: S } = params;
  const n = choices.length;
  const margins = new Float64Array(n * n);
  const support = new Float64Array(n);
  const marginsByStrategy = new Float64Array(n * n * S);
  const supportByStrategy = new Float64Array(n * S);
  const strategyTotals = new Float64Array(S);
  let validTotal = 0;
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    checkStrategyScores(vote, S);
    if (!isValidCopelandChoice(vote.choice, choices)) continue;
    const order = vote.choice as number[];
    const balance = vote.balance;
    const vs = vote.scores;
    validTotal += balance;
    for (let s = 0; s < S; s++) strategyTotals[s] += vs[s];
    for (let r = 0; r < n; r++) {
      const preferred = order[r] - 1;
      for (let r2 = r + 1; r2 < n; r2++) {
        const lower = order[r2] - 1;
        margins[preferred * n + lower] += balance;
        margins[lower * n + preferred] -= balance;
        support[preferred] += balance;
        const up = (preferred * n + lower) * S;
        const down = (lower * n + preferred) * S;
        for (let s = 0; s < S; s++) {
          marginsByStrategy[up + s] += vs[s];
          marginsByStrategy[down + s] -= vs[s];
          supportByStrategy[preferred * S + s] += vs[s];
        }
      }
    }
  }

  const points = copelandPoints(margins, support, n, 1, 0, validTotal, validTotal > 0);
  let pointsTotal = 0;
  for (let a = 0; a < n; a++) pointsTotal += points[a];
  const scores: number[] = new Array(n);
  for (let a = 0; a < n; a++) scores[a] = pointsTotal > 0 ? (points[a] / pointsTotal) * validTotal : validTotal / n;

  const byStrategy = new Float64Array(n * S);
  for (let s = 0; s < S; s++) {
    const strategyTotal = strategyTotals[s];
    const columnPoints = copelandPoints(marginsByStrategy, supportByStrategy, n, S, s, strategyTotal, !(strategyTotal <= 0));
    let columnTotal = 0;
    for (let a = 0; a < n; a++) columnTotal += columnPoints[a];
    for (let a = 0; a < n; a++) {
      if (columnTotal > 0) byStrategy[a * S + s] = (columnPoints[a] / columnTotal) * strategyTotal;
      else if (strategyTotal > 0) byStrategy[a * S + s] = strategyTotal / n;
    }
  }
  return { scores, scores_by_strategy: toRows(byStrategy, n, S), scores_total: validTotal };
}
