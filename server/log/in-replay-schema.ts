/**
 * A scratch copy of the schema, empty, inside one transaction on the verified database, that is always
 * rolled back: the replay writes through the service's own SQL (tally triggers included) at the server's
 * speed, derived tables are compared with set-based SQL, and nothing of it ever persists.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';

const MIGRATIONS_FOLDER = path.resolve(import.meta.dirname, '../../migrations');

export type ReplaySchema = {
  /** The transaction: unqualified names resolve to the replay schema. */
  tx: Db;
  /** The schema holding the verified log and tables. */
  source: string;
  /** The scratch schema the replay writes into. */
  replay: string;
};

/** Thrown to roll the transaction back, carrying what `run` returned. */
class RolledBack<T> extends Error {
  readonly value: T;
  constructor(value: T) {
    super('rolled back');
    this.value = value;
  }
}

/** Every migration's statements in order, with the few references to `public` made relative to the search path. */
function migrationStatements(): string[] {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  return journal.entries.flatMap(({ tag }) =>
    fs
      .readFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), 'utf8')
      .replaceAll('"public".', '')
      .split('--> statement-breakpoint')
      .map((statement) => statement.trim())
      .filter((statement) => statement.length > 0),
  );
}

/**
 * Runs `run` in a REPEATABLE READ transaction (one snapshot of the log and of the tables it is compared
 * with, even while the service writes) with a freshly migrated scratch schema first on the search path;
 * then rolls everything back.
 */
export async function inReplaySchema<T>(db: Db, run: (schema: ReplaySchema) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      await tx.execute(sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
      const [{ source }] = await queryRows<{ source: string }>(tx, sql`SELECT current_schema() AS source`);
      const replay = `verify_log_${crypto.randomBytes(6).toString('hex')}`;
      await tx.execute(sql`CREATE SCHEMA ${sql.identifier(replay)}`);
      await tx.execute(sql`SELECT set_config('search_path', ${replay}, true)`);
      for (const statement of migrationStatements()) await tx.execute(sql.raw(statement));
      throw new RolledBack(await run({ tx, source, replay }));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: the replay transaction always rolls back');
}
