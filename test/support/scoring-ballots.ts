/** Random Snapshot ballots (valid, invalid and odd-but-valid) and voting powers for scoring tests. */
import type { Vote, VotingType } from '../../server/scoring/types.ts';
import type { Random } from './seeded-random.ts';

const JUNK: readonly unknown[] = [null, undefined, true, false, 'x', '', 0, -1, 1.5, NaN, Infinity, [], {}, [[1]], { 1: -1 }];

function permutation(rng: Random, n: number): number[] {
  return rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
}

function weightMap(rng: Random, n: number): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  const keys = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1)).slice(0, rng.int(1, n));
  for (const k of keys) {
    const roll = rng.next();
    map[String(k)] = roll < 0.15 ? 0 : roll < 0.6 ? rng.int(1, 100) : rng.next() * 10;
  }
  if (rng.chance(0.05)) map['0' + rng.int(1, n)] = rng.int(1, 5); // valid key, not canonical
  if (rng.chance(0.03)) map[` ${rng.int(1, n)}`] = rng.int(1, 5);
  return map;
}

/** A random ballot for `type` over `n` choices: mostly valid, with a share of invalid and odd shapes. */
export function randomChoice(rng: Random, type: VotingType, n: number): unknown {
  if (rng.chance(0.08)) return rng.pick(JUNK);
  const broken = rng.chance(0.12);
  switch (type) {
    case 'single-choice':
    case 'basic':
      if (broken) return rng.pick([0, n + 1, 1.5, String(rng.int(1, n)), [1], -0, n + 0.5]);
      return rng.int(1, n);
    case 'approval': {
      const list: unknown[] = permutation(rng, n).slice(0, rng.int(0, n));
      if (broken) {
        const roll = rng.int(0, 3);
        if (roll === 0 && list.length > 0) list.push(list[0]);
        else if (roll === 1) list.push(n + 1);
        else if (roll === 2) list.push(String(rng.int(1, n)));
        else list.push(true);
      }
      return list;
    }
    case 'quadratic':
    case 'weighted': {
      const map = weightMap(rng, n);
      if (broken) {
        const roll = rng.int(0, 5);
        if (roll === 0) for (const k of Object.keys(map)) map[k] = 0;
        else if (roll === 1) map[String(rng.int(1, n))] = -1;
        else if (roll === 2) map[String(n + 1)] = 1;
        else if (roll === 3) map['0'] = 1;
        else if (roll === 4) map[String(rng.int(1, n))] = '3';
        else return Object.values(map);
      }
      return map;
    }
    case 'ranked-choice':
    case 'copeland': {
      const list: unknown[] = permutation(rng, n);
      if (broken) {
        const roll = rng.int(0, 4);
        if (roll === 0) list.pop();
        else if (roll === 1) list[0] = list[list.length - 1];
        else if (roll === 2) list[rng.int(0, n - 1)] = n + 1;
        else if (roll === 3) list[rng.int(0, n - 1)] = 1.5;
        else {
          const k = rng.int(0, n - 1);
          list[k] = String(list[k]); // valid for ranked-choice by coercion, invalid for copeland
        }
      }
      return list;
    }
  }
}

/** A random voting power split over `strategies` (some zero, some fractional), balance = Σ scores. */
export function randomPower(rng: Random, strategies: number): { balance: number; scores: number[] } {
  const scores: number[] = [];
  let balance = 0;
  for (let s = 0; s < strategies; s++) {
    const roll = rng.next();
    const score = roll < 0.15 ? 0 : roll < 0.5 ? rng.int(1, 1000) : roll < 0.95 ? rng.next() * 1e4 : rng.next() * 1e9;
    scores.push(score);
    balance += score;
  }
  return { balance, scores };
}

/** A random vote for `type`. */
export function randomVote(rng: Random, type: VotingType, n: number, strategies: number): Vote {
  return { choice: randomChoice(rng, type, n), ...randomPower(rng, strategies) };
}

/** Choice labels `c1..cn`. */
export function choiceLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${i + 1}`);
}
