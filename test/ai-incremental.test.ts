import t from 'tap';
import type { Test } from 'tap';
import { analyzeProposal } from '../server/ai/analyze.ts';
import { IncrementalAnalyzer } from '../server/ai/incremental.ts';
import { historiesOf } from '../server/ai/simulate/format.ts';
import { simulate } from '../server/ai/simulate/generate.ts';
import { largeHistory } from '../server/ai/simulate/large.ts';
import { createRng } from '../server/ai/simulate/rng.ts';
import { defaultThresholds } from '../server/ai/thresholds.ts';
import type { ProposalHistory, VoteVersion } from '../server/ai/types.ts';
import { SybilGraph } from '../server/ai/sybil-graph.ts';
import type { ReasonGroup } from '../server/ai/detectors/reasons.ts';

function check(t: Test, h: ProposalHistory, order: 'mci' | 'shuffled'): void {
  const votes = [...h.votes].sort((a, b) => a.mci - b.mci);
  if (order === 'shuffled') createRng(9).shuffle(votes);
  const inc = new IncrementalAnalyzer(h.proposal, defaultThresholds, h.context);
  const checkpoints = new Set([Math.floor(votes.length / 4), Math.floor(votes.length / 2), votes.length]);
  votes.forEach((v, i) => {
    inc.add(v);
    if (checkpoints.has(i + 1)) {
      const batch = analyzeProposal({ ...h, votes: votes.slice(0, i + 1) }, defaultThresholds, { now: 5 });
      t.same(inc.report(5), batch, `${h.proposal.id} ${order} after ${i + 1} votes`);
    }
  });
  t.equal(inc.add(votes[0]), false, 'duplicate ignored');
  t.equal(inc.size, votes.length);
  const final = analyzeProposal(h, defaultThresholds, { now: 5 });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  t.ok(Math.abs(sum(inc.runningScores) - sum(final.result.scores)) <= 1e-6 * Math.max(1, sum(final.result.scores)), 'running tally agrees');
  // Both come from exact sums: equal to the last digit, in any arrival order.
  t.same(inc.runningScores, final.result.scores, 'running tally equals the batch tally exactly');
}

/** Feeds `votes` in the given order and checks the incremental report equals the batch one after every vote. */
function equalAfterEveryVote(t: Test, h: ProposalHistory, votes: VoteVersion[], order: string): void {
  const inc = new IncrementalAnalyzer(h.proposal, defaultThresholds, h.context);
  let same = 0;
  votes.forEach((v, i) => {
    inc.add(v);
    const batch = analyzeProposal({ ...h, votes: votes.slice(0, i + 1) }, defaultThresholds, { now: 5 });
    const got = inc.report(5);
    if (JSON.stringify(got) === JSON.stringify(batch)) same++;
    else t.same(got, batch, `${h.proposal.id} ${order} after ${i + 1} votes`);
  });
  t.equal(same, votes.length, `${h.proposal.id} ${order}: equal after every vote`);
}

t.test('incremental reports equal the batch run (attacked proposals, mci and shuffled arrival)', async (t) => {
  for (const [name, seed] of [['S8', 3], ['S9', 4], ['S4', 5], ['S3', 6]] as const) {
    const sim = simulate(name, seed, { holders: 1200, proposalsPerSpace: 8, attackRate: 0.8 });
    const hs = historiesOf(sim);
    const picked = hs.filter((_, i) => sim.proposals[i].truth.attacked).slice(0, 2);
    t.ok(picked.length > 0);
    for (const h of picked) {
      check(t, h, 'mci');
      check(t, h, 'shuffled');
    }
  }
});

t.test('incremental reports equal the batch run on a larger proposal with vote changes (giant link components split and merge)', async (t) => {
  const h = largeHistory(3000, 11);
  t.ok(h.votes.length > new Set(h.votes.map((v) => v.voter)).size, 'some voters change their vote');
  for (const order of ['mci', 'shuffled'] as const) {
    const votes = [...h.votes].sort((a, b) => a.mci - b.mci);
    if (order === 'shuffled') createRng(13).shuffle(votes);
    const inc = new IncrementalAnalyzer(h.proposal, defaultThresholds, h.context);
    let compared = 0;
    let same = 0;
    votes.forEach((v, i) => {
      inc.add(v);
      if ((i + 1) % 150 === 0 || i + 1 === votes.length) {
        compared++;
        const batch = analyzeProposal({ ...h, votes: votes.slice(0, i + 1) }, defaultThresholds, { now: 5 });
        const got = inc.report(5);
        if (JSON.stringify(got) === JSON.stringify(batch)) same++;
        else t.same(got, batch, `${order} after ${i + 1} votes`);
      }
    });
    t.equal(same, compared, `${order}: every checkpoint equal`);
  }
});

t.test('incremental reports equal the batch run after every vote on reason-heavy proposals with reason changes', async (t) => {
  const sim = simulate('S9', 7, { holders: 600, proposalsPerSpace: 6, attackRate: 0.8 });
  const hs = historiesOf(sim).filter((_, i) => sim.proposals[i].truth.attacked).slice(0, 2);
  t.ok(hs.length > 0);
  for (const h of hs) {
    // later versions that drop, keep or swap reasons: texts lose their first vote, move, merge and split
    const rng = createRng(21);
    const base = [...h.votes].sort((a, b) => a.mci - b.mci);
    const withReason = base.filter((v) => v.reason);
    const extra = base
      .filter(() => rng.chance(0.15))
      .map((v, k) => ({
        ...v,
        id: `${v.id}-x${k}`,
        mci: base[base.length - 1].mci + k + 1,
        created: v.created + 60 + k,
        choice: v.choice === 1 ? 2 : 1,
        reason: k % 3 === 0 ? '' : k % 3 === 1 ? v.reason : withReason[k % Math.max(1, withReason.length)]?.reason ?? '',
      }));
    const all = [...base, ...extra];
    t.ok(extra.length > 5 && withReason.length > 10, 'changes and reasons present');
    for (const order of ['mci', 'shuffled'] as const) {
      const votes = [...all];
      if (order === 'shuffled') createRng(5).shuffle(votes);
      equalAfterEveryVote(t, h, votes, order);
    }
  }
});

t.test('incremental reports equal the batch run after every vote when templated reasons crowd the LSH buckets and then leave', async (t) => {
  const h = largeHistory(420, 17);
  const rng = createRng(23);
  const letters = (k: number): string => String.fromCharCode(97 + (k % 26)) + String.fromCharCode(97 + Math.floor(k / 26) % 26);
  // every templated text made unique by a word of its own (numbers would normalise away)
  const base = [...h.votes].sort((a, b) => a.mci - b.mci).map((v, k) => (v.voter.startsWith('0xs') ? { ...v, reason: `${v.reason} signed ${letters(k)}` } : v));
  const last = base[base.length - 1];
  // templated voters drop or swap their reason late: texts in full buckets lose their only vote
  const extra = base
    .filter((v) => v.voter.startsWith('0xs') && rng.chance(0.5))
    .map((v, k) => ({ ...v, id: `${v.id}-y${k}`, mci: last.mci + k + 1, created: last.created + k, reason: k % 2 ? '' : base[k].reason }));
  const votes = [...base, ...extra];
  t.ok(extra.length > 20);
  const inc = new IncrementalAnalyzer(h.proposal, defaultThresholds, h.context);
  let same = 0;
  votes.forEach((v, i) => {
    inc.add(v);
    if (i < base.length - 150) return;
    const batch = analyzeProposal({ ...h, votes: votes.slice(0, i + 1) }, defaultThresholds, { now: 5 });
    const got = inc.report(5);
    if (JSON.stringify(got) === JSON.stringify(batch)) same++;
    else t.same(got, batch, `after ${i + 1} votes`);
  });
  t.equal(same, votes.length - (base.length - 150), 'equal after every vote');
});

t.test('an analyzer built at once from a vote log equals the batch run, and after more votes added one by one', async (t) => {
  const cases: ProposalHistory[] = [largeHistory(3000, 11)];
  for (const [name, seed] of [['S8', 3], ['S9', 4], ['S4', 5], ['S1', 7]] as const) {
    const sim = simulate(name, seed, { holders: 1200, proposalsPerSpace: 8, attackRate: 0.8 });
    cases.push(...historiesOf(sim).slice(0, 4));
  }
  for (const h of cases) {
    const votes = [...h.votes].sort((a, b) => a.mci - b.mci);
    const k = Math.floor((votes.length * 2) / 3);
    // built from a shuffled log with a duplicate: order and repeats do not matter
    const given = votes.slice(0, k);
    createRng(17).shuffle(given);
    const inc = IncrementalAnalyzer.build(h.proposal, defaultThresholds, h.context, [...given, votes[0]]);
    t.equal(inc.size, k);
    t.same(inc.report(5), analyzeProposal({ ...h, votes: votes.slice(0, k) }, defaultThresholds, { now: 5 }), `${h.proposal.id} built from ${k} votes`);
    for (const v of votes.slice(k)) inc.add(v);
    t.same(inc.report(5), analyzeProposal(h, defaultThresholds, { now: 5 }), `${h.proposal.id} built, then ${votes.length - k} votes added`);
    t.same(inc.runningScores, analyzeProposal(h, defaultThresholds, { now: 5 }).result.scores);
  }
});

t.test("the sybil graph's cluster extremes (power, time) equal their members' after every vote, ties and vote changes included", async (t) => {
  // Power ties are common (equal-amount clusters): an extreme must survive one of its holders leaving.
  const h = largeHistory(3000, 17);
  for (const v of h.votes) v.vp = Number(v.vp.toPrecision(2));
  const votes = [...h.votes].sort((a, b) => a.mci - b.mci);
  createRng(5).shuffle(votes);
  const inc = new IncrementalAnalyzer(h.proposal, defaultThresholds, h.context);
  let checked = 0;
  let wrong = '';
  votes.forEach((v, i) => {
    inc.add(v);
    if (wrong) return;
    for (const c of inc.prepared().cache!.sybil!.clusters()) {
      const members = c.members();
      const want = {
        vpLo: Math.min(...members.map((m) => m.vp)),
        vpHi: Math.max(...members.map((m) => m.vp)),
        firstCreated: Math.min(...members.map((m) => m.created)),
        lastCreated: Math.max(...members.map((m) => m.created)),
      };
      const { vpLo, vpHi, firstCreated, lastCreated } = c.stats;
      checked++;
      if (JSON.stringify({ vpLo, vpHi, firstCreated, lastCreated }) !== JSON.stringify(want)) {
        wrong = `after vote ${i + 1}: ${JSON.stringify({ vpLo, vpHi, firstCreated, lastCreated })} vs ${JSON.stringify(want)}`;
      }
    }
  });
  t.equal(wrong, '', 'every cluster read agrees with its members');
  t.ok(checked > 1000, `${checked} cluster reads compared`);
});

t.test('sybil graph: a voter whose new vote joins a group synced before its old group leaves the old group', async (t) => {
  const proposal = { id: 'p', space: 's', type: 'single-choice', choices: ['For', 'Against'], start: 0, end: 5 * 86400, snapshot: 1, quorum: 0 };
  const graph = new SybilGraph(proposal, defaultThresholds, {});
  let mci = 0;
  // power far apart and hours between votes: the only links are the shared reasons
  const vote = (voter: string, vp: number, created: number, reason: string): VoteVersion => ({ id: `v${++mci}`, mci, voter, choice: 2, vp, created, reason, app: 'snapshot' });
  const a = Array.from({ length: 6 }, (_, k) => vote(`a${k}`, 3 ** k, 10_000 * k, 'copied text'));
  const b = [vote('b0', 5000, 70_000, 'other text'), vote('b1', 90_000, 80_000, 'other text')];
  for (const v of [...a, ...b]) graph.set(v.voter, v);
  const groupA: ReasonGroup = { type: 'exact', votes: a, distinctTexts: 1 };
  graph.syncReasons([groupA]);
  t.same(graph.clusters().map((c) => c.stats.size), [6]);
  const moved = vote('a5', a[5].vp, 90_000, 'other text');
  graph.set('a5', moved);
  const groupB: ReasonGroup = { type: 'exact', votes: [...b, moved], distinctTexts: 1 };
  const groupA2: ReasonGroup = { type: 'exact', votes: a.slice(0, 5), distinctTexts: 1, delta: { base: groupA, added: [], removed: [a[5]] } };
  // the moved voter's new group comes first in the list
  graph.syncReasons([groupB, groupA2]);
  const sizes = graph.clusters().map((c) => c.stats.size).sort();
  t.same(sizes, [5], 'a0..a4 alone: a5 and the other group are no longer linked to them');
  t.ok(graph.inReason('a5'), 'a5 is in its new group');
});

t.test('incremental reports equal the batch run after every vote on paraphrased swarms (content-word edges, equal-power severity)', async (t) => {
  const sim = simulate('S2', 8, { holders: 800, proposalsPerSpace: 10, attackRate: 1 });
  const hs = historiesOf(sim);
  const picked = hs.filter((h) => {
    const r = analyzeProposal(h, defaultThresholds, { now: 5 });
    return r.flags.some((f) => f.kind === 'reason-coordination' && f.evidence.figures.groupType === 2 && f.evidence.figures.equalPower === 1 && f.severity === 'medium');
  });
  t.ok(picked.length >= 2, `${picked.length} proposals with a medium paraphrase group of equal power`);
  for (const h of picked.slice(0, 2)) {
    for (const order of ['mci', 'shuffled'] as const) {
      const votes = [...h.votes].sort((a, b) => a.mci - b.mci);
      if (order === 'shuffled') createRng(31).shuffle(votes);
      equalAfterEveryVote(t, h, votes, order);
    }
  }
});

t.test('incremental reports equal the batch run after every vote when late changers change again (vote-flip groups re-formed)', async (t) => {
  const proposal = { id: 'flips', space: 's', type: 'single-choice', choices: ['For', 'Against', 'Abstain'], start: 0, end: 100_000, snapshot: 1, quorum: 0 };
  const rng = createRng(23);
  let mci = 0;
  const votes: VoteVersion[] = [];
  const vote = (voter: string, choice: number, created: number): void => {
    votes.push({ id: `f${++mci}`, mci, voter, choice, vp: 10 + rng.int(5), created, reason: '', app: 'snapshot' });
  };
  // 12 voters early on For; late (last 10%) they switch, some twice or three times, to another choice
  for (let k = 0; k < 12; k++) vote(`w${k}`, 1, 1_000 + k * 50);
  for (let k = 0; k < 20; k++) vote(`h${k}`, 1 + rng.int(3), 2_000 + k * 300);
  let at = 91_000;
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < 12; k++) {
      if (round > 0 && rng.next() < 0.4) continue;
      vote(`w${k}`, round === 1 ? 3 : 2, (at += 60 + rng.int(300)));
    }
    at += round === 0 ? 4_000 : 200;
  }
  t.ok(new Set(votes.map((v) => v.voter)).size < votes.length - 12, 'several voters changed more than once');
  const h: ProposalHistory = { proposal, votes };
  for (const order of ['mci', 'shuffled'] as const) {
    const list = [...votes];
    if (order === 'shuffled') createRng(41).shuffle(list);
    equalAfterEveryVote(t, h, list, order);
  }
  const final = analyzeProposal(h, defaultThresholds, { now: 5 });
  t.ok(final.flags.filter((f) => f.kind === 'vote-flip').length >= 1, 'the late changers form a vote-flip group');
});
