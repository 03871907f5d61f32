// decideOutcome: Snapshot UI pass/fail for basic, conclave's documented extensions, and edge cases.
import t from 'tap';
import { decideOutcome, type DecideOutcomeParameters } from '../server/scoring/decide-outcome.ts';
import { InvalidPassThresholdError, UnknownVotingTypeError } from '../server/scoring/errors.ts';
import { tally } from '../server/scoring/tally.ts';

const BASIC = ['For', 'Against', 'Abstain'];

function basic(scores: number[], extra: Partial<DecideOutcomeParameters> = {}): ReturnType<typeof decideOutcome> {
  return decideOutcome({
    type: 'basic',
    choices: BASIC,
    scores,
    scores_total: scores.reduce((a, b) => a + b, 0),
    quorum: 0,
    quorumType: '',
    ...extra
  });
}

t.test('basic, default quorum', (t) => {
  t.match(basic([300, 100, 50], { quorum: 400 }), { passed: true, quorumReached: true, winningChoice: 1 }, 'majority and quorum');
  t.match(basic([300, 100, 0], { quorum: 400 }), { passed: true, quorumReached: true }, 'exactly at quorum passes (≥)');
  t.match(basic([300, 99.5, 0], { quorum: 400 }), { passed: false, quorumReached: false, winningChoice: 1 }, 'just below quorum');
  t.match(basic([100, 300, 500], { quorum: 400 }), { passed: false, quorumReached: true, winningChoice: 2 }, 'abstain counts for quorum, Against wins');
  t.match(basic([200, 200, 0]), { passed: false, winningChoice: null }, 'a tie is rejected and has no winner');
  t.match(basic([0, 0, 0]), { passed: false, quorumReached: true, winningChoice: null }, 'no votes and no quorum: rejected (For does not exceed Against)');
  t.match(basic([0, 0, 0], { quorum: 1 }), { passed: false, quorumReached: false, reason: /quorum not reached/ }, 'no votes with a quorum');
  t.match(basic([10, 0, 1000]), { winningChoice: 1, passed: true }, 'abstain never wins');
  t.end();
});

t.test('basic, scores_total includes invalid ballots, hideAbstain counts For + Against only', (t) => {
  const votes = [
    { choice: 1, balance: 250, scores: [250] },
    { choice: 2, balance: 100, scores: [100] },
    { choice: 3, balance: 60, scores: [60] },
    { choice: 9, balance: 40, scores: [40] } // invalid: counts in scores_total only
  ];
  const result = tally({ type: 'basic', choices: BASIC, votes, strategies: 1 });
  t.equal(result.scores_total, 450);
  const base = { type: 'basic', choices: BASIC, scores: result.scores, scores_total: result.scores_total, quorumType: '' as const };
  t.match(decideOutcome({ ...base, quorum: 450 }), { quorumReached: true, passed: true }, 'invalid ballots count for the quorum, as in Snapshot');
  t.match(decideOutcome({ ...base, quorum: 350, hideAbstain: true }), { quorumReached: true, passed: true }, 'For + Against exactly at quorum');
  t.match(decideOutcome({ ...base, quorum: 351, hideAbstain: true }), { quorumReached: false, passed: false }, 'abstain and invalid do not help with hideAbstain');
  t.end();
});

t.test('basic, rejection quorum (optimistic)', (t) => {
  const rejection = { quorumType: 'rejection' as const, quorum: 100 };
  t.match(basic([0, 0, 0], rejection), { passed: true, quorumReached: false }, 'no votes: passes');
  t.match(basic([5, 100, 0], rejection), { passed: true, quorumReached: false }, 'Against exactly at the rejection quorum: passes (must exceed)');
  t.match(basic([500, 100.01, 0], rejection), { passed: false, quorumReached: true, winningChoice: 1 }, 'Against above it: rejected even when For leads');
  t.match(basic([5, 50, 0], { ...rejection, passThreshold: 90 }), { passed: true }, 'pass threshold does not apply');
  t.end();
});

t.test('basic, supermajority boundary', (t) => {
  t.match(basic([200, 100, 0], { passThreshold: 66 }), { passed: true }, '66.7% ≥ 66%');
  t.match(basic([75, 25, 0], { passThreshold: 75 }), { passed: true }, 'exactly 75% passes');
  t.match(basic([74.99, 25.01, 0], { passThreshold: 75 }), { passed: false, reason: /below 75%/ }, 'just under 75%');
  t.match(basic([75, 25, 900], { passThreshold: 75 }), { passed: true }, 'abstentions do not dilute the majority');
  t.match(basic([100, 0, 0], { passThreshold: 100 }), { passed: true }, 'unanimity');
  t.match(basic([0, 0, 10], { passThreshold: 60 }), { passed: false }, 'only abstentions');
  t.throws(() => basic([1, 0, 0], { passThreshold: 50 }), InvalidPassThresholdError);
  t.throws(() => basic([1, 0, 0], { passThreshold: 101 }), InvalidPassThresholdError);
  t.throws(() => basic([1, 0, 0], { passThreshold: NaN }), InvalidPassThresholdError);
  t.match(basic([51, 49, 0], { passThreshold: 'majority' }), { passed: true }, "'majority' is the default");
  t.end();
});

t.test('other types: no pass/fail unless passOnWinner', (t) => {
  const choices = ['a', 'b', 'c'];
  const base = { type: 'single-choice', choices, quorum: 100, quorumType: '' as const };
  t.same(
    decideOutcome({ ...base, scores: [60, 30, 10], scores_total: 100 }),
    { winningChoice: 1, passed: null, quorumReached: true, reason: 'no pass/fail for single-choice: choice 1 leads' }
  );
  t.match(decideOutcome({ ...base, scores: [40, 40, 10], scores_total: 90 }), { winningChoice: null, passed: null, quorumReached: false });
  t.match(decideOutcome({ ...base, scores: [0, 0, 0], scores_total: 0 }), { winningChoice: null, passed: null, reason: /no votes/ });
  t.match(decideOutcome({ ...base, scores: [60, 30, 10], scores_total: 100, passOnWinner: true }), { passed: true }, 'exactly at quorum with a winner');
  t.match(decideOutcome({ ...base, scores: [60, 30, 9], scores_total: 99, passOnWinner: true }), { passed: false, quorumReached: false });
  t.match(decideOutcome({ ...base, scores: [45, 45, 10], scores_total: 100, passOnWinner: true }), { passed: false, winningChoice: null, reason: /no unique leader/ });
  t.match(decideOutcome({ ...base, scores: [60, 30, 10], scores_total: 100, passOnWinner: true, passThreshold: 60 }), { passed: true }, 'winner holds exactly 60%');
  t.match(decideOutcome({ ...base, scores: [59, 31, 10], scores_total: 100, passOnWinner: true, passThreshold: 60 }), { passed: false });
  t.match(
    decideOutcome({ ...base, type: 'ranked-choice', quorumType: 'rejection', scores: [10, 200, 0], scores_total: 210, passOnWinner: true }),
    { passed: true, quorumReached: true, winningChoice: 2 },
    'a rejection quorum means nothing outside basic: participation quorum applies'
  );
  t.throws(() => decideOutcome({ ...base, type: 'futarchy', scores: [], scores_total: 0 }), UnknownVotingTypeError);
  t.end();
});
