import t from 'tap';
import WebSocket from 'ws';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';
import { postJson } from './support/client.ts';
import { realtimeStats, record, waitFor, wsClient } from './support/realtime.ts';

const server = await startTestServer({ SUBSCRIPTIONS_PER_CONNECTION: '3', SUBSCRIPTION_MAX_QUEUE: '20', SUBSCRIPTION_MAX_BUFFERED_BYTES: '65536' });
t.teardown(() => server.close());
const [controller, voter1, voter2] = wallets(3, 7);
const now = () => Math.floor(Date.now() / 1000);
const post = async (body: unknown) => {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body;
};

await post(
  await sign(controller, 'settings', {
    space: 'live.eth',
    settings: JSON.stringify({
      name: 'Live',
      network: '1',
      symbol: 'LIVE',
      strategies: [{ name: 'whitelist', params: { addresses: { [voter1.address]: 10, [voter2.address]: 5 } } }],
    }),
  }),
);
const subscriptionsOpen = (count: number) => waitFor(async () => (await realtimeStats(server.url)).subscriptions >= count, `${count} subscriptions`);

t.test('proposals(space), votes(proposal) and proposalUpdated(id) see writes as they commit', async (tt) => {
  const client = wsClient(server.url);
  tt.teardown(() => client.dispose());
  const proposalsFeed = record(client, 'subscription ($space: String!) { proposals(space: $space) { id title state space { id } } }', { space: 'live.eth' });
  await subscriptionsOpen(1);
  const created = await post(
    await sign(controller, 'proposal', { space: 'live.eth', title: 'Live one', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }),
  );
  await waitFor(() => proposalsFeed.events.length >= 1, 'the new proposal');
  tt.same(proposalsFeed.events[0], { proposals: { id: created.id, title: 'Live one', state: 'active', space: { id: 'live.eth' } } });

  const votesFeed = record(client, 'subscription ($p: String!) { votes(proposal: $p) { id voter choice vp proposal { id } } }', { p: created.id });
  const updates = record(client, 'subscription ($id: String!) { proposalUpdated(id: $id) { id scores scores_total votes scores_state } }', { id: created.id });
  await subscriptionsOpen(3);
  const ballot = await post(await sign(voter1, 'vote', { space: 'live.eth', proposal: created.id, choice: 1 }));
  await waitFor(() => votesFeed.events.length >= 1, 'the vote');
  tt.same(votesFeed.events[0].votes, { id: ballot.id, voter: voter1.address, choice: 1, vp: 10, proposal: { id: created.id } });
  await waitFor(() => updates.events.some((event) => event.proposalUpdated.votes === 1), 'the tally');
  tt.same(updates.events.at(-1).proposalUpdated, { id: created.id, scores: [10, 0], scores_total: 10, votes: 1, scores_state: 'pending' });

  await post(await sign(voter2, 'vote', { space: 'live.eth', proposal: created.id, choice: 2 }));
  await waitFor(() => updates.events.some((event) => event.proposalUpdated.votes === 2), 'the second tally');
  tt.same(updates.events.at(-1).proposalUpdated.scores, [10, 5]);
  tt.equal(votesFeed.events.length, 2);
  tt.same(proposalsFeed.errors, []);
  tt.same(votesFeed.errors, []);
  client.dispose();
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions === 0, 'subscriptions closed with the connection');
});

t.test('a connection holds at most SUBSCRIPTIONS_PER_CONNECTION subscriptions', async (tt) => {
  const client = wsClient(server.url);
  tt.teardown(() => client.dispose());
  const feeds = [1, 2, 3, 4].map((n) => record(client, 'subscription ($s: String!) { proposals(space: $s) { id } }', { s: `space${n}.eth` }));
  await waitFor(() => feeds[3].errors.length > 0, 'the fourth subscription refused');
  tt.match(JSON.stringify(feeds[3].errors), /at most 3 subscriptions per connection/);
  tt.same(feeds.slice(0, 3).map((feed) => feed.errors), [[], [], []]);
  tt.equal((await realtimeStats(server.url)).subscriptions, 3);
});

t.test('a client that stops reading is dropped; one that reads keeps everything', async (tt) => {
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions === 0, 'previous subscriptions closed');
  const created = await post(
    await sign(controller, 'proposal', { space: 'live.eth', title: 'Busy', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }),
  );
  // A long reason makes each event large, so the socket's buffers fill quickly.
  const vote = await post(await sign(voter1, 'vote', { space: 'live.eth', proposal: created.id, choice: 1, reason: 'r'.repeat(4000) }));
  const slow = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  let slowClosed = false;
  slow.on('close', () => (slowClosed = true));
  slow.on('error', () => {});
  await new Promise((resolve) => slow.once('open', resolve));
  slow.send(JSON.stringify({ type: 'connection_init' }));
  await new Promise((resolve) => slow.once('message', resolve));
  slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { votes(proposal: "${created.id}") { id reason } }` } }));
  const fast = wsClient(server.url);
  tt.teardown(() => fast.dispose());
  const fastFeed = record(fast, `subscription { votes(proposal: "${created.id}") { id reason } }`);
  await subscriptionsOpen(2);
  // The slow client stops reading from its socket.
  slow.pause();

  // Replays the vote's event many times through the bus: every subscriber gets the 4 kB row each time.
  let sent = 0;
  const deadline = Date.now() + 120_000;
  while ((await realtimeStats(server.url)).dropped === 0) {
    if (Date.now() > deadline) throw new Error('the slow client was never dropped');
    await server.app.realtime.publish(Array.from({ length: 10 }, () => ({ kind: 'vote', id: vote.id as string, proposal: created.id, space: 'live.eth' })));
    sent += 10;
    await server.app.realtime.dispatcher.idle();
    await waitFor(() => fastFeed.events.length >= sent || fastFeed.errors.length > 0, 'the fast client to keep up');
  }
  tt.equal((await realtimeStats(server.url)).dropped, 1, 'only the slow client was dropped');
  slow.resume();
  await waitFor(() => slowClosed, 'the slow client sees its connection closed');
  tt.same(fastFeed.errors, []);
  tt.equal(fastFeed.events.length, sent, 'the reading client got every event');
  tt.equal((await realtimeStats(server.url)).subscriptions, 1, 'the dropped subscription is gone');
});
