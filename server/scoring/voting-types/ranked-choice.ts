/**
 * Ranked-choice voting (instant runoff): each ballot ranks every choice; each round counts ballots for
 * their highest-ranked remaining choice and drops the weakest, until one has more than half or fewer
 * than three remain. Scores are the final round's counts.
 */
import type { TallyReturnType, Vote } from '../types.ts';
import { TooManyChoicesError } from '../errors.ts';
import { checkStrategyScores, scanChoiceList, sumBalances, toRows } from './common.ts';
import { tallyRankedKeyed } from './ranked-choice-keyed.ts';

/** Input of a ranked-choice recount. */
export type RankedChoiceTallyParameters = {
  choices: readonly string[];
  votes: readonly Vote[];
  strategies: number;
};

/**
 * Valid ranked ballots in compact form: `ranks[b * choices + r]` is the 0-based choice ballot `b`
 * ranks at position `r`; `balances[b]`, `scores[b * strategies + s]` its power; `total` the power of
 * every vote, valid or not; `coerced` how many valid ballots hold entries that pass validation only by
 * numeric coercion (e.g. "2"; packed as the index they coerce to). Up to `MAX_RANKED_CHOICES` choices.
 */
export type RankedBallots = {
  choices: number;
  strategies: number;
  count: number;
  ranks: Uint16Array;
  balances: Float64Array;
  scores: Float64Array;
  total: number;
  coerced: number;
};

/** Most choices a packed ranked ballot can hold (indices and positions are 16-bit). */
export const MAX_RANKED_CHOICES = 0xfffe;

/**
 * Snapshot's ranked-choice validity: a non-empty array of distinct entries (SameValueZero), each
 * naming a choice after numeric coercion, with exactly as many entries as there are choices.
 */
export function isValidRankedChoice(choice: unknown, choices: readonly string[]): boolean {
  if (!Array.isArray(choice)) return false;
  const length = choice.length;
  const entries = scanChoiceList(choice, choices);
  if (entries < 0 || length === 0 || length !== choices.length) return false;
  if (entries === 1 && length <= 32) {
    // Numbers that pass are integers 1..length: a bit per choice finds repeats.
    let seen = 0;
    for (let k = 0; k < length; k++) {
      const bit = 1 << ((choice[k] as number) - 1);
      if (seen & bit) return false;
      seen |= bit;
    }
    return true;
  }
  return new Set(choice).size === length;
}

/**
 * Packs the valid ballots. Entries that are not numbers but pass validation by coercion (e.g. "2")
 * are stored as the index they coerce to and counted in `coerced`: snapshot.js keys its counts by
 * the entry's string form, which agrees for "2" but not for "01" or true, so `tallyRankedChoice` sends
 * such proposals down the exact (slower) keyed path instead.
 */
export function encodeRankedBallots(params: RankedChoiceTallyParameters): RankedBallots {
  const { choices, votes, strategies } = params;
  const n = choices.length;
  if (n > MAX_RANKED_CHOICES) throw new TooManyChoicesError(n, MAX_RANKED_CHOICES);
  const valid = new Uint8Array(votes.length);
  let count = 0;
  for (let v = 0; v < votes.length; v++) {
    checkStrategyScores(votes[v], strategies);
    if (isValidRankedChoice(votes[v].choice, choices)) {
      valid[v] = 1;
      count++;
    }
  }
  const ranks = new Uint16Array(count * n);
  const balances = new Float64Array(count);
  const scores = new Float64Array(count * strategies);
  let b = 0;
  let coerced = 0;
  for (let v = 0; v < votes.length; v++) {
    if (valid[v] === 0) continue;
    const vote = votes[v];
    const list = vote.choice as unknown[];
    const base = b * n;
    let numbers = true;
    for (let r = 0; r < n; r++) {
      const entry = list[r];
      if (typeof entry !== 'number') numbers = false;
      ranks[base + r] = (entry as number) - 1;
    }
    if (!numbers) coerced++;
    balances[b] = vote.balance;
    for (let s = 0; s < strategies; s++) scores[b * strategies + s] = vote.scores[s];
    b++;
  }
  return { choices: n, strategies, count, ranks, balances, scores, total: sumBalances(votes), coerced };
}

/**
 * Instant runoff over packed ballots, identical to snapshot.js `RankedChoiceVoting` when no ballot
 * was `coerced` (otherwise coerced entries count as the index they coerce to).
 */
export function tallyRankedBallots(ballots: RankedBallots): TallyReturnType {
  const { choices: n, strategies, count, ranks, balances, scores: ballotScores } = ballots;
  // A choice takes part while it appears on a ballot and has not been eliminated.
  const active = new Uint8Array(n);
  let activeCount = 0;
  for (let k = 0; k < ranks.length && activeCount < n; k++) {
    if (active[ranks[k]] === 0) activeCount++;
    active[ranks[k]] = 1;
  }

  // Each ballot's current top choice and its rank position; `n` (an extra, never-read slot of
  // `counts`) once every choice it ranks is out, so counting needs no branch.
  const exhaustedSlot = n;
  const top = new Uint16Array(count);
  const position = new Uint16Array(count);
  for (let b = 0; b < count; b++) top[b] = ranks[b * n];
  const counts = new Float64Array(n + 1);
  // Power of the ballots still in play, summed in ballot order; recomputed only after one is exhausted.
  let roundTotal = 0;
  for (let b = 0; b < count; b++) roundTotal += balances[b];
  for (;;) {
    counts.fill(0);
    for (let b = 0; b < count; b++) counts[top[b]] += balances[b];
    // Leader: first strict maximum; weakest: first strict minimum (choices in index order).
    let topCount = -Infinity;
    let bottom = -1;
    let bottomCount = Infinity;
    for (let i = 0; i < n; i++) {
      if (active[i] === 0) continue;
      if (counts[i] > topCount) topCount = counts[i];
      if (counts[i] < bottomCount) {
        bottomCount = counts[i];
        bottom = i;
      }
    }
    if (topCount > roundTotal / 2 || activeCount < 3 || bottom < 0) break;
    active[bottom] = 0;
    activeCount--;
    // Ballots topped by the eliminated choice move down to their next remaining choice.
    let exhausted = false;
    for (let b = 0; b < count; b++) {
      if (top[b] !== bottom) continue;
      const base = b * n;
      let p = position[b] + 1;
      while (p < n && active[ranks[base + p]] === 0) p++;
      position[b] = p;
      if (p < n) top[b] = ranks[base + p];
      else {
        top[b] = exhaustedSlot;
        exhausted = true;
      }
    }
    if (exhausted) {
      roundTotal = 0;
      for (let b = 0; b < count; b++) if (top[b] !== exhaustedSlot) roundTotal += balances[b];
    }
  }

  const scores: number[] = new Array(n);
  for (let i = 0; i < n; i++) scores[i] = active[i] === 1 ? 0 + counts[i] : 0;

  // Final round per strategy, reproducing snapshot.js's accumulation: with several strategies each
  // ballot sets `acc = (score + acc) || score` (acc starts undefined), with one it sums from 0.
  const cells = n * strategies;
  const byStrategy = new Float64Array(cells);
  if (strategies > 1) byStrategy.fill(NaN);
  for (let b = 0; b < count; b++) {
    if (top[b] === exhaustedSlot) continue;
    const row = top[b] * strategies;
    const from = b * strategies;
    if (strategies > 1) {
      for (let s = 0; s < strategies; s++) {
        const score = ballotScores[from + s];
        byStrategy[row + s] = score + byStrategy[row + s] || score;
      }
    } else if (strategies === 1) {
      byStrategy[row] = 0 + byStrategy[row] + ballotScores[from];
    }
  }
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < strategies; s++) {
      const c = i * strategies + s;
      byStrategy[c] = active[i] === 1 ? 0 + (byStrategy[c] || 0) : 0;
    }
  }
  return { scores, scores_by_strategy: toRows(byStrategy, n, strategies), scores_total: ballots.total };
}

/**
 * Full recount, identical to snapshot.js `RankedChoiceVoting`: packs and runs the runoff, or takes the
 * keyed path when some valid ballot holds coerced entries. Throws EndlessRunoffError where snapshot.js
 * would recurse without end (an entry such as true that loose equality never eliminates).
 */
export function tallyRankedChoice(params: RankedChoiceTallyParameters): TallyReturnType {
  const packed = encodeRankedBallots(params);
  if (packed.coerced === 0) return tallyRankedBallots(packed);
  const valid = params.votes.filter((vote) => isValidRankedChoice(vote.choice, params.choices));
  return tallyRankedKeyed(params.choices, valid, params.strategies, packed.total);
}
