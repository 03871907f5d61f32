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

t.test('one event, many selections: each gets its own payload, rendered once per selection; other proposals and refused requests get nothing', async (tt) => {
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions === 0, 'previous subscriptions closed');
  const open = async (title: string) => post(await sign(controller, 'proposal', { space: 'live.eth', title, choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }));
  const p = (await open('Shared render')).id as string;
  const q = (await open('Elsewhere')).id as string;
  const clients = Array.from({ length: 7 }, () => wsClient(server.url));
  tt.teardown(() => Promise.all(clients.map((client) => client.dispose())));
  const idChoice = 'subscription ($p: String!) { votes(proposal: $p) { id choice } }';
  const withReason = 'subscription ($p: String!, $r: Boolean!) { votes(proposal: $p) { id voter reason @include(if: $r) } }';
  const feeds = {
    a: record(clients[0], idChoice, { p }),
    // Another key order and a variable the document does not use: still the same selection.
    b: record(clients[1], idChoice, { unused: 'x', p }),
    reason: record(clients[2], withReason, { p, r: true }),
    noReason: record(clients[3], withReason, { p, r: false }),
    nested: record(clients[4], 'subscription ($p: String!) { votes(proposal: $p) { id proposal { id title } } }', { p }),
    other: record(clients[5], idChoice, { p: q }),
  };
  await subscriptionsOpen(6);
  const invalid = record(clients[6], 'subscription ($p: String!) { votes(proposal: $p) { id nope } }', { p });
  const query = record(clients[6], `{ proposal(id: "${p}") { id } }`);
  const unbound = record(clients[6], idChoice, {});
  await waitFor(() => invalid.errors.length > 0 && query.errors.length > 0 && unbound.errors.length > 0, 'the refused requests answered');
  const messages = (feed: typeof invalid) => (feed.errors.flat() as Array<{ message: string }>).map((error) => error.message).join('\n');
  tt.match(messages(invalid), /Cannot query field "nope"/);
  tt.match(messages(query), /only subscriptions/);
  tt.match(messages(unbound), /Variable "\$p" of required type/);
  tt.equal((await realtimeStats(server.url)).subscriptions, 6, 'refused requests hold no subscription');

  const before = await realtimeStats(server.url);
  const vote = await post(await sign(voter1, 'vote', { space: 'live.eth', proposal: p, choice: 2, reason: 'because' }));
  const elsewhere = await post(await sign(voter1, 'vote', { space: 'live.eth', proposal: q, choice: 1 }));
  await waitFor(() => feeds.other.events.length > 0 && [feeds.a, feeds.b, feeds.reason, feeds.noReason, feeds.nested].every((feed) => feed.events.length > 0), 'every subscriber served');
  tt.same(feeds.a.events, [{ votes: { id: vote.id, choice: 2 } }]);
  tt.same(feeds.b.events, feeds.a.events, 'the same selection, the same payload');
  tt.same(feeds.reason.events, [{ votes: { id: vote.id, voter: voter1.address, reason: 'because' } }]);
  tt.same(feeds.noReason.events, [{ votes: { id: vote.id, voter: voter1.address } }], 'variables change the rendering');
  tt.same(feeds.nested.events, [{ votes: { id: vote.id, proposal: { id: p, title: 'Shared render' } } }], 'nested fields through the loaders');
  tt.same(feeds.other.events, [{ votes: { id: elsewhere.id, choice: 1 } }], 'the other proposal sees only its own vote');
  await server.app.realtime.settled();
  const after = await realtimeStats(server.url);
  tt.equal(after.renders - before.renders, 4 + 1, 'four distinct selections on p, one on q');
  tt.equal(after.frames - before.frames, 5 + 1, 'one frame per subscriber');
  for (const feed of Object.values(feeds)) tt.same(feed.errors, []);
  tt.same([invalid, query, unbound].map((feed) => feed.events), [[], [], []]);
});

t.test('the older graphql-ws subprotocol (subscriptions-transport-ws clients) is served too', async (tt) => {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-ws');
  tt.teardown(() => socket.terminate());
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await waitFor(() => messages.some((message) => message.type === 'connection_ack'), 'the acknowledgement');
  const created = await post(await sign(controller, 'proposal', { space: 'live.eth', title: 'Legacy', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }));
  socket.send(JSON.stringify({ id: 'x', type: 'start', payload: { query: `subscription { votes(proposal: "${created.id}") { id } }` } }));
  await subscriptionsOpen(1);
  const vote = await post(await sign(voter2, 'vote', { space: 'live.eth', proposal: created.id, choice: 1 }));
  const data = await waitFor(() => messages.find((message) => message.type === 'data'), 'the vote');
  tt.same(data, { id: 'x', type: 'data', payload: { data: { votes: { id: vote.id } } } });
  socket.send(JSON.stringify({ id: 'x', type: 'stop' }));
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions === 0, 'the subscription stopped');
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
