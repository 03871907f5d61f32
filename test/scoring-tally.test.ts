// tally / isValidChoice dispatch, typed errors, and hand-checked tallies for each voting type.
import t from 'tap';
import { StrategyScoresLengthError, TooManyChoicesError, UnknownVotingTypeError } from '../server/scoring/errors.ts';
import { isValidChoice, isVotingType, tally } from '../server/scoring/tally.ts';
import { encodeRankedBallots } from '../server/scoring/voting-types/ranked-choice.ts';

t.test('dispatch and errors', (t) => {
  t.ok(isVotingType('copeland'));
  t.notOk(isVotingType('custom'), "Snapshot's schema lists custom, but it has no counting rule");
  t.throws(() => tally({ type: 'custom', choices: ['a'], votes: [], strategies: 1 }), UnknownVotingTypeError);
  t.throws(() => isValidChoice('nope', 1, ['a']), { name: 'UnknownVotingTypeError', message: 'unknown voting type: nope' });
  t.throws(
    () => tally({ type: 'single-choice', choices: ['a', 'b'], votes: [{ choice: 1, balance: 1, scores: [1] }], strategies: 2 }),
    StrategyScoresLengthError
  );
  t.throws(() => encodeRankedBallots({ choices: new Array(70_000).fill('x'), votes: [], strategies: 1 }), TooManyChoicesError);
  t.end();
});

t.test('hand-checked tallies', (t) => {
  const choices = ['a', 'b', 'c'];
  const v = (choice: unknown, balance: number) => ({ choice, balance, scores: [balance] });
  t.same(tally({ type: 'single-choice', choices, strategies: 1, votes: [v(1, 5), v(3, 2), v(1, 1), v(4, 9)] }), {
    scores: [6, 0, 2],
    scores_by_strategy: [[6], [0], [2]],
    scores_total: 17
  }, 'single-choice: the invalid ballot counts in scores_total only');
  t.same(tally({ type: 'approval', choices, strategies: 1, votes: [v([1, 2], 5), v([], 3), v([2, 2], 4)] }).scores, [5, 5, 0], 'approval: full power to each approved choice');
  t.same(tally({ type: 'weighted', choices, strategies: 1, votes: [v({ 1: 1, 2: 3 }, 8), v({ 3: 1 }, 2)] }).scores, [2, 6, 2], 'weighted: power split by weight');
  // Quadratic: roots per choice √(¼·4)=1, √(¾·4)=√3, √(1·9)=3 → squares 1, 3, 9 of 13, rescaled to 13.
  const quadratic = tally({ type: 'quadratic', choices, strategies: 1, votes: [v({ 1: 1, 2: 3 }, 4), v({ 3: 5 }, 9)] });
  t.same(quadratic.scores.map((x) => Math.round(x * 1e9) / 1e9), [1, 3, 9], 'quadratic');
  // Ranked: first round a 4, b 3, c 2 of 9 → c out, its ballot goes to b → b 5 > 4.5 wins.
  const ranked = tally({
    type: 'ranked-choice',
    choices,
    strategies: 1,
    votes: [v([1, 2, 3], 4), v([2, 1, 3], 3), v([3, 2, 1], 2), v([1, 2], 50)]
  });
  t.same(ranked, { scores: [4, 5, 0], scores_by_strategy: [[4], [5], [0]], scores_total: 59 }, 'ranked-choice: partial ballot invalid');
  const copeland = tally({ type: 'copeland', choices, strategies: 1, votes: [v([1, 2, 3], 4), v([2, 1, 3], 3), v([1, 2], 50)] });
  t.equal(copeland.scores_total, 7, 'copeland: scores_total counts valid ballots only');
  t.ok(copeland.scores[0] > copeland.scores[1] && copeland.scores[1] > copeland.scores[2], 'copeland order a > b > c');
  t.end();
});
