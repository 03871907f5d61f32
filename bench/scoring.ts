// Scoring benchmark: conclave's recounts vs snapshot.js 0.17.5 on seeded ballots, plus the cost of one
// running-tally update. Usage: node bench/scoring.ts [ballots=1000000]
import { performance } from 'node:perf_hooks';
import { applyBallotDelta, createTallyAccumulators, finalizeTally } from '../server/scoring/incremental.ts';
import { tally } from '../server/scoring/tally.ts';
import type { TallyReturnType, Vote, VotingType } from '../server/scoring/types.ts';
import { encodeQuadraticBallots, tallyQuadraticBallots } from '../server/scoring/voting-types/quadratic.ts';
import { encodeRankedBallots, tallyRankedBallots } from '../server/scoring/voting-types/ranked-choice.ts';
import { choiceLabels } from '../test/support/scoring-ballots.ts';
import { seededRandom, type Random } from '../test/support/seeded-random.ts';
import { snapshotTally } from '../test/support/snapshot-voting.ts';

const BALLOTS = Number(process.argv[2] ?? 1_000_000);
const STRATEGIES = 2;

function power(rng: Random): { balance: number; scores: number[] } {
  const a = rng.chance(0.2) ? 0 : Math.floor(rng.next() * 1000) + rng.next();
  const b = rng.next() * 50;
  return { balance: a + b, scores: [a, b] };
}

/** Realistic ballots: 3% invalid, the rest valid with a skewed preference so runoffs take rounds. */
function ballots(type: VotingType, n: number, seed: number): Vote[] {
  const rng = seededRandom(seed);
  const votes: Vote[] = new Array(BALLOTS);
  const base = Array.from({ length: n }, (_, i) => i + 1);
  for (let v = 0; v < BALLOTS; v++) {
    let choice: unknown;
    if (rng.chance(0.03)) choice = type === 'single-choice' ? n + 1 : type === 'quadratic' ? {} : [1, 1];
    else if (type === 'single-choice') choice = Math.min(n, 1 + Math.floor(rng.next() * rng.next() * n * 1.3));
    else if (type === 'quadratic') {
      const map: Record<string, number> = {};
      for (let k = rng.int(1, 3); k > 0; k--) map[String(rng.int(1, n))] = rng.int(1, 10);
      choice = map;
    } else choice = rng.shuffle(base);
    votes[v] = { choice, ...power(rng) };
  }
  return votes;
}

function time<T>(run: () => T, repeat: number): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    result = run();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, result };
}

function same(a: TallyReturnType, b: TallyReturnType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

console.log(`scoring benchmark: ${BALLOTS.toLocaleString('en')} ballots, ${STRATEGIES} strategies, Node ${process.version}`);
console.log('full recount = scores + scores_by_strategy + scores_total (best of 5 for conclave, one run of snapshot.js)');

const cases: { type: VotingType; n: number }[] = [
  { type: 'ranked-choice', n: 6 },
  { type: 'quadratic', n: 5 },
  { type: 'single-choice', n: 5 }
];
for (const { type, n } of cases) {
  let votes: Vote[] | null = ballots(type, n, 2024 + n);
  const choices = choiceLabels(n);
  const ours = time(() => tally({ type, choices, votes: votes!, strategies: STRATEGIES }), 5);
  const theirs = time(() => snapshotTally(type, choices, votes!, STRATEGIES), 1);
  const identical = same(ours.result, theirs.result) ? 'identical' : 'DIFFERENT';
  console.log(
    `${type.padEnd(14)} conclave ${fmt(ours.ms).padStart(9)}   snapshot.js ${fmt(theirs.ms).padStart(9)}   ` +
      `ratio ${(theirs.ms / ours.ms).toFixed(0).padStart(4)}x   results ${identical}`
  );
  if (type === 'ranked-choice' || type === 'quadratic') {
    const params = { choices, votes: votes!, strategies: STRATEGIES };
    const packed =
      type === 'ranked-choice'
        ? time(() => encodeRankedBallots(params), 3)
        : time(() => encodeQuadraticBallots(params), 3);
    const recount =
      type === 'ranked-choice'
        ? time(() => tallyRankedBallots(packed.result as ReturnType<typeof encodeRankedBallots>), 5)
        : time(() => tallyQuadraticBallots(packed.result as ReturnType<typeof encodeQuadraticBallots>), 5);
    console.log(
      `${''.padEnd(14)} packed   ${fmt(recount.ms).padStart(9)}   recount from packed ballots (packing once: ${fmt(packed.ms)})` +
        `   ratio ${(theirs.ms / recount.ms).toFixed(0).padStart(4)}x   results ${same(recount.result, theirs.result) ? 'identical' : 'DIFFERENT'}`
    );
  }
  votes = null;
}

// Running tally: replace a ballot (subtract the old one, add the new one) and finalize.
for (const { type, n } of [
  { type: 'single-choice', n: 5 },
  { type: 'quadratic', n: 5 }
] as const) {
  const votes = ballots(type, 200_000, 99);
  const acc = createTallyAccumulators({ type, choices: choiceLabels(n), strategies: STRATEGIES });
  const fill = time(() => {
    for (const vote of votes) applyBallotDelta(acc, null, vote);
  }, 1);
  const updates = votes.length - 1;
  const change = time(() => {
    for (let v = 0; v < updates; v++) applyBallotDelta(acc, votes[v], votes[v + 1]);
  }, 1);
  const finalize = time(() => finalizeTally(acc), 5);
  console.log(
    `${`${type} live`.padEnd(19)} add ${((fill.ms * 1000) / votes.length).toFixed(2)} µs/vote, ` +
      `change ${((change.ms * 1000) / updates).toFixed(2)} µs/vote (subtract old + add new), ` +
      `finalize ${(finalize.ms * 1000).toFixed(1)} µs`
  );
}
