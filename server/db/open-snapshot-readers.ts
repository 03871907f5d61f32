/** Extra PostgreSQL connections that read exactly what an open transaction sees, to split a large read. */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { queryRows, type Db } from './open-database.ts';

export type OpenSnapshotReadersParameters = {
  /** The database the transaction belongs to (its `$client` names the server). */
  db: Db;
  /** The open transaction whose snapshot the readers share. */
  tx: Db;
  count: number;
};

/** Read-only connections in the transaction's snapshot; `close` ends them. */
export type SnapshotReaders = { clients: pg.Client[]; close(): Promise<void> };

/**
 * Opens `count` connections in `tx`'s exported snapshot (as pg_dump's parallel workers do), or returns
 * undefined where that cannot be done (PGlite has one connection). They are new connections, not pool
 * ones: the pool may be full of writers queued on a lock the transaction holds.
 */
export async function openSnapshotReaders({ db, tx, count }: OpenSnapshotReadersParameters): Promise<SnapshotReaders | undefined> {
  const pool = (db as unknown as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool) || count < 1) return undefined;
  const [{ snapshot }] = await queryRows<{ snapshot: string }>(tx, sql`SELECT pg_export_snapshot() AS snapshot`);
  const clients: pg.Client[] = [];
  const close = async () => {
    await Promise.allSettled(clients.map((client) => client.end()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const client = new pg.Client(pool.options);
      // A reader that loses its server fails its query; the error must not crash the process meanwhile.
      client.on('error', () => {});
      clients.push(client);
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { clients, close };
}
