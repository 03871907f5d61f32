import t from 'tap';
import { analyzeProposal } from '../server/ai/analyze.ts';
import { detectBorrowedPower } from '../server/ai/detectors/borrowed.ts';
import { detectDelegationSpike } from '../server/ai/detectors/delegation-spike.ts';
import { detectFarming } from '../server/ai/detectors/farming.ts';
import { detectVoteFlips } from '../server/ai/detectors/flip.ts';
import { detectLateSwing } from '../server/ai/detectors/late-swing.ts';
import { detectLowParticipation } from '../server/ai/detectors/low-participation.ts';
import { boilerplateSet, detectReasonCoordination, findReasonGroups, paraphrasePair, textFeatures } from '../server/ai/detectors/reasons.ts';
import { detectRentedPower } from '../server/ai/detectors/rented.ts';
import { detectSybilClusters } from '../server/ai/detectors/sybil.ts';
import { fairnessSummary } from '../server/ai/fairness.ts';
import { prepare } from '../server/ai/prepare.ts';
import { defaultThresholds, mergeThresholds } from '../server/ai/thresholds.ts';
import { contentWords, jaccard, lightStem, minhash, normalizeReason, wordSet } from '../server/ai/text.ts';
import type { OtherVote } from '../server/ai/types.ts';
import { DAY, HistoryBuilder, T0, makeProposal, rng } from './support/ai-history.ts';

const prep = (b: HistoryBuilder) => prepare(b.build(), defaultThresholds);

t.test('sybil: 25 fresh equal-power wallets from one funder voting within minutes', async (t) => {
  const b = new HistoryBuilder().honest(300, 7);
  b.context.funders = {};
  b.context.walletCreated = {};
  for (let i = 0; i < 300; i++) {
    b.context.funders[`h${i}`] = i % 3 === 0 ? 'binance' : `f${i}`;
    b.context.walletCreated[`h${i}`] = T0 - 400 * DAY;
  }
  b.context.funderTags = { binance: 'cex' };
  for (let i = 0; i < 25; i++) {
    b.vote(`s${i}`, 2, 1000, T0 + 2 * DAY + i * 20, { app: 'bot' });
    b.context.funders[`s${i}`] = 'evil';
    b.context.walletCreated[`s${i}`] = T0 - 2 * DAY;
  }
  const flags = detectSybilClusters(prep(b));
  const f = flags.find((x) => x.evidence.voters.includes('s0'));
  t.ok(f, 'cluster found');
  t.equal(f!.severity, 'high');
  t.equal(f!.evidence.voters.filter((v) => v.startsWith('s')).length, 25);
  t.ok(f!.evidence.voters.length <= 27, 'few honest voters pulled in');
  t.equal(f!.evidence.figures.fundingLinked, 1);
  t.match(f!.explanation, /25 linked wallets/);
  t.notOk(flags.some((x) => x.severity !== 'low' && !x.evidence.voters.some((v) => v.startsWith('s'))), 'no honest cluster above low');
});

t.test('sybil: without enrichment the log alone finds a tight equal-power swarm', async (t) => {
  const b = new HistoryBuilder().honest(300, 8);
  for (let i = 0; i < 30; i++) b.vote(`s${i}`, 2, 500 * (1 + (i % 3) * 0.01), T0 + 3 * DAY + i * 60, { app: 'bot' });
  const flags = detectSybilClusters(prep(b));
  const f = flags.find((x) => x.evidence.voters.includes('s5'));
  t.ok(f);
  t.not(f!.severity, 'low');
  t.equal(f!.evidence.figures.fundingLinked, undefined, 'absent feature stays absent');
});

t.test('sybil: exchange-funded honest wallets and an honest bloc are not high severity', async (t) => {
  const b = new HistoryBuilder().honest(300, 9);
  b.context.funders = {};
  b.context.funderTags = { coinbase: 'cex' };
  b.context.walletCreated = {};
  for (let i = 0; i < 300; i++) {
    b.context.funders[`h${i}`] = 'coinbase';
    b.context.walletCreated[`h${i}`] = T0 - 800 * DAY;
  }
  // honest bloc: same choice and same public campaign reason, very different power, over a day
  for (let i = 0; i < 15; i++) {
    b.vote(`bloc${i}`, 1, 10 ** (1 + (i % 5)) * (1 + i / 7), T0 + i * 5000, { reason: 'We support this as members of the Builders Club, see our public forum post.' });
  }
  const flags = detectSybilClusters(prep(b), findReasonGroups(prep(b)));
  t.notOk(flags.some((f) => f.severity === 'high'), JSON.stringify(flags.map((f) => [f.severity, f.score, f.evidence.figures])));
});

t.test('borrowed power: present only at the snapshot block', async (t) => {
  const b = new HistoryBuilder().honest(100, 2);
  b.vote('flash', 2, 50_000, T0 + DAY);
  b.context.power = { flash: { before: 0, at: 50_000, after: 0 }, h1: { before: 90, at: 100, after: 110 } };
  const flags = detectBorrowedPower(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].evidence.voters[0], 'flash');
  t.equal(flags[0].severity, 'high');
  t.match(flags[0].explanation, /at the snapshot block/);
  const stable = new HistoryBuilder().honest(100, 2);
  stable.vote('whale', 2, 50_000, T0 + DAY);
  stable.context.power = { whale: { before: 48_000, at: 50_000, after: 51_000 } };
  t.same(detectBorrowedPower(prep(stable)), [], 'a stable whale is not flagged');
  t.same(detectBorrowedPower(prep(new HistoryBuilder().honest(50))), [], 'no power context, no flag');
});

t.test('delegation spike before the snapshot', async (t) => {
  const b = new HistoryBuilder(makeProposal({ quorum: 10_000 })).honest(100, 3);
  b.vote('delegatee', 2, 9_000, T0 + DAY);
  b.context.delegations = [];
  for (let i = 0; i < 20; i++) b.context.delegations.push({ delegator: `d${i}`, delegatee: 'delegatee', amount: 400, timestamp: T0 - 3600 * (i + 1) });
  b.context.delegations.push({ delegator: 'old', delegatee: 'delegatee', amount: 100, timestamp: T0 - 20 * DAY });
  b.context.delegations.push({ delegator: 'x', delegatee: 'steady', amount: 100, timestamp: T0 - 2 * DAY });
  const flags = detectDelegationSpike(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].evidence.voters[0], 'd0');
  t.ok(flags[0].evidence.voters.includes('delegatee'));
  t.equal(flags[0].evidence.figures.delegators, 20);
  t.equal(flags[0].severity, 'high');
  // steady delegation over months is not a spike
  const s = new HistoryBuilder(makeProposal({ quorum: 10_000 })).honest(50, 3);
  s.context.delegations = [];
  for (let i = 0; i < 60; i++) s.context.delegations.push({ delegator: `d${i}`, delegatee: 'big', amount: 400, timestamp: T0 - i * DAY / 2 });
  t.same(detectDelegationSpike(prep(s)), []);
});

/** 200 honest voters, then a whale with 1.5× the margin voting for the loser two minutes before the end (or at `at`). */
function lateWhale(at = T0 + 5 * DAY - 120): { b: HistoryBuilder; winner: number; margin: number } {
  const b = new HistoryBuilder().honest(200, 4);
  const base = prep(b);
  const winner = base.result.winner;
  const margin = Math.abs(base.result.scores[0] - base.result.scores[1]);
  b.vote('whale', winner === 0 ? 2 : 1, margin * 1.5, at);
  return { b, winner, margin };
}

t.test('late swing: a fresh whale flips the result in the last minutes', async (t) => {
  const { b } = lateWhale();
  t.equal(detectLateSwing(prep(b))[0].severity, 'medium', 'no history, no wallet age: cannot tell a fresh whale');
  b.context.walletCreated = { whale: T0 - 2 * DAY };
  const flags = detectLateSwing(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].severity, 'high');
  t.equal(flags[0].outcomeChanged, true);
  t.ok(flags[0].evidence.voters.includes('whale'));
  t.equal(flags[0].evidence.figures.pivotalVoters, 1);
  // same whale, but a habitual late voter on other proposals: low
  b.context.otherVotes = [1, 2, 3, 4].map((i): OtherVote => ({ proposal: `o${i}`, voter: 'whale', choice: 1, vp: 10, created: T0 - i * DAY, late: true }));
  t.equal(detectLateSwing(prep(b))[0].severity, 'low');
  // early whale: nothing
  t.same(detectLateSwing(prep(lateWhale(T0 + 3600).b)), []);
});

t.test('late swing: one late whale decides although all late votes together do not', async (t) => {
  const b = new HistoryBuilder();
  b.vote('x-early', 1, 100, T0 + 3600);
  b.vote('y-early', 2, 90, T0 + 3600);
  for (let i = 0; i < 10; i++) b.vote(`y-late${i}`, 2, 2, T0 + 5 * DAY - 3000 + i);
  b.vote('whale', 1, 20, T0 + 5 * DAY - 600);
  b.context.walletCreated = { whale: T0 - DAY };
  const [f] = detectLateSwing(prep(b));
  t.equal(f.outcomeChanged, true);
  t.equal(f.evidence.figures.allLateChangeOutcome, 0);
  t.equal(f.evidence.figures.votersNeededToFlip, 1);
  t.equal(f.severity, 'high', 'a fresh wallet decides');
  t.match(f.explanation, /do not change the result, but reverting only the largest/);
});

t.test('vote flips: coordinated late changes', async (t) => {
  const b = new HistoryBuilder().honest(200, 5);
  for (let i = 0; i < 12; i++) b.vote(`c${i}`, 1, 2000, T0 + 3600 + i);
  for (let i = 0; i < 12; i++) b.vote(`c${i}`, 2, 2000, T0 + 5 * DAY - 3000 + i * 30, { app: 'other' });
  const flags = detectVoteFlips(prep(b));
  const g = flags.find((f) => f.evidence.figures.groupSize === 12);
  t.ok(g);
  t.equal(g!.evidence.figures.toChoice, 2);
  t.equal(g!.evidence.figures.appChangedShare, 1);
  t.equal(g!.evidence.votes.length, 24);
  // honest early changes: nothing above low
  const h = new HistoryBuilder().honest(200, 5);
  for (let i = 0; i < 12; i++) {
    h.vote(`c${i}`, 1, 2000, T0 + 3600 + i * 1000);
    h.vote(`c${i}`, 2, 2000, T0 + 7200 + i * 1000);
  }
  t.same(detectVoteFlips(prep(h)), []);
  // a voter changing many times
  const m = new HistoryBuilder().honest(20, 5);
  for (let i = 0; i < 4; i++) m.vote('fickle', (i % 2) + 1, 10, T0 + i * 100);
  const mf = detectVoteFlips(prep(m));
  t.equal(mf.length, 1);
  t.equal(mf[0].severity, 'low');
});

t.test('low participation capture against the space baseline', async (t) => {
  const b = new HistoryBuilder(makeProposal({ quorum: 1000, author: 'author', body: 'Send funds.' }));
  b.vote('author', 1, 1100, T0 + 60);
  b.vote('x1', 2, 10, T0 + 100);
  b.vote('x2', 2, 5, T0 + 200);
  b.context.baseline = { voters: [120, 140, 90, 160, 130], vpTurnout: [5000, 7000, 4000, 6000, 5500] };
  const flags = detectLowParticipation(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].severity, 'high');
  t.equal(flags[0].evidence.figures.winnerNakamoto, 1);
  t.ok(flags[0].evidence.figures.authorVpShare > 0.9);
  // evasive: three wallets funded by the author, a normal body, turnout moderately low
  const e = new HistoryBuilder(makeProposal({ quorum: 1000, author: 'author' })).honest(55, 6);
  for (const w of ['author', 'w1', 'w2']) e.vote(w, 1, 20_000, T0 + 300);
  e.context.funders = { w1: 'author', w2: 'author' };
  e.context.baseline = { voters: [120, 140, 90, 160, 130], vpTurnout: [5000, 7000, 4000, 6000, 5500] };
  const ef = detectLowParticipation(prep(e));
  t.equal(ef.length, 1);
  t.equal(ef[0].severity, 'high');
  t.ok(ef[0].evidence.figures.authorClusterVpShare > 0.5);
  // normal turnout: nothing
  const n = new HistoryBuilder(makeProposal({ quorum: 1000 })).honest(130, 6);
  n.context.baseline = b.context.baseline;
  t.same(detectLowParticipation(prep(n)), []);
});

t.test('rented voting power: far above the voter baseline', async (t) => {
  const b = new HistoryBuilder().honest(100, 10);
  b.vote('market', 2, 80_000, T0 + DAY);
  b.context.vpBaseline = { market: 1000, h1: b.votes.find((v) => v.voter === 'h1')!.vp * 0.8 };
  const flags = detectRentedPower(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].evidence.figures.ratio, 80);
  t.match(flags[0].explanation, /Rented voting power/);
  b.context.vpBaseline = { market: 70_000 };
  t.same(detectRentedPower(prep(b)), []);
  b.context.marketDelegates = ['MARKET'];
  t.equal(detectRentedPower(prep(b)).length, 1, 'a registered market delegate is flagged');
});

t.test('airdrop farming wallets across proposals', async (t) => {
  const b = new HistoryBuilder().honest(200, 11);
  const others: OtherVote[] = [];
  for (let w = 0; w < 30; w++) {
    b.vote(`farm${w}`, 1, 0.001, T0 + 7200 + w * 3);
    for (let k = 0; k < 15; k++) others.push({ proposal: `q${k}`, voter: `farm${w}`, choice: 1, vp: 0.001, created: T0 + 7200 + w * 3 + (k + 1) * 20 });
  }
  for (let k = 0; k < 15; k++) others.push({ proposal: `q${k}`, voter: 'h1', choice: 1 + (k % 2), vp: 5, created: T0 + k * DAY });
  b.context.otherVotes = others;
  const flags = detectFarming(prep(b));
  t.equal(flags.length, 1);
  t.equal(flags[0].severity, 'low');
  t.equal(flags[0].evidence.figures.wallets, 30);
  t.notOk(flags[0].evidence.voters.includes('h1'));
});

t.test('reason coordination: exact, templated and paraphrased; boilerplate ignored', async (t) => {
  const b = new HistoryBuilder().honest(200, 12);
  for (let i = 0; i < 12; i++) b.vote(`e${i}`, 2, 10 + i, T0 + 1000 * i, { reason: 'This proposal drains the treasury and must be rejected now!' });
  const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
  for (let i = 0; i < 8; i++) {
    b.vote(`t${i}`, 2, 10 + i, T0 + 900 * i, { reason: `Hello, my name is ${names[i]} and as a long time holder of ${100 + i * 7} tokens I strongly oppose this reckless spending plan.` });
  }
  const para = [
    'The grant committee keeps paying its own members first',
    'Our grant committee keeps paying its own members first',
    'The grant council keeps paying its own members first',
    'The grant committee keeps paying all its own members first',
  ];
  for (let i = 0; i < 4; i++) b.vote(`p${i}`, 2, 10 + i, T0 + 700 * i, { reason: para[i] });
  for (let i = 0; i < 30; i++) b.vote(`lgtm${i}`, 1, 10 + i, T0 + 100 * i, { reason: i % 2 ? 'LGTM' : 'For!' });
  b.context.walletCreated = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`e${i}`, T0 - 2 * DAY]));
  const p = prep(b);
  const groups = findReasonGroups(p);
  const types = groups.map((g) => [g.type, g.votes.length]).sort();
  t.same(types, [['exact', 12], ['near-duplicate', 8], ['paraphrase', 4]].sort(), JSON.stringify(types));
  const flags = detectReasonCoordination(p, groups);
  t.equal(flags.find((f) => f.evidence.figures.groupSize === 12)!.severity, 'medium', 'fresh wallets copying one text');
  t.equal(flags.find((f) => f.evidence.figures.groupSize === 8)!.severity, 'low', 'unknown age and no history: not escalated');
  t.notOk(flags.some((f) => f.severity === 'high'));
  t.same(detectReasonCoordination(prep(new HistoryBuilder().honest(300, 13))), [], 'random honest reasons do not group');
});

t.test('MinHash: the share of equal signature positions estimates the Jaccard similarity', async (t) => {
  const r = rng(41);
  const words = Array.from({ length: 400 }, (_, k) => `w${k}`);
  let worst = 0;
  for (let trial = 0; trial < 20; trial++) {
    // two sets of 30 words sharing 10 to 28 of them
    const shared = 10 + Math.floor(r() * 19);
    const pick = words.slice().sort(() => r() - 0.5);
    const a = wordSet([...pick.slice(0, 30)].join(' '));
    const b = wordSet([...pick.slice(0, shared), ...pick.slice(30, 60 - shared)].join(' '));
    const ma = minhash(a, 64);
    const mb = minhash(b, 64);
    let equal = 0;
    for (let i = 0; i < 64; i++) if (ma[i] === mb[i]) equal++;
    worst = Math.max(worst, Math.abs(equal / 64 - jaccard(a, b)));
  }
  // 64 positions: standard error ≤ 0.0625; a signed-hash minimum agreed in a few positions whatever the overlap
  t.ok(worst < 0.25, `largest error ${worst}`);
});

t.test('content words: function words and placeholders dropped, inflections stemmed', async (t) => {
  t.same(['voting', 'votes', 'voted', 'vote'].map(lightStem), ['vot', 'vot', 'vot', 'vot']);
  t.same(['members', 'paying', 'pays', 'emptied', 'the', 'dao'].map(lightStem), ['member', 'pay', 'pay', 'empti', 'the', 'dao']);
  t.same(contentWords(normalizeReason('We are rejecting it since our Grants Committee pays its 12 members first!')), ['reject', 'grant', 'committe', 'pay', 'member', 'first']);
  t.same(contentWords(normalizeReason('it is what it is, and so be it')), [], 'only function words');
});

t.test('reason coordination: paraphrases that change function words, inflections and a few words are one group', async (t) => {
  const t0 = defaultThresholds.reasons;
  const boiler = boilerplateSet(t0);
  const f = (s: string) => textFeatures(t0, undefined, boiler, s);
  const para = [
    'We should reject this because the grants committee is paying its own members first',
    'I am rejecting it since our grant committee pays its members first',
    'Rejecting: the grant committee has been paying their own members first, again',
    'Reject, as this grants committee keeps paying its members first',
  ];
  t.ok(paraphrasePair(t0, f(para[0]), f(para[1])), 'content words agree');
  // unrelated texts that share function words and one topic word stay apart
  t.notOk(paraphrasePair(t0, f(para[0]), f('We should approve this because the committee is doing a good job for its members')));
  t.notOk(paraphrasePair(t0, f('it is what it is and that is that for us'), f('we were there when they had been here with you')), 'no content words: no content edge');
  const b = new HistoryBuilder().honest(200, 31);
  for (let i = 0; i < para.length; i++) b.vote(`p${i}`, 2, 10 + 7 * i, T0 + 3000 * i, { reason: para[i] });
  const groups = findReasonGroups(prep(b));
  const g = groups.find((x) => x.votes.some((v) => v.voter === 'p0'));
  t.ok(g, 'grouped');
  t.equal(g!.type, 'paraphrase');
  t.same(g!.votes.map((v) => v.voter).sort(), ['p0', 'p1', 'p2', 'p3']);
});

t.test('reason coordination: old wallets with paraphrased reasons and nearly equal power are medium; unequal or common power stays low', async (t) => {
  const para = [
    'We should reject this because the grants committee is paying its own members first',
    'I am rejecting it since our grant committee pays its members first',
    'Rejecting: the grant committee has been paying their own members first, again',
    'Reject, as this grants committee keeps paying its members first',
    'We reject it because the grant committee paid its own members first',
  ];
  const build = (vp: (i: number) => number, honestVp?: number) => {
    const b = new HistoryBuilder().honest(300, 32);
    if (honestVp !== undefined) for (const v of b.votes) v.vp = honestVp;
    // one decoy on the other side, as an evasive swarm would do
    for (let i = 0; i < para.length; i++) b.vote(`p${i}`, i === 4 ? 1 : 2, vp(i), T0 + DAY + 1800 * i, { reason: para[i] });
    b.context.walletCreated = Object.fromEntries(b.votes.map((v) => [v.voter, T0 - 500 * DAY]));
    const p = prep(b);
    return detectReasonCoordination(p, findReasonGroups(p)).find((f) => f.evidence.voters.includes('p0'))!;
  };
  const equal = build((i) => 250 * (1 + 0.01 * (i - 2)));
  t.equal(equal.severity, 'medium', JSON.stringify(equal.evidence.figures));
  t.equal(equal.evidence.figures.equalPower, 1);
  t.equal(equal.evidence.figures.newcomerShare, 0, 'old wallets');
  t.match(equal.explanation, /nearly equal amounts/);
  const unequal = build((i) => 40 * 3 ** i);
  t.equal(unequal.severity, 'low', 'power varies');
  t.equal(unequal.evidence.figures.equalPower, 0);
  t.ok(unequal.score < equal.score, 'equal power scores higher');
  const common = build(() => 1, 1);
  t.equal(common.severity, 'low', 'every voter holds the same power: equal power is no evidence');
});

t.test('fairness summary', async (t) => {
  const b = new HistoryBuilder();
  b.vote('a', 1, 60, T0);
  b.vote('b', 2, 20, T0);
  b.vote('c', 2, 10, T0);
  b.vote('d', 2, 10, T0);
  const f = fairnessSummary(prep(b));
  t.equal(f.nakamoto, 1);
  t.equal(f.top1Share, 0.6);
  t.equal(f.top10Share, 1);
  t.equal(f.voters, 4);
  t.same(f.headShare, [0.25, 0.75]);
  t.same(f.vpShare, [0.6, 0.4]);
  t.equal(f.countWinnerDiffers, true);
  t.ok(f.gini > 0.3 && f.gini < 0.5);
});

t.test('analyzeProposal: report, level, tally without flagged votes, thresholds merge', async (t) => {
  const { b, winner } = lateWhale();
  b.context.walletCreated = { whale: T0 - 2 * DAY };
  const r = analyzeProposal(b.build(), defaultThresholds, { now: 123 });
  t.equal(r.level, 'high');
  t.equal(r.computedAt, 123);
  t.equal(r.votesAnalyzed, 201);
  t.not(r.result.winner, winner);
  t.equal(r.resultWithoutFlagged.winner, winner);
  const quiet = analyzeProposal(b.build(), mergeThresholds({ lateSwing: { lateFraction: 0.0001 } }), { now: 123 });
  t.notOk(quiet.flags.some((f) => f.kind === 'late-swing'));
  const m = mergeThresholds({ sybil: { minClusterSize: 8, bogus: 1 } as never, nope: {} } as never);
  t.equal(m.sybil.minClusterSize, 8);
  t.equal(m.sybil.largeClusterSize, defaultThresholds.sybil.largeClusterSize);
  t.equal(defaultThresholds.sybil.minClusterSize, 5, 'defaults untouched');
  const honest = analyzeProposal(new HistoryBuilder().honest(500, 21).build(), defaultThresholds, { now: 1 });
  t.notOk(honest.flags.some((f) => f.severity === 'high'), JSON.stringify(honest.flags.map((f) => [f.kind, f.severity, f.explanation])));
  const empty = analyzeProposal({ proposal: makeProposal(), votes: [] }, defaultThresholds, { now: 1 });
  t.equal(empty.level, 'none');
  t.equal(empty.result.winner, -1);
});
