import t from 'tap';
import { postJson } from './support/client.ts';
import { record, realtimeStats, waitFor, wsClient } from './support/realtime.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

// The riskReport(proposal) subscription pushes each recomputed report while voting is open.
const server = await startTestServer({ RISK_INTERVAL_MS: '200', RISK_DEBOUNCE_SECONDS: '0' });
t.teardown(() => server.close());
const [controller, ...voters] = wallets(6, 91);
const now = () => Math.floor(Date.now() / 1000);
const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body as { id: string };
};

t.test('a report arrives by subscription after votes, covering them', async (tt) => {
  await post(await sign(controller, 'settings', { space: 'risk-live.eth', settings: JSON.stringify({ name: 'Risk live', strategies: [{ name: 'ticket' }] }) }));
  const proposal = await post(await sign(controller, 'proposal', { space: 'risk-live.eth', title: 'Watched', choices: ['Yes', 'No'], start: now() - 60, end: now() + 3600 }));
  const client = wsClient(server.url);
  tt.teardown(() => client.dispose());
  const feed = record(client, 'subscription ($p: String!) { riskReport(proposal: $p) { proposal level votesAnalyzed } }', { p: proposal.id });
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions >= 1, 'the subscription');
  for (const voter of voters) await post(await sign(voter, 'vote', { space: 'risk-live.eth', proposal: proposal.id, choice: 1 }));
  const report = await waitFor(() => feed.events.find((event) => event.riskReport.votesAnalyzed === voters.length), 'a report covering every vote');
  tt.equal(report.riskReport.proposal, proposal.id);
  tt.match(report.riskReport.level, /^(none|low|medium|high)$/);
  tt.same(feed.errors, []);
});
