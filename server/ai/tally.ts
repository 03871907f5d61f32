/** Tallying of Snapshot voting types, shared by detectors for counterfactual results. */
import { addExact, createExactSum, exactSumValue } from '../scoring/exact-sum.ts';
import type { ProposalInput, VoteChoice } from './types.ts';

export type TallyResult = { scores: number[]; winner: number; quorumMet: boolean };

/** Calls `add(i, amount)` for each 0-based choice a vote's power goes to; invalid choices add nothing. */
export function forEachShare(type: string, choice: VoteChoice, vp: number, n: number, add: (i: number, amount: number) => void): void {
  if (!(vp > 0)) return;
  if (typeof choice === 'number') {
    if (Number.isInteger(choice) && choice >= 1 && choice <= n) add(choice - 1, vp);
    return;
  }
  if (Array.isArray(choice)) {
    if (choice.length === 0) return;
    if (type === 'ranked-choice') {
      const first = choice[0];
      if (Number.isInteger(first) && first >= 1 && first <= n) add(first - 1, vp);
      return;
    }
    const seen = new Set<number>();
    for (const c of choice) {
      if (Number.isInteger(c) && c >= 1 && c <= n && !seen.has(c)) {
        seen.add(c);
        add(c - 1, vp);
      }
    }
    return;
  }
  if (choice && typeof choice === 'object') {
    let sum = 0;
    for (const [k, w] of Object.entries(choice)) {
      const i = Number(k);
      if (Number.isInteger(i) && i >= 1 && i <= n && typeof w === 'number' && w > 0) sum += w;
    }
    if (sum <= 0) return;
    for (const [k, w] of Object.entries(choice)) {
      const i = Number(k);
      if (Number.isInteger(i) && i >= 1 && i <= n && typeof w === 'number' && w > 0) add(i - 1, (vp * w) / sum);
    }
  }
}

/** Adds (sign 1) or removes (sign -1) one vote's power to per-choice scores; invalid choices add nothing. */
export function applyChoice(scores: number[], type: string, choice: VoteChoice, vp: number, sign: number): void {
  forEachShare(type, choice, vp, scores.length, (i, amount) => {
    scores[i] += sign * amount;
  });
}

/** Per-choice exact sums (partials of server/scoring/exact-sum.ts): totals independent of the order votes arrive in. */
export type ExactScores = number[][];

/** Empty exact per-choice sums. */
export function emptyExactScores(choices: number): ExactScores {
  return Array.from({ length: choices }, () => createExactSum());
}

/** Adds (sign 1) or removes (sign -1) one vote's power exactly. */
export function applyChoiceExact(exact: ExactScores, type: string, choice: VoteChoice, vp: number, sign: number): void {
  forEachShare(type, choice, vp, exact.length, (i, amount) => addExact(exact[i], sign * amount));
}

/** Adds (sign 1) or subtracts (sign -1) another exact per-choice sum. */
export function addExactScores(exact: ExactScores, other: ExactScores, sign: number): void {
  for (let i = 0; i < exact.length; i++) for (const x of other[i]) addExact(exact[i], sign * x);
}

/** Copy of exact per-choice sums. */
export function cloneExactScores(exact: ExactScores): ExactScores {
  return exact.map((partials) => [...partials]);
}

/** Per-choice scores, each the exact sum rounded once. */
export function exactScoreValues(exact: ExactScores): number[] {
  return exact.map(exactSumValue);
}

/** The 0-based choice a vote mainly supports (first / heaviest), or -1. */
export function mainChoice(choice: VoteChoice): number {
  if (typeof choice === 'number') return Number.isInteger(choice) ? choice - 1 : -1;
  if (Array.isArray(choice)) return choice.length && Number.isInteger(choice[0]) ? choice[0] - 1 : -1;
  let best = -1;
  let bestW = 0;
  if (choice && typeof choice === 'object') {
    for (const [k, w] of Object.entries(choice)) {
      if (typeof w === 'number' && w > bestW) {
        bestW = w;
        best = Number(k) - 1;
      }
    }
  }
  return best;
}

/** A stable string key for a choice (same key = same choice). */
export function choiceKey(choice: VoteChoice): string {
  if (typeof choice === 'number') return String(choice);
  if (Array.isArray(choice)) return choice.join(',');
  if (choice && typeof choice === 'object') {
    return Object.keys(choice)
      .sort()
      .map((k) => `${k}:${choice[k]}`)
      .join(',');
  }
  return '';
}

/** Winner and quorum from per-choice scores (ties go to the lower index; -1 without power). */
export function resultOf(scores: number[], quorum: number): TallyResult {
  let winner = -1;
  let best = 0;
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] < 1e-9 ? 0 : scores[i];
    total += s;
    if (s > best + 1e-9) {
      best = s;
      winner = i;
    }
  }
  return { scores: scores.map((s) => (Math.abs(s) < 1e-9 ? 0 : s)), winner, quorumMet: total > 0 && total >= quorum };
}

/** An outcome label: the winner when quorum is met, else -1 ("fails"). */
export function outcomeOf(result: TallyResult): number {
  return result.quorumMet ? result.winner : -1;
}

/** Tallies a list of (latest) votes. */
export function tally(proposal: ProposalInput, votes: Iterable<{ choice: VoteChoice; vp: number }>): TallyResult {
  const scores = new Array<number>(proposal.choices.length).fill(0);
  for (const v of votes) applyChoice(scores, proposal.type, v.choice, v.vp, 1);
  return resultOf(scores, proposal.quorum);
}
