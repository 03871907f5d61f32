/** A running service on a fresh database, listening on a free port. */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config/load-config.ts';
import { createServiceKey } from '../../server/service-key.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';

export type TestServer = { app: FastifyInstance; url: string; database: TestDatabase; config: Config; close(): Promise<void> };

/** Starts the service; `env` overrides configuration variables; `options` the parts not set by configuration. */
export async function startTestServer(env: Record<string, string> = {}, options: { consoleDir?: string } = {}): Promise<TestServer> {
  const config = loadConfig({ env: { DATA_DIR: ':memory:', LOG_LEVEL: 'silent', PORT: '0', ...env } });
  const database = await openTestDatabase();
  const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
  const app = await buildApp({ config, database, serviceKey, logger: false, consoleDir: options.consoleDir });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    url,
    database,
    config,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
