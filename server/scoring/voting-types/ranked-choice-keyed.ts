/**
 * Instant runoff over ballots whose entries are not all numbers — values such as "2", "01", [2] or
 * true pass snapshot.js's ranked-choice validation by numeric coercion. snapshot.js then treats each
 * distinct `String(entry)` as a candidate of its own, eliminates with loose equality (`entry != key`),
 * and credits a final candidate to choice i when `Number(key) === i + 1`. This module reproduces those
 * rules so that such ballots count exactly as in Snapshot; ordinary ballots take the packed path.
 */
import { EndlessRunoffError } from '../errors.ts';
import type { TallyReturnType, Vote } from '../types.ts';

type Candidate = { key: string; count: number; byStrategy: number[] | null };
type Ballot = { entries: unknown[]; vote: Vote };

/** Whether a property key is an array index, which objects list first, in ascending order. */
function isArrayIndex(key: string): boolean {
  const value = Number(key);
  return String(value) === key && Number.isInteger(value) && value >= 0 && value < 4294967295;
}

/** Candidates of a round in snapshot.js's `Object.entries` order, with their counts. */
function countRound(ballots: readonly Ballot[]): Candidate[] {
  const byKey = new Map<string, Candidate>();
  for (const ballot of ballots) {
    for (const entry of ballot.entries) {
      const key = String(entry);
      if (!byKey.has(key)) byKey.set(key, { key, count: 0, byStrategy: null });
    }
  }
  for (const { entries, vote } of ballots) {
    const candidate = byKey.get(String(entries[0])) as Candidate;
    candidate.count += vote.balance;
    // snapshot.js: several strategies → acc[s] = (score + acc[s]) || score (acc starts empty);
    // one strategy → a plain sum from 0.
    const previous = candidate.byStrategy ?? [];
    if (vote.scores.length > 1) {
      candidate.byStrategy = vote.scores.map((score, s) => score + (previous[s] as number) || score);
    } else {
      let sum = 0;
      for (const x of previous) sum += x;
      for (const x of vote.scores) sum += x;
      candidate.byStrategy = [sum];
    }
  }
  const all = [...byKey.values()];
  const indices = all.filter((c) => isArrayIndex(c.key)).sort((a, b) => Number(a.key) - Number(b.key));
  return indices.concat(all.filter((c) => !isArrayIndex(c.key)));
}

/** snapshot.js's ranked-choice recount for ballots with coerced entries (`valid` = the valid votes). */
export function tallyRankedKeyed(
  choices: readonly string[],
  valid: readonly Vote[],
  strategies: number,
  total: number
): TallyReturnType {
  let ballots: Ballot[] = valid.map((vote) => ({ entries: (vote.choice as unknown[]).slice(), vote }));
  let round: Candidate[];
  for (;;) {
    round = countRound(ballots);
    let top = -Infinity;
    let bottom: Candidate | null = null;
    for (const candidate of round) {
      if (candidate.count > top) top = candidate.count;
      if (bottom === null ? candidate.count < Infinity : candidate.count < bottom.count) bottom = candidate;
    }
    let power = 0;
    for (const ballot of ballots) power += ballot.vote.balance;
    if (top > power / 2 || round.length < 3) break;
    if (bottom === null) throw new EndlessRunoffError('?');
    const key = bottom.key;
    let removed = false;
    const next: Ballot[] = [];
    for (const ballot of ballots) {
      // eslint-disable-next-line eqeqeq -- snapshot.js compares with loose equality on purpose here
      const entries = ballot.entries.filter((entry) => (entry as string) != key);
      if (entries.length !== ballot.entries.length) removed = true;
      if (entries.length > 0) next.push({ entries, vote: ballot.vote });
    }
    // Nothing left the ballots (e.g. key "true" for the entry true): snapshot.js would repeat this round forever.
    if (!removed) throw new EndlessRunoffError(key);
    ballots = next;
  }
  // The final round sorted by count, highest first (a stable sort), as snapshot.js sums it.
  const sorted = round.slice().sort((a, b) => b.count - a.count);
  const scores: number[] = [];
  const byStrategy: number[][] = [];
  for (let i = 0; i < choices.length; i++) {
    let score = 0;
    const row = new Array<number>(strategies).fill(0);
    for (const candidate of sorted) {
      if (Number(candidate.key) !== i + 1) continue;
      score += candidate.count;
      for (let s = 0; s < strategies; s++) row[s] += candidate.byStrategy?.[s] || 0;
    }
    scores.push(score);
    byStrategy.push(row);
  }
  return { scores, scores_by_strategy: byStrategy, scores_total: total };
}
