import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config/load-config.ts';
import { queryRows } from '../server/db/open-database.ts';
import type { JobQueue } from '../server/jobs/job-queue.ts';
import { createServiceKey } from '../server/service-key.ts';
import { deliver, retryDelay, type RetryPolicy } from '../server/webhooks/deliver.ts';
import { enqueueDeliveries } from '../server/webhooks/enqueue-deliveries.ts';
import { webhooks } from '../schema/realtime-tables.ts';
import { postJson } from './support/client.ts';
import { openTestDatabase } from './support/database.ts';
import { waitFor } from './support/realtime.ts';
import { sign, wallets } from './support/sign.ts';

const database = await openTestDatabase();
t.teardown(() => database.drop());
const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
const env = { DATA_DIR: ':memory:', LOG_LEVEL: 'silent', JOB_POLL_SECONDS: '1', DECISION_SETTLE_SECONDS: '0', ...(database.url ? { DATABASE_URL: database.url } : {}) };

t.test('retry delays double from the base up to the cap; the default policy retries for more than 24 h', async (tt) => {
  const policy: RetryPolicy = { baseMs: 30_000, maxMs: 6 * 3600_000, windowSeconds: 25 * 3600, timeoutMs: 10_000 };
  tt.same([1, 2, 3, 4].map((attempt) => retryDelay(policy, attempt)), [30_000, 60_000, 120_000, 240_000]);
  tt.equal(retryDelay(policy, 30), 6 * 3600_000);
  const defaults = loadConfig({ env: {} }).realtime;
  const policyOf = { ...policy, baseMs: defaults.webhookRetryBaseMs, maxMs: defaults.webhookRetryMaxMs };
  const window = defaults.webhookRetryWindowSeconds * 1000;
  let elapsed = 0;
  for (let attempt = 1; elapsed < window; attempt++) elapsed = Math.min(elapsed + retryDelay(policyOf, attempt), window);
  tt.ok(elapsed >= 24 * 3600_000, `last retry after ${(elapsed / 3600_000).toFixed(1)} h`);
});

t.test('a receiver that cannot be reached is retried, then marked failed when the window is over', async (tt) => {
  await database.db.execute(sql`INSERT INTO spaces (id, settings, name, network, controller, created, updated, mci) VALUES ('jobs.eth', '{}', 'Jobs', '1', '0x0', 0, 0, 0)`);
  await database.db.insert(webhooks).values({ id: 'hook-1', space: 'jobs.eth', url: 'http://127.0.0.1:9/down', events: ['vote.created'], secret: 's'.repeat(32), created: 0 });
  const [delivery] = await enqueueDeliveries({ db: database.db, events: [{ event: 'vote.created', space: 'jobs.eth', data: { id: 'v' } }] });
  const scheduled: Array<{ data: Record<string, unknown>; runAt?: Date }> = [];
  const queue = { schedule: async (_name: string, data: Record<string, unknown>, options: { runAt?: Date }) => void scheduled.push({ data, runAt: options.runAt }) } as unknown as JobQueue;
  const refused = async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
  };
  const policy: RetryPolicy = { baseMs: 1000, maxMs: 4000, windowSeconds: 3600, timeoutMs: 1000 };
  tt.equal(await deliver({ db: database.db, queue, policy, delivery: delivery.id, attempt: 0, fetch: refused }), 'retrying');
  tt.equal(await deliver({ db: database.db, queue, policy, delivery: delivery.id, attempt: 0, fetch: refused }), 'skipped', 'an attempt runs once');
  tt.same(scheduled.map((entry) => entry.data), [{ delivery: delivery.id, attempt: 1 }]);
  tt.ok(scheduled[0].runAt!.getTime() - Date.now() > 0 && scheduled[0].runAt!.getTime() - Date.now() <= 1000);
  const [row] = await queryRows<{ status: string; attempts: number; last_error: string }>(database.db, sql`SELECT status, attempts, last_error FROM webhook_deliveries WHERE id = ${delivery.id}`);
  tt.same(row, { status: 'pending', attempts: 1, last_error: 'TypeError: fetch failed' });
  // Past the window: the attempt that fails now is the last.
  await database.db.execute(sql`UPDATE webhook_deliveries SET created = created - 3600 * 1000 WHERE id = ${delivery.id}`);
  const closed = policy;
  tt.equal(await deliver({ db: database.db, queue, policy: closed, delivery: delivery.id, attempt: 1, fetch: refused }), 'failed');
  const log = await queryRows<{ attempt: number; status_code: number | null }>(database.db, sql`SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = ${delivery.id} ORDER BY attempt`);
  tt.same(log, [{ attempt: 1, status_code: null }, { attempt: 2, status_code: null }]);
});

t.test('a job left by a stopped instance is done by the next one (recovery at start)', async (tt) => {
  // The first instance runs no jobs, as if it stopped before the proposal ended.
  const first = await buildApp({ config: loadConfig({ env: { ...env, JOBS: 'false' } }), database, serviceKey, logger: false });
  const url = await first.listen({ port: 0, host: '127.0.0.1' });
  const [controller] = wallets(1, 31);
  const space = await postJson(url, await sign(controller, 'settings', { space: 'restart.eth', settings: JSON.stringify({ name: 'R', strategies: [{ name: 'ticket', params: {} }] }) }));
  tt.equal(space.status, 200);
  const start = Math.floor(Date.now() / 1000);
  const proposal = await postJson(url, await sign(controller, 'proposal', { space: 'restart.eth', title: 'Ends while down', choices: ['A', 'B'], start: start - 10, end: start + 2 }));
  tt.equal(proposal.status, 200);
  await first.close();
  if (database.driver === 'pg') {
    // An instance that runs no jobs still queues them durably.
    const [queued] = await queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'proposal-end' AND data->>'proposal' = ${proposal.body.id}`);
    tt.equal(queued.n, 1, 'the end job is in the queue');
  }

  const second = await buildApp({ config: loadConfig({ env }), database, serviceKey, logger: false });
  await second.ready();
  tt.teardown(() => second.close());
  const state = await waitFor(async () => {
    const [row] = await queryRows<{ scores_state: string }>(database.db, sql`SELECT scores_state FROM proposals WHERE id = ${proposal.body.id}`);
    return row.scores_state === 'final' ? row.scores_state : null;
  }, 'the proposal finalised by the second instance');
  tt.equal(state, 'final');
});
