import t from 'tap';
import pg from 'pg';
import { loadConfig } from '../server/config/load-config.ts';
import { verifyLog } from '../server/log/verify-log.ts';
import { startTestServer } from './support/server.ts';
import { ballots, halfWritten, NOTHING_HALF_WRITTEN, seedSpace, sendVote, storedIds, type Ballot, type Outcome } from './support/vote-load.ts';

// The database goes away under load (every connection terminated, new ones refused): the service answers
// 503 with Retry-After meanwhile and recovers by itself, with no restart, when the database is back.
if (!process.env.DATABASE_URL) {
  t.comment('skipped: the outage test needs PostgreSQL (set DATABASE_URL) to terminate and block connections');
  t.pass('skipped without DATABASE_URL');
} else {
  const server = await startTestServer({ CHECKPOINT_INTERVAL: '0' });
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = new URL(server.database.url!).pathname.slice(1);
  const allowConnections = (allow: boolean) => admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${allow}`);
  const terminateAll = () =>
    admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  t.teardown(async () => {
    await allowConnections(true);
    await admin.end();
    await server.close();
  });

  const { proposal } = await seedSpace(server.url, 'outage.eth');
  const all = ballots('outage.eth', proposal, 400);
  const receipts = new Map<string, string>();
  const counts = { sent: 0, ok: 0, unavailable: 0, transport: 0, other: [] as string[] };
  const record = (ballot: Ballot, outcome: Outcome) => {
    counts.sent++;
    if (outcome.status === 200) {
      counts.ok++;
      receipts.set(ballot.body, outcome.id!);
    } else if (outcome.status === 503 && Number(outcome.retryAfter) > 0 && outcome.error === 'service unavailable, retry later') {
      counts.unavailable++;
    } else if (outcome.status === 0) {
      counts.transport++;
    } else {
      counts.other.push(`${outcome.status} ${outcome.retryAfter} ${outcome.error}`);
    }
  };
  const send = async (batch: Ballot[], workers = 8) => {
    const queue = [...batch];
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (queue.length > 0) {
          const ballot = queue.shift()!;
          record(ballot, await sendVote(server.url, ballot));
        }
      }),
    );
  };
  const pending = () => all.filter((ballot) => !receipts.has(ballot.body));

  t.test('every connection terminated in the middle of the load: no 500, the service carries on', async (tt) => {
    const load = send(all.slice(0, 150));
    // Terminate a few times while the load runs (bounded: it stops when the load ends).
    let terminated = 0;
    let done = false;
    void load.then(() => (done = true));
    for (let round = 0; round < 5 && !done; round++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      terminated += (await terminateAll()).rows[0].n;
    }
    await load;
    tt.same(counts.other, [], 'only receipts and 503 with Retry-After');
    tt.equal(counts.transport, 0, 'no connection dropped by the service');
    tt.comment(`terminated ${terminated} connections; ${counts.ok} receipts, ${counts.unavailable} answered 503`);
  });

  t.test('the database refuses every connection: 503 with Retry-After everywhere, no write', async (tt) => {
    await allowConnections(false);
    await terminateAll();
    const before = counts.unavailable;
    await send(all.slice(150, 250));
    tt.equal(counts.unavailable - before, 100, 'every vote answered 503 with Retry-After');
    const graph = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ votes(first: 5) { id } }' }),
    });
    tt.equal(graph.status, 503, 'GraphQL too');
    tt.ok(Number(graph.headers.get('retry-after')) > 0);
    const ready = await fetch(`${server.url}/readyz`);
    tt.equal(ready.status, 503);
    tt.ok(Number(ready.headers.get('retry-after')) > 0);
    tt.same(counts.other, []);
  });

  t.test('the database is back: the same process recovers by itself and loses nothing', async (tt) => {
    await allowConnections(true);
    // Bounded wait for readiness (no restart, no timing assertion).
    let ready = false;
    for (let attempt = 0; attempt < 600 && !ready; attempt++) {
      ready = (await fetch(`${server.url}/readyz`)).status === 200;
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    tt.ok(ready, 'ready again');
    // Everything without a receipt yet, including the votes answered 503, is sent (again).
    const retried = pending().length;
    await send(pending());
    tt.same(counts.other, []);
    tt.equal(receipts.size, all.length, 'every vote has a receipt');
    const ids = [...receipts.values()];
    const stored = await storedIds(server.database.db, ids);
    tt.equal(stored.messages.size, ids.length, 'all in messages');
    tt.equal(stored.history.size, ids.length, 'all in vote_history');
    tt.same(await halfWritten(server.database.db), NOTHING_HALF_WRITTEN);
    const outcome = await verifyLog({ db: server.database.db, config: loadConfig({ env: { LOG_LEVEL: 'silent' } }), chainOnly: true });
    tt.same(outcome.divergence, null);
    tt.comment(
      `outage: ${counts.sent} requests, ${counts.unavailable} answered 503 + Retry-After, ${retried} sent again after recovery, ${receipts.size} receipts, ${stored.messages.size} stored, lost ${ids.length - stored.messages.size}`,
    );
  });
}
