/** A fresh database per test file: PGlite in memory, or a new database on the server named by DATABASE_URL. */
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/open-database.ts';

export type TestDatabase = Database & { url: string | undefined; drop(): Promise<void> };

/** Creates an empty database on the PostgreSQL server of `serverUrl`; returns its URL and how to drop it. */
export async function createPostgresDatabase(serverUrl: string, prefix = 'conclave_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Opens and migrates a database no other test uses. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({ dataDir: ':memory:' });
    await database.migrate();
    return { ...database, url: undefined, drop: () => database.close() };
  }
  const created = await createPostgresDatabase(serverUrl);
  const database = await openDatabase({ databaseUrl: created.url, poolSize: 8 });
  await database.migrate();
  return {
    ...database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}
