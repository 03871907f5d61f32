/** Opens the database: PGlite (embedded) by default, or a PostgreSQL server when a URL is given. */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as tables from '../../schema/tables.ts';

export type Tables = typeof tables;
/** The drizzle database, the same type for both drivers. */
export type Db = PgDatabase<PgQueryResultHKT, Tables>;

export type Database = {
  db: Db;
  driver: 'pglite' | 'pg';
  /** The pg pool when on a PostgreSQL server (LISTEN/NOTIFY, admin tasks). */
  pool: pg.Pool | undefined;
  /** Applies pending migrations; safe when several instances start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export type OpenDatabaseParameters = {
  /** PostgreSQL URL; when absent PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite directory, or ':memory:'. */
  dataDir?: string;
  poolSize?: number;
};

const MIGRATIONS_FOLDER = path.resolve(import.meta.dirname, '../../migrations');
/** Arbitrary constant naming the migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK = 4_201_337;

/** Opens (but does not migrate) the configured database. */
export async function openDatabase({
  databaseUrl,
  dataDir = ':memory:',
  poolSize = 16,
}: OpenDatabaseParameters): Promise<Database> {
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    // Nor a checked-out one between two queries (the pool only listens while a client is idle): its next
    // query fails as "not queryable", which is answered 503, and the pool discards it on release.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = drizzlePg(pool, { schema: tables }) as unknown as Db;
    db.transaction = releasingTransaction(pool);
    return {
      db,
      driver: 'pg',
      pool,
      async migrate() {
        const client = await pool.connect();
        try {
          await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
          await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  let client: PGlite;
  if (dataDir === ':memory:') {
    client = new PGlite();
  } else {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    client = new PGlite(path.join(dataDir, 'pglite'));
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema: tables });
  return {
    db: db as unknown as Db,
    driver: 'pglite',
    pool: undefined,
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

/**
 * Transactions on a client that is always given back to the pool. drizzle's own pool transaction sends
 * BEGIN before its try block, so a connection lost at BEGIN would never be released and an outage
 * would drain the pool for good; here a client that failed is destroyed rather than reused.
 */
function releasingTransaction(pool: pg.Pool): Db['transaction'] {
  const byClient = new WeakMap<pg.PoolClient, Db>();
  return async (transaction, config) => {
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      let clientDb = byClient.get(client);
      if (!clientDb) {
        clientDb = drizzlePg(client, { schema: tables }) as unknown as Db;
        byClient.set(client, clientDb);
      }
      return await clientDb.transaction(transaction, config);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(failure);
    }
  };
}

/** Runs raw SQL and returns its rows; the one place raw results are typed, for both drivers. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * Type ids whose text drizzle keeps as is rather than parse (dates, times, intervals and their arrays,
 * numeric[]), so that a column's `mapFromDriverValue` sees what it would under drizzle.
 */
const KEPT_AS_TEXT = [1082, 1114, 1184, 1186, 1182, 1115, 1185, 1187, 1231];
const keepText = (value: string) => value;
const PG_TYPES = {
  getTypeParser: (id: number, format?: 'text' | 'binary') =>
    KEPT_AS_TEXT.includes(id) ? keepText : pg.types.getTypeParser(id, format ?? 'text'),
};
const PGLITE_PARSERS = Object.fromEntries(KEPT_AS_TEXT.map((id) => [id, keepText]));

/**
 * Runs a statement on the driver itself and returns its rows as arrays of driver values, for reads too hot
 * for drizzle's per-cell mapping (decode them with the columns' `mapFromDriverValue`). With a `name`, a
 * PostgreSQL server parses and plans the statement once per connection (PGlite ignores it); a name must
 * always stand for the same text, and the names in use must be few (each connection keeps them all).
 */
export async function queryArrays(db: Db, text: string, values: unknown[], name?: string): Promise<unknown[][]> {
  const client = (db as unknown as { $client: PGlite | pg.Pool }).$client;
  if (client instanceof PGlite) return (await client.query<unknown[]>(text, values, { rowMode: 'array', parsers: PGLITE_PARSERS })).rows;
  return (await client.query<unknown[]>({ name, text, values, rowMode: 'array', types: PG_TYPES })).rows;
}
