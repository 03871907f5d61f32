/**
 * The service as `server/main.ts` builds it, except that GraphQL reads through a pool that answers a
 * statement it has seen (same text, same values) from memory (benchmark only): a page then costs
 * everything from HTTP to drizzle's row mapping but no database round trip and no pg row parsing.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import * as tables from '../../schema/tables.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/load-config.ts';
import { openDatabase, type Db } from '../../server/db/open-database.ts';
import { loadServiceKey } from '../../server/service-key.ts';

const config = loadConfig();
if (!config.databaseUrl) throw new Error('bench/graphql-server.ts needs DATABASE_URL (a PostgreSQL server)');
const database = await openDatabase({ databaseUrl: config.databaseUrl });
await database.migrate();
const pool = database.pool!;
const answers = new Map<string, Promise<pg.QueryResult>>();
const remembering = {
  query(query: pg.QueryConfig, values?: unknown[]) {
    const key = JSON.stringify([query.text, values ?? query.values]);
    let answer = answers.get(key);
    if (!answer) {
      answer = pool.query(query, values);
      answers.set(key, answer);
    }
    return answer;
  },
};
const readDatabase = { ...database, db: drizzle(remembering as unknown as pg.Pool, { schema: tables }) as unknown as Db };
const app = await buildApp({ config, database, readDatabase, serviceKey: loadServiceKey(config), logger: false });
process.on('SIGTERM', async () => {
  await app.close();
  await database.close();
  process.exit(0);
});
await app.listen({ port: config.port, host: config.host });
