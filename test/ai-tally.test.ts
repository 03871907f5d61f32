import t from 'tap';
import { applyChoice, choiceKey, mainChoice, outcomeOf, resultOf, tally } from '../server/ai/tally.ts';
import { detectSybilClusters } from '../server/ai/detectors/sybil.ts';
import { prepare, removalChangesOutcome } from '../server/ai/prepare.ts';
import { defaultThresholds } from '../server/ai/thresholds.ts';
import { DAY, HistoryBuilder, T0, makeProposal } from './support/ai-history.ts';

t.test('tally per voting type', async (t) => {
  const p = (type: string, quorum = 0) => makeProposal({ type, choices: ['A', 'B', 'C'], quorum });
  t.same(tally(p('single-choice'), [{ choice: 1, vp: 5 }, { choice: 3, vp: 2 }, { choice: 9, vp: 100 }]).scores, [5, 0, 2], 'invalid index ignored');
  t.same(tally(p('approval'), [{ choice: [1, 2, 2], vp: 4 }]).scores, [4, 4, 0], 'approval counts each distinct choice');
  t.same(tally(p('ranked-choice'), [{ choice: [2, 1, 3], vp: 4 }]).scores, [0, 4, 0], 'ranked-choice: first preference');
  t.same(tally(p('weighted'), [{ choice: { '1': 1, '3': 3 }, vp: 8 }]).scores, [2, 0, 6], 'weighted split');
  t.same(tally(p('weighted'), [{ choice: {}, vp: 8 }]).scores, [0, 0, 0]);
  const r = tally(p('single-choice', 10), [{ choice: 2, vp: 6 }, { choice: 1, vp: 3 }]);
  t.equal(r.winner, 1);
  t.equal(r.quorumMet, false);
  t.equal(outcomeOf(r), -1, 'quorum not met → fails');
  t.equal(resultOf([2, 2, 0], 0).winner, 0, 'ties go to the lower index');
  t.equal(resultOf([0, 0], 0).winner, -1);
  const s = [0, 0, 0];
  applyChoice(s, 'single-choice', 2, 5, 1);
  applyChoice(s, 'single-choice', 2, 5, -1);
  t.same(s, [0, 0, 0]);
  t.equal(mainChoice({ '1': 1, '2': 5 }), 1);
  t.equal(mainChoice([3, 1]), 2);
  t.equal(choiceKey({ '2': 1, '1': 3 }), choiceKey({ '1': 3, '2': 1 }));
  t.not(choiceKey([1, 2]), choiceKey([2, 1]));
});

t.test('counterfactual removal and outcome', async (t) => {
  const b = new HistoryBuilder(makeProposal({ quorum: 10 }));
  b.vote('a', 1, 6, T0);
  b.vote('b', 2, 5, T0);
  const p = prepare(b.build(), defaultThresholds);
  t.equal(removalChangesOutcome(p, ['a']), true);
  t.equal(removalChangesOutcome(p, ['nobody']), false);
});

t.test('sybil: a peel chain (each wallet funded by the previous one) is linked', async (t) => {
  const b = new HistoryBuilder().honest(200, 31);
  b.context.funders = {};
  b.context.funderTags = { cex: 'cex' };
  b.context.walletCreated = {};
  for (let i = 0; i < 200; i++) {
    b.context.funders[`h${i}`] = i % 2 ? 'cex' : `own${i}`;
    b.context.walletCreated[`h${i}`] = T0 - 500 * DAY;
  }
  for (let i = 0; i < 8; i++) {
    // spread over five hours, ±3% power, mixed apps: only the funding chain and equal power tie them
    b.vote(`peel${i}`, 2, 800 * (1 + ((i % 3) - 1) * 0.03), T0 + DAY + i * 2300, { app: i % 2 ? 'snapshot' : 'tally' });
    b.context.funders[`peel${i}`] = i === 0 ? 'cex' : `peel${i - 1}`;
    b.context.walletCreated[`peel${i}`] = T0 - 300 * DAY;
  }
  const f = detectSybilClusters(prepare(b.build(), defaultThresholds)).find((x) => x.evidence.voters.includes('peel3'));
  t.ok(f, 'found');
  t.ok(f!.evidence.voters.filter((v) => v.startsWith('peel')).length >= 7);
  t.ok(f!.evidence.figures.fundingLinked >= 0.8);
  t.not(f!.severity, 'low');
});
