import crypto from 'node:crypto';
import t, { type Test } from 'tap';
import { openTestDatabase } from './support/database.ts';
import { sign, wallets } from './support/sign.ts';
import { postJson } from './support/client.ts';
import { realtimeStats, record, waitFor, wsClient } from './support/realtime.ts';
import { startReceiver } from './support/receiver.ts';
import { reachable, startServiceProcess, type ServiceProcess } from './support/process.ts';

if (!process.env.DATABASE_URL) {
  t.comment('skipped: two service processes on one PostgreSQL database need DATABASE_URL (CI runs the suite again with it)');
  t.pass('skipped without DATABASE_URL');
  t.end();
} else {
  const database = await openTestDatabase();
  t.teardown(() => database.drop());
  const API_KEY = 'cluster-admin-key-0123456789';
  const common = {
    DATABASE_URL: database.url!,
    SERVICE_KEY: `0x${crypto.randomBytes(32).toString('hex')}`,
    ADMIN_API_KEY: API_KEY,
    JOB_POLL_SECONDS: '1',
    DECISION_SETTLE_SECONDS: '0',
    WEBHOOK_RETRY_BASE_MS: '200',
    WEBHOOK_RETRY_MAX_MS: '1000',
  };
  const [controller, voter1, voter2, voter3, voter4] = wallets(5, 11);
  const now = () => Math.floor(Date.now() / 1000);
  const post = async (url: string, body: unknown) => {
    const response = await postJson(url, body);
    if (response.status !== 200) throw new Error(JSON.stringify(response.body));
    return response.body;
  };
  const started: ServiceProcess[] = [];
  const start = async (tt: Test, env: Record<string, string> = {}) => {
    const service = await startServiceProcess({ ...common, ...env });
    started.push(service);
    tt.teardown(() => service.stop());
    return service;
  };
  t.teardown(() => Promise.all(started.map((service) => service.stop())));

  const [first] = await Promise.all([startServiceProcess(common)]);
  started.push(first);
  await post(
    first.url,
    await sign(controller, 'settings', {
      space: 'cluster.eth',
      settings: JSON.stringify({
        name: 'Cluster',
        network: '1',
        symbol: 'C',
        strategies: [{ name: 'whitelist', params: { addresses: Object.fromEntries([voter1, voter2, voter3, voter4].map((w, i) => [w.address, i + 1])) } }],
      }),
    }),
  );

  /** Subscribes on each instance, votes through each, and checks every client sees every vote. */
  const fanOut = async (tt: Test, a: ServiceProcess, b: ServiceProcess, voters: typeof voter1[], end: number) => {
    const proposal = await post(a.url, await sign(controller, 'proposal', { space: 'cluster.eth', title: `Fan-out ${crypto.randomUUID()}`, choices: ['Yes', 'No'], start: now() - 10, end }));
    const clients = [wsClient(a.url), wsClient(b.url)];
    tt.teardown(() => clients.forEach((client) => client.dispose()));
    const feeds = clients.map((client) => record(client, 'subscription ($p: String!) { votes(proposal: $p) { id voter choice } }', { p: proposal.id }));
    const updates = clients.map((client) => record(client, 'subscription ($p: String!) { proposalUpdated(id: $p) { votes scores scores_state } }', { p: proposal.id }));
    await waitFor(async () => (await realtimeStats(a.url)).subscriptions >= 2 && (await realtimeStats(b.url)).subscriptions >= 2, 'subscriptions on both instances');
    const ids = [
      (await post(a.url, await sign(voters[0], 'vote', { space: 'cluster.eth', proposal: proposal.id, choice: 1 }))).id,
      (await post(b.url, await sign(voters[1], 'vote', { space: 'cluster.eth', proposal: proposal.id, choice: 2 }))).id,
    ];
    await waitFor(() => feeds.every((feed) => feed.events.length >= 2), 'both votes on both instances');
    for (const feed of feeds) {
      tt.same(feed.events.map((event) => event.votes.id).sort(), [...ids].sort(), 'each client sees the vote sent to either instance');
      tt.same(feed.errors, []);
    }
    await waitFor(() => updates.every((feed) => feed.events.some((event) => event.proposalUpdated.votes === 2)), 'the tally on both instances');
    return { proposal, clients, updates };
  };

  t.test('two instances on LISTEN/NOTIFY: a vote sent to one is seen by subscribers of both; the end job runs once', async (tt) => {
    const second = await start(tt);
    tt.same([(await realtimeStats(first.url)).bus, (await realtimeStats(second.url)).bus], ['postgres', 'postgres']);
    tt.same([(await realtimeStats(first.url)).jobs, (await realtimeStats(second.url)).jobs], ['pg-boss', 'pg-boss']);
    const receiver = await startReceiver([200]);
    tt.teardown(() => receiver.close());
    const registered = await fetch(`${second.url}/api/spaces/cluster.eth/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ url: receiver.url, events: ['proposal.ended'] }),
    });
    tt.equal(registered.status, 201);
    const end = now() + 25;
    const { proposal, updates } = await fanOut(tt, first, second, [voter1, voter2], end);

    // Another instance starts while the end job waits: it schedules the same job again at start (recovery).
    const third = await start(tt);
    tt.equal((await realtimeStats(third.url)).jobs, 'pg-boss');

    await waitFor(() => updates.every((feed) => feed.events.some((event) => event.proposalUpdated.scores_state === 'final')), 'final scores on both instances', 120_000);
    await waitFor(() => receiver.received.length >= 1, 'the proposal.ended delivery', 60_000);
    const counts = await database.pool!.query(
      `SELECT (SELECT count(*)::int FROM proposal_milestones WHERE proposal = $1 AND milestone = 'ended') AS milestones,
              (SELECT count(*)::int FROM webhook_deliveries WHERE event = 'proposal.ended') AS deliveries,
              (SELECT count(*)::int FROM pgboss.job WHERE name = 'proposal-end' AND data->>'proposal' = $1) +
              (SELECT count(*)::int FROM pgboss.archive WHERE name = 'proposal-end' AND data->>'proposal' = $1) AS jobs`,
      [proposal.id],
    );
    tt.same(counts.rows[0], { milestones: 1, deliveries: 1, jobs: 1 }, 'one job, one milestone, one delivery for three instances');
    const [delivered] = await waitFor(async () => {
      const rows = (await database.pool!.query(`SELECT status, attempts FROM webhook_deliveries WHERE event = 'proposal.ended'`)).rows;
      return rows[0]?.status === 'delivered' ? rows : null;
    }, 'the delivery recorded');
    tt.same(delivered, { status: 'delivered', attempts: 1 });
    tt.equal(receiver.received.length, 1, 'the receiver got it once');
    tt.equal(JSON.parse(receiver.received[0].body).data.id, proposal.id);
  });

  const redis = await reachable('127.0.0.1', 6379);
  t.test('two instances on Redis pub/sub: the same fan-out', { skip: redis ? false : 'no Redis server on 127.0.0.1:6379' }, async (tt) => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379' };
    const [a, b] = await Promise.all([start(tt, env), start(tt, env)]);
    tt.same([(await realtimeStats(a.url)).bus, (await realtimeStats(b.url)).bus], ['redis', 'redis']);
    await fanOut(tt, a, b, [voter3, voter4], now() + 3600);
  });
}
