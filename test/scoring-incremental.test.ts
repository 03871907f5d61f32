// Running tallies: applyBallotDelta + finalizeTally against the full recount (snapshot.js-identical).
import t from 'tap';
import { NonFiniteVotingPowerError, NotAdditiveVotingTypeError, StrategyScoresLengthError } from '../server/scoring/errors.ts';
import { addExact, exactSumValue } from '../server/scoring/exact-sum.ts';
import { applyBallotDelta, createTallyAccumulators, finalizeTally } from '../server/scoring/incremental.ts';
import { isValidChoice, tally } from '../server/scoring/tally.ts';
import { ADDITIVE_VOTING_TYPES, type TallyReturnType, type Vote } from '../server/scoring/types.ts';
import { choiceLabels, randomChoice, randomPower } from './support/scoring-ballots.ts';
import { seededRandom } from './support/seeded-random.ts';

/**
 * Tolerance: the recount rounds after each of its n additions, so it may differ from the exactly
 * rounded sum by up to n·ε·Σ|terms| (ε = 2⁻⁵²); every output is at most the valid power, so we allow
 * n·ε·(power voted) plus one rounding of the value. Observed differences are recorded below.
 */
function tolerance(votes: readonly Vote[]): number {
  let power = 0;
  for (const vote of votes) power += Math.abs(vote.balance);
  return (votes.length + 4) * Number.EPSILON * Math.max(power, 1);
}

function maxDifference(a: TallyReturnType, b: TallyReturnType): number {
  let worst = Math.abs(a.scores_total - b.scores_total);
  a.scores.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b.scores[i]))));
  a.scores_by_strategy.forEach((row, i) => row.forEach((x, s) => (worst = Math.max(worst, Math.abs(x - b.scores_by_strategy[i][s])))));
  return worst;
}

for (const type of ADDITIVE_VOTING_TYPES) {
  t.test(`${type}: running tally equals the full recount after random votes, changes and withdrawals`, (t) => {
    let worstRelative = 0;
    for (let c = 0; c < 12; c++) {
      const rng = seededRandom(31_000 + 100 * ADDITIVE_VOTING_TYPES.indexOf(type) + c);
      const n = type === 'basic' ? rng.int(2, 3) : rng.int(1, 8);
      const choices = choiceLabels(n);
      const strategies = rng.int(1, 4);
      const acc = createTallyAccumulators({ type, choices, strategies });
      const current = new Map<number, Vote>();
      const voters = rng.int(1, 800);
      for (let e = 0; e < voters * 2; e++) {
        const voter = rng.int(0, voters - 1);
        const previous = current.get(voter) ?? null;
        if (previous && rng.chance(0.1)) {
          applyBallotDelta(acc, previous, null);
          current.delete(voter);
          continue;
        }
        // A change may also come with new power (a re-scored voter).
        const power = previous && rng.chance(0.7) ? previous : randomPower(rng, strategies);
        const next: Vote = { choice: randomChoice(rng, type, n), balance: power.balance, scores: power.scores };
        applyBallotDelta(acc, previous, next);
        current.set(voter, next);
      }
      const votes = [...current.values()];
      const recount = tally({ type, choices, votes, strategies });
      const running = finalizeTally(acc);
      const difference = maxDifference(running, recount);
      const allowed = tolerance(votes);
      t.ok(difference <= allowed, `case ${c}: ${votes.length} votes, difference ${difference} <= ${allowed}`);
      t.equal(acc.ballots, votes.length, 'ballot count');
      t.equal(acc.validBallots, votes.filter((v) => isValidChoice(type, v.choice, choices)).length, 'valid ballot count');
      worstRelative = Math.max(worstRelative, difference / Math.max(recount.scores_total, 1));
    }
    t.ok(worstRelative < 1e-12, `worst difference relative to scores_total: ${worstRelative}`);
    t.end();
  });
}

t.test('the running tally does not depend on arrival order, and withdrawing everything returns to zero', (t) => {
  const rng = seededRandom(4242);
  const choices = choiceLabels(5);
  const votes: Vote[] = [];
  for (let v = 0; v < 2000; v++) votes.push({ choice: randomChoice(rng, 'quadratic', 5), ...randomPower(rng, 3) });
  const forward = createTallyAccumulators({ type: 'quadratic', choices, strategies: 3 });
  const backward = createTallyAccumulators({ type: 'quadratic', choices, strategies: 3 });
  for (const vote of votes) applyBallotDelta(forward, null, vote);
  for (const vote of votes.slice().reverse()) applyBallotDelta(backward, null, vote);
  t.same(finalizeTally(forward), finalizeTally(backward), 'same bits in either order');
  for (const vote of rng.shuffle(votes)) applyBallotDelta(forward, vote, null);
  t.same(finalizeTally(forward), tally({ type: 'quadratic', choices, votes: [], strategies: 3 }), 'empty tally');
  t.same(forward.sums, [[], [], [], [], []], 'no partials left');
  t.end();
});

t.test('exact sums round once', (t) => {
  const partials: number[] = [];
  for (const x of [1e16, 1, -1e16, 1]) addExact(partials, x);
  t.equal(exactSumValue(partials), 2, 'no digit lost to cancellation (naive summation gives 1)');
  addExact(partials, -2);
  t.same(partials, [], 'removing what was added leaves nothing');
  const p2: number[] = [];
  for (let k = 0; k < 10; k++) addExact(p2, 0.1);
  t.equal(exactSumValue(p2), 1, 'ten 0.1s round to 1 (naive summation gives 0.9999999999999999)');
  t.equal(exactSumValue([]), 0);
  t.end();
});

t.test('incremental errors', (t) => {
  t.throws(() => createTallyAccumulators({ type: 'ranked-choice', choices: ['a', 'b'], strategies: 1 }), NotAdditiveVotingTypeError);
  const acc = createTallyAccumulators({ type: 'single-choice', choices: ['a', 'b'], strategies: 2 });
  t.throws(() => applyBallotDelta(acc, null, { choice: 1, balance: 1, scores: [1] }), StrategyScoresLengthError);
  t.throws(() => applyBallotDelta(acc, null, { choice: 1, balance: Infinity, scores: [Infinity, 0] }), NonFiniteVotingPowerError);
  t.equal(acc.ballots, 0, 'a refused ballot changes nothing');
  applyBallotDelta(acc, null, { choice: 3, balance: 5, scores: [2, 3] });
  t.same(finalizeTally(acc), { scores: [0, 0], scores_by_strategy: [[0, 0], [0, 0]], scores_total: 5 }, 'an invalid ballot counts in scores_total only');
  t.end();
});
