// Differential test: conclave's scoring against snapshot.js 0.17.5 on seeded random ballots.
import t from 'tap';
import { isValidChoice, tally } from '../server/scoring/tally.ts';
import { EndlessRunoffError } from '../server/scoring/errors.ts';
import { VOTING_TYPES, type TallyReturnType, type Vote, type VotingType } from '../server/scoring/types.ts';
import { choiceLabels, randomChoice, randomPower, randomVote } from './support/scoring-ballots.ts';
import { seededRandom, type Random } from './support/seeded-random.ts';
import { snapshotTally, snapshotVoting } from './support/snapshot-voting.ts';
import { encodeQuadraticBallots, tallyQuadraticBallots } from '../server/scoring/voting-types/quadratic.ts';
import { encodeRankedBallots, tallyRankedBallots } from '../server/scoring/voting-types/ranked-choice.ts';

/** Same double, treating 0 and -0 as equal and NaN as equal to NaN. */
function sameNumber(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** First difference between two tallies, or null when they are bit-identical. */
function firstDifference(ours: TallyReturnType, theirs: TallyReturnType): string | null {
  if (!sameNumber(ours.scores_total, theirs.scores_total)) return `scores_total ${ours.scores_total} != ${theirs.scores_total}`;
  if (ours.scores.length !== theirs.scores.length) return 'scores length';
  for (let i = 0; i < ours.scores.length; i++) {
    if (!sameNumber(ours.scores[i], theirs.scores[i])) return `scores[${i}] ${ours.scores[i]} != ${theirs.scores[i]}`;
  }
  if (ours.scores_by_strategy.length !== theirs.scores_by_strategy.length) return 'scores_by_strategy length';
  for (let i = 0; i < ours.scores_by_strategy.length; i++) {
    const a = ours.scores_by_strategy[i];
    const b = theirs.scores_by_strategy[i];
    if (a.length !== b.length) return `scores_by_strategy[${i}] length ${a.length} != ${b.length}`;
    for (let s = 0; s < a.length; s++) {
      if (!sameNumber(a[s], b[s])) return `scores_by_strategy[${i}][${s}] ${a[s]} != ${b[s]}`;
    }
  }
  return null;
}

function choiceCount(rng: Random, type: VotingType): number {
  return type === 'basic' ? rng.int(2, 3) : rng.pick([1, 2, 3, 3, 4, 5, 6, 8]);
}

/** Votes after latest-wins replacement: voters vote, some change their ballot later. */
function votesWithChanges(rng: Random, type: VotingType, n: number, strategies: number, voters: number): Vote[] {
  const byVoter = new Map<number, Vote>();
  const events = voters + rng.int(0, Math.floor(voters / 3));
  for (let e = 0; e < events; e++) {
    const voter = e < voters ? e : rng.int(0, voters - 1);
    const previous = byVoter.get(voter);
    // A changed vote keeps the voter's power; a fresh voter gets new power.
    const power = previous ? { balance: previous.balance, scores: previous.scores } : randomPower(rng, strategies);
    byVoter.set(voter, { choice: randomChoice(rng, type, n), balance: power.balance, scores: power.scores });
  }
  return [...byVoter.values()];
}

for (const type of VOTING_TYPES) {
  t.test(`${type}: tally and validity equal snapshot.js on random ballots`, (t) => {
    const SnapshotClass = snapshotVoting(type);
    let ballots = 0;
    let valid = 0;
    const cases = Number(process.env.SCORING_DIFFERENTIAL_CASES ?? 24); // raise for a deeper soak run
    for (let c = 0; c < cases; c++) {
      const rng = seededRandom(100_000 * VOTING_TYPES.indexOf(type) + c + 1);
      const n = choiceCount(rng, type);
      const choices = choiceLabels(n);
      const strategies = rng.int(1, 4);
      const voters = c === 0 ? 0 : c === 1 ? 1 : rng.int(2, 600);
      const votes = votesWithChanges(rng, type, n, strategies, voters);
      for (const vote of votes) {
        const ours = isValidChoice(type, vote.choice, choices);
        const theirs = SnapshotClass.isValidChoice(vote.choice, choices);
        if (ours !== theirs) {
          t.fail(`validity of ${JSON.stringify(vote.choice)} over ${n} choices: ${ours} != ${theirs}`);
          return t.end();
        }
        if (ours) valid++;
      }
      ballots += votes.length;
      const reference = snapshotTally(type, choices, votes, strategies);
      const difference = firstDifference(tally({ type, choices, votes, strategies }), reference);
      t.equal(difference, null, `case ${c}: ${votes.length} votes, ${n} choices, ${strategies} strategies`);
      if (type === 'quadratic') {
        const packed = tallyQuadraticBallots(encodeQuadraticBallots({ choices, votes, strategies }));
        t.equal(firstDifference(packed, reference), null, `case ${c}: packed ballots`);
      }
      if (type === 'ranked-choice') {
        const packed = tallyRankedBallots(encodeRankedBallots({ choices, votes, strategies }));
        t.equal(firstDifference(packed, reference), null, `case ${c}: packed ballots`);
      }
    }
    t.ok(ballots > 3000, `${ballots} ballots compared`);
    t.ok(valid > ballots / 2 && valid < ballots, `${valid} of them valid`);
    t.end();
  });
}

t.test('ranked-choice: close multi-round runoffs with ties equal snapshot.js', (t) => {
  // Few distinct powers make exact ties for last place frequent; six choices force several rounds.
  for (let c = 0; c < 30; c++) {
    const rng = seededRandom(77_000 + c);
    const n = rng.int(3, 7);
    const choices = choiceLabels(n);
    const strategies = rng.pick([1, 2, 3]);
    const votes: Vote[] = [];
    for (let v = rng.int(1, 40); v > 0; v--) {
      const scores = Array.from({ length: strategies }, () => rng.pick([0, 1, 2, 5]));
      const choice = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
      votes.push({ choice, balance: scores.reduce((a, b) => a + b, 0), scores });
    }
    const difference = firstDifference(tally({ type: 'ranked-choice', choices, votes, strategies }), snapshotTally('ranked-choice', choices, votes, strategies));
    t.equal(difference, null, `case ${c}`);
  }
  t.end();
});

t.test('odd ballot shapes: validity equals snapshot.js for every type', (t) => {
  const choices = choiceLabels(3);
  const shapes: unknown[] = [
    1, 3, 0, 4, -1, 1.5, NaN, Infinity, -0, '1', true, null, undefined, {}, [],
    [1], [1, 2, 3], [3, 2, 1], [1, 1, 2], [1, 2, 4], ['1', 2, 3], [1, '1', 3], ['1', '2', '3'], [true, 2, 3],
    [1.5, 2, 3], [NaN, 2, 3], [[1], 2, 3], [2, 3], [1, 2, 3, 1],
    { 1: 1 }, { 1: 0 }, { 1: 0, 2: 0 }, { 1: -1, 2: 5 }, { 4: 1 }, { 0: 1 }, { '01': 2 }, { ' 2': 1 }, { '1.0': 1 },
    { 1: '1' }, { 1: NaN }, { 1: Infinity }, { 1: 1, x: 1 }, { '': 1 }, { 2: 1, 1: 2, 3: 0 }
  ];
  for (const type of VOTING_TYPES) {
    const SnapshotClass = snapshotVoting(type);
    for (const shape of shapes) {
      t.equal(isValidChoice(type, shape, choices), SnapshotClass.isValidChoice(shape, choices), `${type} ${JSON.stringify(shape)}`);
    }
  }
  t.end();
});

t.test('odd but valid ballots are counted as snapshot.js counts them', (t) => {
  const choices = choiceLabels(3);
  const cases: [VotingType, unknown[]][] = [
    ['approval', [['2', 1], [true], [], [3]]],
    ['quadratic', [{ '01': 5, 2: 1 }, { ' 3': 1, 3: 2 }, { 1: 0, 2: 3 }]],
    ['weighted', [{ '01': 5, 2: 1 }, { ' 3': 1, 3: 2 }, { 1: 0, 2: 3 }]],
    ['ranked-choice', [['1', 2, 3], [3, '2', 1], [2, 3, 1], [3, 1, 2]]]
  ];
  for (const [type, ballots] of cases) {
    const votes = ballots.map((choice, i) => ({ choice, balance: 10 + i, scores: [4 + i, 6] }));
    t.equal(firstDifference(tally({ type, choices, votes, strategies: 2 }), snapshotTally(type, choices, votes, 2)), null, type);
  }
  t.end();
});

t.test('ranked-choice ballots valid only by coercion ("01", [2], true) count as in snapshot.js', (t) => {
  const odd = (rng: Random, k: number): unknown => rng.pick([String(k), `0${k}`, ` ${k}`, `${k}.0`, [k], k === 1 ? true : k]);
  let keyed = 0;
  let endless = 0;
  for (let c = 0; c < 300; c++) {
    const rng = seededRandom(555_000 + c);
    const n = rng.int(2, 6);
    const choices = choiceLabels(n);
    const strategies = rng.pick([1, 2, 3]);
    const votes: Vote[] = [];
    for (let v = rng.int(1, 30); v > 0; v--) {
      const ranking: unknown[] = rng.shuffle(Array.from({ length: n }, (_, i) => i + 1));
      if (rng.chance(0.25)) ranking[rng.int(0, n - 1)] = odd(rng, ranking[0] as number);
      const scores = Array.from({ length: strategies }, () => rng.pick([0, 1, 2, 3.5]));
      votes.push({ choice: ranking, balance: scores.reduce((a, b) => a + b, 0), scores });
    }
    let reference: TallyReturnType | null = null;
    try {
      reference = snapshotTally('ranked-choice', choices, votes, strategies);
    } catch (error) {
      t.ok(error instanceof RangeError, 'snapshot.js overflows its stack');
    }
    if (reference === null) {
      t.throws(() => tally({ type: 'ranked-choice', choices, votes, strategies }), EndlessRunoffError, `case ${c}: endless runoff`);
      endless++;
      continue;
    }
    if (votes.some((vote) => isValidChoice('ranked-choice', vote.choice, choices) && (vote.choice as unknown[]).some((e) => typeof e !== 'number'))) keyed++;
    t.equal(firstDifference(tally({ type: 'ranked-choice', choices, votes, strategies }), reference), null, `case ${c}`);
  }
  t.ok(keyed > 100, `${keyed} cases with coerced entries`);
  t.ok(endless > 0, `${endless} endless runoffs`);
  t.end();
});

t.test('non-finite and negative powers follow snapshot.js arithmetic', (t) => {
  const choices = choiceLabels(3);
  for (const type of ['single-choice', 'approval', 'quadratic', 'weighted', 'copeland'] as const) {
    const rng = seededRandom(5150);
    const votes: Vote[] = [];
    for (let v = 0; v < 30; v++) votes.push(randomVote(rng, type, 3, 2));
    votes[3] = { ...votes[3], balance: -7, scores: [-3, -4] };
    const withInfinity = votes.slice();
    withInfinity[5] = { ...withInfinity[5], balance: Infinity, scores: [Infinity, 1] };
    for (const list of [votes, withInfinity]) {
      const reference = snapshotTally(type, choices, list, 2);
      t.equal(firstDifference(tally({ type, choices, votes: list, strategies: 2 }), reference), null, type);
      if (type === 'quadratic') {
        const packed = tallyQuadraticBallots(encodeQuadraticBallots({ choices, votes: list, strategies: 2 }));
        t.equal(firstDifference(packed, reference), null, 'quadratic, packed ballots');
      }
    }
  }
  t.end();
});

t.test('weight-map ballots shared between votes (one object per distinct ballot, as decisions load them) equal snapshot.js', (t) => {
  for (const type of ['quadratic', 'weighted'] as const) {
    for (const [seed, distinct, count] of [
      [1, 25, 5000],
      [2, 3000, 9000],
      [3, 9000, 9000],
    ]) {
      const rng = seededRandom(7_000 + seed);
      const n = 6;
      const choices = choiceLabels(n);
      const pool = Array.from({ length: distinct }, () => randomChoice(rng, type, n));
      // Shared objects, then (seed 3) every vote its own: the memo must give the same sums whether it stays on or not.
      const votes: Vote[] = Array.from({ length: count }, (_, v) => ({ choice: seed === 3 ? pool[v] : rng.pick(pool), ...randomPower(rng, 2) }));
      t.equal(firstDifference(tally({ type, choices, votes, strategies: 2 }), snapshotTally(type, choices, votes, 2)), null, `${type}: ${count} votes over ${distinct} ballots`);
    }
  }
  t.end();
});
