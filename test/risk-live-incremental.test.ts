import t, { type Test } from 'tap';
import type { Wallet } from '@ethersproject/wallet';
import { eq } from 'drizzle-orm';
import { riskReports } from '../schema/ai-tables.ts';
import { computeRisk } from '../server/risk/compute-risk.ts';
import { LiveAnalyzers } from '../server/risk/live-analyzers.ts';
import { WorkerAnalyzerHost } from '../server/risk/worker-analyzer-host.ts';
import { sweepRiskReports } from '../server/risk/sweep-risk-reports.ts';
import type { StoredRisk } from '../server/risk/types.ts';
import { postJson } from './support/client.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

// The live sweep feeds only new vote-log rows to cached incremental analyzers (or builds one at once from the whole
// log); every report it stores must equal the batch computation (analyzeProposal over the whole history and context
// loaded by loadRiskInput) at the same time. Runs on PGlite, and on PostgreSQL with DATABASE_URL.
// The background sweep is effectively off (1 h interval) so the test drives each sweep itself.
const server = await startTestServer({ RISK_INTERVAL_MS: '3600000', RISK_LIVE_ANALYZERS: '0' });
t.teardown(() => server.close());
const db = server.database.db;
const now = () => Math.floor(Date.now() / 1000);
const controller = wallets(1, 71)[0];
const voters = wallets(30, 72);
const VP = voters.map((_, i) => 10 + ((i * 131) % 97));
const SPACE = 'live-incremental.eth';

const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return (response.body as { id: string }).id;
};
const settings = (largeClusterSize: number) =>
  sign(controller, 'settings', {
    space: SPACE,
    settings: JSON.stringify({
      name: SPACE,
      strategies: [{ name: 'whitelist', params: { addresses: Object.fromEntries(voters.map((w, i) => [w.address, VP[i]])) } }],
      ai: { thresholds: { sybil: { largeClusterSize } }, rules: ['A proposal must state its budget.'] },
    }),
  });
await post(await settings(20));
const t0 = now();
// Votes carry increasing past timestamps: a voter's new version must be later than their last one.
let clock = t0 - 3000;
const vote = (w: Wallet, proposal: string, choice: number, reason = '', app = 'snapshot') =>
  sign(w, 'vote', { space: SPACE, proposal, choice, reason, app, timestamp: clock++ });
const proposal = (title: string, start: number, end: number) =>
  sign(controller, 'proposal', { space: SPACE, type: 'single-choice', title, body: `${title}: budget 10k.`, choices: ['For', 'Against', 'Abstain'], start, end, timestamp: t0 });
const earlier = await post(await proposal('Earlier round', t0 - 5 * 86400, t0 + 1800));
const target = await post(await proposal('Watched round', t0 - 3600, t0 + 3600));
const sibling = await post(await proposal('Sibling round', t0 - 3600, t0 + 3600));
for (const [i, w] of voters.slice(0, 20).entries()) await post(await vote(w, earlier, 1 + (i % 3), i % 4 ? '' : `Earlier view ${i}`));

/** The report the sweep stored for the proposal. */
const storedRisk = async (id: string) => (await db.select().from(riskReports).where(eq(riskReports.proposal, id)))[0]?.report as StoredRisk | undefined;

/** One sweep with the live analyzers; each report it stores is compared with the batch computation. */
const sweepAndCompare = async (tt: Test, analyzers: LiveAnalyzers, label: string) => {
  const at = now();
  const seen: string[] = [];
  const stored = await sweepRiskReports({
    db,
    now: at,
    debounceSeconds: 0,
    analyzers,
    onStored: async ({ proposal: id, risk }) => {
      seen.push(id);
      tt.strictSame(risk, await computeRisk({ db, proposalId: id, now: at }), `${label}: live report of ${({ [earlier]: 'earlier', [target]: 'target', [sibling]: 'sibling' })[id]} equals the batch one`);
      tt.same(await storedRisk(id), JSON.parse(JSON.stringify(risk)), `${label}: stored as computed`);
    },
  });
  tt.equal(stored, seen.length);
  return seen;
};

// Fixed costs make the sweep's choice between adding and building deterministic: never build when adding is free...
const adding = { addMs: 0, adaptive: false };
// ...always build when adding costs more than any build.
const building = { addMs: 1e6, adaptive: false };

t.test('incremental sweeps store exactly the batch reports', async (tt) => {
  // This instance's analyzers run in a worker thread (as in the service); the other one's below on this thread.
  const analyzers = new LiveAnalyzers(10, adding, Infinity, new WorkerAnalyzerHost());
  tt.teardown(() => analyzers.host.close());
  // Round 1: first voters (no entry yet: built from the whole log).
  for (const [i, w] of voters.slice(0, 8).entries()) await post(await vote(w, target, 1 + (i % 2), i % 3 ? '' : `Reason ${i}`));
  tt.same((await sweepAndCompare(tt, analyzers, 'round 1')).sort(), [earlier, target].sort());
  const first = analyzers.get(target)!;
  tt.equal(first.builds, 1, 'built at first sight');

  // Round 2: new voters and changed votes (with copied reasons), incremental on the same analyzer.
  for (const [i, w] of voters.slice(8, 16).entries()) await post(await vote(w, target, 2, 'Vote Against, this is the right call for everyone!', 'ringbot'));
  for (const w of voters.slice(0, 3)) await post(await vote(w, target, 3, 'Changed my mind after the call.'));
  await sweepAndCompare(tt, analyzers, 'round 2');
  tt.equal(analyzers.get(target), first);
  tt.equal(first.builds, 1, 'new votes are added to the cached analyzer');
  tt.equal(first.size, 19);

  // Round 3: only vote changes (no new voter), and votes on the sibling proposal (the context changes).
  for (const w of voters.slice(3, 6)) await post(await vote(w, target, 2));
  for (const [i, w] of voters.slice(0, 10).entries()) await post(await vote(w, sibling, 1 + (i % 3)));
  tt.same((await sweepAndCompare(tt, analyzers, 'round 3')).sort(), [sibling, target].sort());
  tt.equal(first.builds, 1, 'a changed context is replaced, not rebuilt');
  tt.equal(first.size, 22);

  // Round 4: the map is cleared (a restart): rebuilt from the whole log, same reports.
  analyzers.clear();
  for (const w of voters.slice(16, 20)) await post(await vote(w, target, 1));
  await sweepAndCompare(tt, analyzers, 'round 4 after clear');
  const rebuilt = analyzers.get(target)!;
  tt.not(rebuilt, first);
  tt.equal(rebuilt.builds, 1);
  tt.equal(rebuilt.size, 26);

  // Round 5: another instance stores reports in between; this one catches up from its own last mci. The other
  // instance builds its analyzer again at once on every sweep with new votes (new voters, then only changes).
  const other = new LiveAnalyzers(10, building);
  for (const w of voters.slice(20, 24)) await post(await vote(w, target, 2));
  await sweepAndCompare(tt, other, 'round 5 on another instance');
  tt.equal(other.get(target)!.builds, 1);
  for (const [i, w] of voters.slice(8, 11).entries()) await post(await vote(w, target, 1 + (i % 3), i ? '' : 'Vote Against, this is the right call for everyone!'));
  await post(await vote(voters[20], target, 3));
  await sweepAndCompare(tt, other, 'round 5b on another instance, built again');
  tt.equal(other.get(target)!.builds, 2, 'many new votes for their cost: built again at once');
  tt.equal(other.get(target)!.size, 34);
  for (const w of voters.slice(24, 27)) await post(await vote(w, target, 3, 'Late thoughts.'));
  for (const w of voters.slice(6, 8)) await post(await vote(w, target, 1));
  await sweepAndCompare(tt, analyzers, 'round 6 back on the first instance');
  tt.equal(analyzers.get(target), rebuilt);
  tt.equal(rebuilt.builds, 1);
  tt.equal(rebuilt.size, 39, 'every version, including the other instance\'s rounds');

  // Round 6b: the worker stops (its analyzers are lost): the next sweep finds none there and builds again at once.
  await analyzers.host.close();
  for (const w of voters.slice(11, 13)) await post(await vote(w, target, 3));
  await sweepAndCompare(tt, analyzers, 'round 6b after the worker stopped');
  const restarted = analyzers.get(target)!;
  tt.not(restarted, rebuilt, 'a lost analyzer is built again');
  tt.equal(restarted.builds, 1);
  tt.equal(restarted.size, 41);

  // Round 7: the space's AI thresholds change: the analyzer is rebuilt for them.
  await post(await settings(5));
  await post(await vote(voters[27], target, 2));
  await sweepAndCompare(tt, analyzers, 'round 7 with new thresholds');
  tt.not(analyzers.get(target), restarted, 'new thresholds rebuild the analyzer');
  tt.equal(analyzers.get(target)!.builds, 1);

  // Nothing new: nothing due, entries kept.
  tt.equal(await sweepRiskReports({ db, now: now(), debounceSeconds: 0, analyzers }), 0);
  tt.same(analyzers.keys(), [target], 'only the proposal swept since the clear has an entry');
  // Once the proposals have closed, their entries are dropped.
  tt.equal(await sweepRiskReports({ db, now: t0 + 7200, debounceSeconds: 0, analyzers }), 0);
  tt.equal(analyzers.size, 0);
});

t.test('a bounded map keeps the most recently used proposals and the reports stay exact', async (tt) => {
  const analyzers = new LiveAnalyzers(1, adding);
  await post(await vote(voters[28], target, 1));
  await post(await vote(voters[28], sibling, 2));
  tt.same((await sweepAndCompare(tt, analyzers, 'capacity 1')).length, 2);
  tt.equal(analyzers.size, 1);
  await post(await vote(voters[29], target, 3));
  await post(await vote(voters[29], sibling, 1));
  tt.same((await sweepAndCompare(tt, analyzers, 'capacity 1 again')).length, 2);
  tt.equal(analyzers.size, 1);
  tt.throws(() => new LiveAnalyzers(0), RangeError);
});

t.test('a bound on the votes held drops the least recently used analyzers, never the one just used', async (tt) => {
  const analyzers = new LiveAnalyzers(10, adding, 1);
  await post(await vote(voters[28], target, 2));
  await post(await vote(voters[28], sibling, 3));
  tt.same((await sweepAndCompare(tt, analyzers, 'vote bound')).length, 2);
  const [kept] = analyzers.keys();
  tt.equal(analyzers.size, 1);
  tt.ok(analyzers.votes > 1, 'the last one swept stays over the bound');
  tt.equal(analyzers.votes, analyzers.get(kept)!.size);
  tt.throws(() => new LiveAnalyzers(1, {}, -1), RangeError);
});
