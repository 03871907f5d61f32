import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { analyzeProposal } from '../server/ai/analyze.ts';
import { buildHistories } from '../server/ai/context.ts';
import { emptyEvaluation, evaluate, prf } from '../server/ai/simulate/evaluate.ts';
import { fromJsonLines, historiesOf, SimulationFormatError, toJsonLines } from '../server/ai/simulate/format.ts';
import { simulate } from '../server/ai/simulate/generate.ts';
import { laplace, PrivacyBudgetError, PrivacyLedger, privatize } from '../server/ai/simulate/privacy.ts';
import { createRng } from '../server/ai/simulate/rng.ts';
import { scenarios } from '../server/ai/simulate/scenarios.ts';
import { tally } from '../server/ai/tally.ts';

const small = { holders: 400, proposalsPerSpace: 8 };

t.test('simulator is deterministic per seed and differs across seeds', async (t) => {
  const a = [...toJsonLines(simulate('S8', 5, small))].join('\n');
  const b = [...toJsonLines(simulate('S8', 5, small))].join('\n');
  const c = [...toJsonLines(simulate('S8', 6, small))].join('\n');
  t.equal(a, b);
  t.not(a, c);
});

t.test('every scenario generates labelled, well-formed proposals', async (t) => {
  for (const name of Object.keys(scenarios)) {
    const sim = simulate(name, 1, { holders: name === 'S7' ? 2000 : 500, proposalsPerSpace: 6, attackRate: name === 'S0' ? 0 : 1 });
    t.equal(sim.header.scenario, name);
    for (const sp of sim.proposals) {
      const ids = new Set(sp.votes.map((v) => v.id));
      t.equal(ids.size, sp.votes.length, `${name}: unique vote ids`);
      for (const v of sp.votes) if (v.created < sp.proposal.start || v.created >= sp.proposal.end) t.fail(`${name}: vote outside the window`);
      for (const a of sp.truth.attacks) {
        for (const id of a.votes) if (!ids.has(id)) t.fail(`${name}: attack vote ${id} missing`);
        t.ok(a.voters.length > 0);
        if (a.type === 'farming') t.equal(a.outcomeChanged, false);
      }
      if (name === 'S0') t.equal(sp.truth.attacked, false);
    }
    if (name !== 'S0') t.ok(sim.proposals.some((sp) => sp.truth.attacked), `${name} has attacks`);
  }
});

t.test('outcome labels match a recount without the attack votes', async (t) => {
  const sim = simulate('S4', 2, { holders: 800, proposalsPerSpace: 10, attackRate: 1 });
  let checked = 0;
  for (const sp of sim.proposals) {
    for (const a of sp.truth.attacks) {
      if (a.type !== 'late-swing' && a.type !== 'flip') continue;
      const gone = new Set(a.votes);
      const latest = (vs: typeof sp.votes) => [...new Map([...vs].sort((x, y) => x.mci - y.mci).map((v) => [v.voter, v])).values()];
      const full = tally(sp.proposal, latest(sp.votes));
      const without = tally(sp.proposal, latest(sp.votes.filter((v) => !gone.has(v.id))));
      const key = (r: typeof full) => (r.quorumMet ? r.winner : -1);
      t.equal(a.outcomeChanged, key(full) !== key(without));
      checked++;
    }
  }
  t.ok(checked > 0);
});

t.test('JSON lines round trip and format errors', async (t) => {
  const sim = simulate('S3', 4, small);
  const back = fromJsonLines([...toJsonLines(sim)]);
  t.same(back, JSON.parse(JSON.stringify(sim)));
  t.throws(() => fromJsonLines(['{"type":"vote","proposal":"x","vote":{}}']), SimulationFormatError);
  t.throws(() => fromJsonLines(['nope']), /not JSON/);
  t.throws(() => fromJsonLines(['{"type":"funder","address":"0x1","tag":"cex"}']), /missing header/);
});

t.test('context builder: baselines and other votes only from the past', async (t) => {
  const sim = simulate('S6', 3, small);
  const hs = historiesOf(sim);
  t.notOk(hs[0].context!.baseline, 'first proposal has no baseline');
  const last = hs[hs.length - 1];
  t.ok(last.context!.baseline!.voters.length > 0);
  for (const o of last.context!.otherVotes!) t.ok(o.created <= last.proposal.end);
  const bare = historiesOf(sim, { enrichment: false });
  t.notOk(bare[0].context!.funders);
  t.notOk(bare[0].context!.power);
  const direct = buildHistories({ items: [{ proposal: sim.proposals[0].proposal, votes: sim.proposals[0].votes }] });
  t.same(direct[0].context!.otherVotes, []);
});

t.test('evaluation on a small run finds naive sybils', async (t) => {
  const sim = simulate('S1', 11, { holders: 1500, proposalsPerSpace: 8, attackRate: 1 });
  const reports = historiesOf(sim).map((h) => analyzeProposal(h, undefined, { now: h.proposal.end }));
  const e = evaluate(sim, reports, emptyEvaluation());
  const m = prf(e.perDetector.get('sybil-cluster')!);
  t.ok(m.recall >= 0.9, `recall ${m.recall}`);
  t.ok(m.precision >= 0.9, `precision ${m.precision}`);
});

t.test('Laplace mechanism and privacy budget', async (t) => {
  const rng = createRng(1);
  const xs = Array.from({ length: 4000 }, () => laplace(rng, 2));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanAbs = xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
  t.ok(Math.abs(mean) < 0.2, `mean ${mean}`);
  t.ok(Math.abs(meanAbs - 2) < 0.2, `E|X| = scale, got ${meanAbs}`);
  const ledger = new PrivacyLedger(1);
  const out = privatize({ values: { a: 10, b: 20 }, epsilon: 0.5, sensitivity: 1, rng: createRng(2), ledger });
  t.same(Object.keys(out), ['a', 'b']);
  t.equal(ledger.spent, 0.5);
  t.same(privatize({ values: { a: 10 }, epsilon: 0.5, sensitivity: 1, rng: createRng(3) }), privatize({ values: { a: 10 }, epsilon: 0.5, sensitivity: 1, rng: createRng(3) }), 'seeded');
  t.throws(() => privatize({ values: { a: 1 }, epsilon: 0.6, sensitivity: 1, rng, ledger }), PrivacyBudgetError);
});

t.test('simulate and analyze CLIs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-sim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 's1.jsonl');
  const node = process.execPath;
  execFileSync(node, ['server/ai/simulate/cli.ts', '--scenario', 'S1', '--seed', '3', '--holders', '600', '--proposals', '6', '--out', file, '--dp-epsilon', '1']);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  t.equal(JSON.parse(lines[0]).type, 'header');
  t.ok(lines.some((l) => JSON.parse(l).type === 'aggregate'), 'private aggregates appended');
  const out = JSON.parse(execFileSync(node, ['server/ai/analyze-cli.ts', '--input', file, '--truth'], { encoding: 'utf8' }));
  t.equal(out.scenario, 'S1');
  t.equal(out.proposals.length, 6);
  const attacked = out.proposals.filter((p: { truth: { attacked: boolean } }) => p.truth.attacked);
  for (const p of attacked) t.ok(p.flags.some((f: { kind: string }) => f.kind === 'sybil-cluster'), `${p.proposal} flagged`);
  t.throws(() => execFileSync(node, ['server/ai/simulate/cli.ts', '--scenario', 'NOPE'], { stdio: 'pipe' }));
});

t.test('average precision', async (t) => {
  const { averagePrecision } = await import('../server/ai/simulate/evaluate.ts');
  t.equal(averagePrecision([{ score: 0.9, positive: true }, { score: 0.5, positive: false }, { score: 0.1, positive: true }]), (1 + 2 / 3) / 2);
  t.equal(averagePrecision([{ score: 1, positive: true }, { score: 0, positive: false }]), 1);
  t.equal(averagePrecision([{ score: 0.5, positive: true }, { score: 0.5, positive: false }]), 0.5, 'ties share a rank');
  t.ok(Number.isNaN(averagePrecision([{ score: 1, positive: false }])));
});
