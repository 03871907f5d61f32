// Scoring benchmark: conclave's recounts vs snapshot.js 0.17.5 on the same seeded ballots, and the cost of
// one running-tally update. Usage: node bench/scoring.ts [ballots=1000000]
// The machine is shared: compare the ratios measured side by side in one run, not absolute times.
import { performance } from 'node:perf_hooks';
import { applyBallotDelta, createTallyAccumulators, finalizeTally } from '../server/scoring/incremental.ts';
import { tally } from '../server/scoring/tally.ts';
import type { TallyReturnType, Vote, VotingType } from '../server/scoring/types.ts';
import { encodeQuadraticBallots, tallyQuadraticBallots } from '../server/scoring/voting-types/quadratic.ts';
import { encodeRankedBallots, tallyRankedBallots } from '../server/scoring/voting-types/ranked-choice.ts';
import { choiceLabels } from '../test/support/scoring-ballots.ts';
import { seededRandom, type Random } from '../test/support/seeded-random.ts';
import { snapshotVoting } from '../test/support/snapshot-voting.ts';

const BALLOTS = Number(process.argv[2] ?? 1_000_000);
const STRATEGIES = 2;

function power(rng: Random): { balance: number; scores: number[] } {
  const a = rng.chance(0.2) ? 0 : Math.floor(rng.next() * 1000) + rng.next();
  const b = rng.next() * 50;
  return { balance: a + b, scores: [a, b] };
}

/** A ranking drawn by popularity (Plackett–Luce): realistic runoffs that still take several rounds. */
function ranking(rng: Random, popularity: readonly number[]): number[] {
  const left = popularity.map((weight, i) => ({ choice: i + 1, weight }));
  const order: number[] = [];
  while (left.length > 0) {
    let total = 0;
    for (const c of left) total += c.weight;
    let roll = rng.next() * total;
    let k = 0;
    while (k < left.length - 1 && roll >= left[k].weight) roll -= left[k++].weight;
    order.push(left[k].choice);
    left.splice(k, 1);
  }
  return order;
}

/** Seeded ballots, 3% of them invalid. */
function ballots(type: VotingType, n: number, count: number, seed: number): Vote[] {
  const rng = seededRandom(seed);
  const popularity = Array.from({ length: n }, (_, i) => 1 + 0.15 * (n - i));
  const votes: Vote[] = new Array(count);
  for (let v = 0; v < count; v++) {
    let choice: unknown;
    if (rng.chance(0.03)) choice = type === 'single-choice' ? n + 1 : type === 'quadratic' ? {} : [1, 1];
    else if (type === 'single-choice') choice = ranking(rng, popularity)[0];
    else if (type === 'quadratic') {
      const map: Record<string, number> = {};
      for (let k = rng.int(1, 3); k > 0; k--) map[String(ranking(rng, popularity)[0])] = rng.int(1, 10);
      choice = map;
    } else choice = ranking(rng, popularity);
    const { balance, scores } = power(rng);
    votes[v] = { choice, balance, scores };
  }
  return votes;
}

type Timing<T> = { wall: number; cpu: number; result: T };

/** Best wall and CPU time (ms) over `repeat` runs. */
function time<T>(run: () => T, repeat: number): Timing<T> {
  let wall = Infinity;
  let cpu = Infinity;
  let result!: T;
  for (let r = 0; r < repeat; r++) {
    const startCpu = process.cpuUsage();
    const start = performance.now();
    result = run();
    wall = Math.min(wall, performance.now() - start);
    const used = process.cpuUsage(startCpu);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu, result };
}

const same = (a: TallyReturnType, b: TallyReturnType): string => (JSON.stringify(a) === JSON.stringify(b) ? 'identical' : 'DIFFERENT');
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const ratio = (slow: number, fast: number): string => `${(slow / fast).toFixed(0)}x`;

console.log(`scoring benchmark: ${BALLOTS.toLocaleString('en')} ballots (3% invalid), ${STRATEGIES} strategies, Node ${process.version}`);
console.log('conclave: best of 5 runs; snapshot.js: one run; every figure is a full recount (scores, scores_by_strategy, scores_total)');
console.log('times are wall / CPU; ratios are snapshot.js time ÷ conclave time, from CPU time');

const cases: { type: VotingType; n: number }[] = [
  { type: 'ranked-choice', n: 6 },
  { type: 'quadratic', n: 5 },
  { type: 'single-choice', n: 5 }
];
for (const { type, n } of cases) {
  let votes: Vote[] = ballots(type, n, BALLOTS, 2024 + n);
  const choices = choiceLabels(n);
  const strategyList = Array.from({ length: STRATEGIES }, (_, i) => ({ name: `s${i}`, network: '1', params: {} }));
  const SnapshotClass = snapshotVoting(type);
  const snapshot = new SnapshotClass({ choices }, votes, strategyList, []);
  const theirScores = time(() => snapshot.getScores(), 1);
  const theirRest = time(() => ({ byStrategy: snapshot.getScoresByStrategy(), total: snapshot.getScoresTotal() }), 1);
  const reference: TallyReturnType = { scores: theirScores.result, scores_by_strategy: theirRest.result.byStrategy, scores_total: theirRest.result.total };
  const theirs = { wall: theirScores.wall + theirRest.wall, cpu: theirScores.cpu + theirRest.cpu };
  const ours = time(() => tally({ type, choices, votes, strategies: STRATEGIES }), 5);
  console.log(`\n${type} (${n} choices)`);
  console.log(`  snapshot.js              ${fmt(theirs.wall).padStart(9)} / ${fmt(theirs.cpu).padStart(9)}   (getScores alone ${fmt(theirScores.wall)} / ${fmt(theirScores.cpu)})`);
  console.log(
    `  conclave tally()         ${fmt(ours.wall).padStart(9)} / ${fmt(ours.cpu).padStart(9)}   ${ratio(theirs.cpu, ours.cpu).padStart(5)} faster ` +
      `(${ratio(theirScores.cpu, ours.cpu)} vs getScores alone), results ${same(ours.result, reference)}`
  );
  if (type === 'ranked-choice') {
    const packed = time(() => encodeRankedBallots({ choices, votes, strategies: STRATEGIES }), 3);
    const recount = time(() => tallyRankedBallots(packed.result), 5);
    console.log(
      `  conclave packed recount  ${fmt(recount.wall).padStart(9)} / ${fmt(recount.cpu).padStart(9)}   ${ratio(theirs.cpu, recount.cpu).padStart(5)} faster ` +
        `(${ratio(theirScores.cpu, recount.cpu)} vs getScores alone), results ${same(recount.result, reference)}; packing once: ${fmt(packed.wall)}`
    );
  }
  if (type === 'quadratic') {
    const packed = time(() => encodeQuadraticBallots({ choices, votes, strategies: STRATEGIES }), 3);
    const recount = time(() => tallyQuadraticBallots(packed.result), 5);
    console.log(
      `  conclave packed recount  ${fmt(recount.wall).padStart(9)} / ${fmt(recount.cpu).padStart(9)}   ${ratio(theirs.cpu, recount.cpu).padStart(5)} faster ` +
        `(${ratio(theirScores.cpu, recount.cpu)} vs getScores alone), results ${same(recount.result, reference)}; packing once: ${fmt(packed.wall)}`
    );
  }
  votes = [];
}

// Running tally: add votes, then replace each ballot by another (subtract the old, add the new).
console.log('\nrunning tally (exact sums), per vote:');
for (const { type, n } of [
  { type: 'single-choice', n: 5 },
  { type: 'quadratic', n: 5 },
  { type: 'weighted', n: 5 }
] as const) {
  const votes = ballots(type === 'weighted' ? 'quadratic' : type, n, 200_000, 99);
  const acc = createTallyAccumulators({ type, choices: choiceLabels(n), strategies: STRATEGIES });
  const add = time(() => {
    for (const vote of votes) applyBallotDelta(acc, null, vote);
  }, 1);
  const updates = votes.length - 1;
  const change = time(() => {
    for (let v = 0; v < updates; v++) applyBallotDelta(acc, votes[v], votes[v + 1]);
  }, 1);
  const finalize = time(() => finalizeTally(acc), 5);
  console.log(
    `  ${type.padEnd(14)} add ${((add.cpu * 1000) / votes.length).toFixed(2)} µs, change ${((change.cpu * 1000) / updates).toFixed(2)} µs ` +
      `(subtract old + add new), finalize ${(finalize.wall * 1000).toFixed(1)} µs per proposal`
  );
}
