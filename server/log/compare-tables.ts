/** Compares the stored derived tables with the replayed ones in the same database, set-based. */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import type { Divergence } from './check-entry.ts';

/** The derived tables, the columns that identify a row, and whether rows carry the mci that wrote them. */
export const DERIVED_TABLES: ReadonlyArray<{ table: string; key: readonly string[]; mci: boolean }> = [
  { table: 'spaces', key: ['id'], mci: true },
  { table: 'proposals', key: ['id'], mci: true },
  { table: 'votes', key: ['proposal', 'voter'], mci: true },
  { table: 'vote_history', key: ['id'], mci: true },
  { table: 'follows', key: ['follower', 'space'], mci: false },
  { table: 'aliases', key: ['alias'], mci: false },
];

export type CompareTablesParameters = {
  tx: Db;
  /** Schema of the stored tables. */
  source: string;
  /** Schema of the replayed tables. */
  replay: string;
};

export type CompareTablesReturnType = {
  divergence: Divergence | null;
  /** Stored rows, by table (up to the table that differs). */
  rows: Record<string, number>;
};

/**
 * For each table in turn, the first row (in key order) that is not the same whole row, as JSON text, on
 * both sides: changed, missing or extra. One join per table on the server, whatever the table's size.
 */
export async function compareTables({ tx, source, replay }: CompareTablesParameters): Promise<CompareTablesReturnType> {
  const rows: Record<string, number> = {};
  for (const { table, key, mci } of DERIVED_TABLES) {
    const stored = sql`${sql.identifier(source)}.${sql.identifier(table)}`;
    const derived = sql`${sql.identifier(replay)}.${sql.identifier(table)}`;
    const on = sql.join(key.map((column) => sql`s.${sql.identifier(column)} = d.${sql.identifier(column)}`), sql` AND `);
    const order = sql.join(key.map((column) => sql`coalesce(s.${sql.identifier(column)}, d.${sql.identifier(column)})`), sql`, `);
    const [{ count }] = await queryRows<{ count: string | number }>(tx, sql`SELECT count(*) AS count FROM ${stored}`);
    rows[table] = Number(count);
    const [first] = await queryRows<{ have: string | null; want: string | null; mci: string | number | null }>(tx, sql`
      SELECT s.r AS have, d.r AS want, ${mci ? sql`coalesce(d.mci, s.mci)` : sql`NULL`} AS mci
        FROM (SELECT t.*, row_to_json(t)::text AS r FROM ${stored} t) s
        FULL JOIN (SELECT t.*, row_to_json(t)::text AS r FROM ${derived} t) d ON ${on}
       WHERE s.r IS DISTINCT FROM d.r
       ORDER BY ${order}
       LIMIT 1`);
    if (first) {
      return {
        divergence: {
          mci: first.mci === null ? null : Number(first.mci),
          check: 'table',
          detail: `${table}: the database has ${first.have ?? 'no row'} where replaying the log gives ${first.want ?? 'no row'}`,
        },
        rows,
      };
    }
  }
  return { divergence: null, rows };
}
