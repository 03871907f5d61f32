import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { queryRows } from '../server/db/open-database.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config/load-config.ts';
import { ConfigError } from '../server/errors.ts';
import { createServiceKey } from '../server/service-key.ts';
import { graphql, postJson } from './support/client.ts';
import { openTestDatabase } from './support/database.ts';
import { sign, wallets } from './support/sign.ts';

t.test('GraphQL reads the read database (DATABASE_READ_URL); writes go to the primary', async (tt) => {
  const primary = await openTestDatabase();
  const replica = await openTestDatabase();
  const config = loadConfig({ env: { DATA_DIR: ':memory:', LOG_LEVEL: 'silent' } });
  const app = await buildApp({ config, database: primary, readDatabase: replica, serviceKey: createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`), logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  tt.teardown(async () => {
    await app.close();
    await primary.drop();
    await replica.drop();
  });
  const [controller] = wallets(1, 21);
  const written = await postJson(url, await sign(controller, 'settings', { space: 'read.eth', settings: JSON.stringify({ name: 'Read', strategies: [{ name: 'ticket', params: {} }] }) }));
  tt.equal(written.status, 200);
  tt.same(await queryRows(primary.db, sql`SELECT id FROM spaces`), [{ id: 'read.eth' }], 'the write is in the primary');
  // This "replica" never receives it, so a query that sees nothing proves the read went there.
  tt.same((await graphql(url, '{ space(id: "read.eth") { id } }')).data, { space: null });
});

t.test('DATABASE_READ_URL needs DATABASE_URL, and the new variables are checked', async (tt) => {
  tt.throws(() => loadConfig({ env: { DATABASE_READ_URL: 'postgres://h/db' } }), new ConfigError('DATABASE_READ_URL needs DATABASE_URL'));
  tt.throws(() => loadConfig({ env: { REDIS_URL: 'http://x' } }), ConfigError);
  tt.throws(() => loadConfig({ env: { ADMIN_API_KEY: 'short' } }), new ConfigError('ADMIN_API_KEY must be at least 16 characters'));
  tt.throws(() => loadConfig({ env: { SUBSCRIPTIONS_PER_CONNECTION: '0' } }), ConfigError);
  const config = loadConfig({ env: { DATABASE_URL: 'postgres://h/a', DATABASE_READ_URL: 'postgres://r/a', REDIS_URL: 'redis://127.0.0.1:6379', JOBS: 'off' } });
  tt.equal(config.databaseReadUrl, 'postgres://r/a');
  tt.equal(config.redisUrl, 'redis://127.0.0.1:6379');
  tt.equal(config.realtime.jobs, false);
  tt.equal(loadConfig({ env: {} }).realtime.webhookRetryWindowSeconds >= 24 * 3600, true, 'retries last at least 24 h by default');
});
