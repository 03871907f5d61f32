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
 * both sides: changed, missing or extra. One join per table on the server, whatever the table's size;
 * first, in one statement, a cheaper byte-for-byte comparison of the rows (`*=`, record image equality:
 * rows whose images are equal print the same) tells which tables need that join at all.
 */
export async function compareTables({ tx, source, replay }: CompareTablesParameters): Promise<CompareTablesReturnType> {
  const same = await identicalTables({ tx, source, replay });
  const rows: Record<string, number> = {};
  for (const { table, key, mci } of DERIVED_TABLES) {
    const stored = sql`${sql.identifier(source)}.${sql.identifier(table)}`;
    const derived = sql`${sql.identifier(replay)}.${sql.identifier(table)}`;
    rows[table] = same.counts[table];
    if (same.tables.has(table)) continue;
    const on = sql.join(key.map((column) => sql`s.${sql.identifier(column)} = d.${sql.identifier(column)}`), sql` AND `);
    const order = sql.join(key.map((column) => sql`coalesce(s.${sql.identifier(column)}, d.${sql.identifier(column)})`), sql`, `);
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

/**
 * Each table's stored row count, and the tables whose rows are byte for byte those replayed. Only tables
 * with the same columns (names, types, order) on both sides are compared so; the others are left to the join.
 */
async function identicalTables({ tx, source, replay }: CompareTablesParameters): Promise<{ counts: Record<string, number>; tables: Set<string> }> {
  const layouts = await queryRows<{ table: string; schema: string; columns: string }>(tx, sql`
    SELECT c.relname AS table, n.nspname AS schema,
           string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS columns
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname IN (${source}, ${replay}) AND c.relname IN (${sql.join(DERIVED_TABLES.map(({ table }) => sql`${table}`), sql`, `)})
       AND c.relkind = 'r'
     GROUP BY c.relname, n.nspname`);
  const columns = (schema: string, table: string) => layouts.find((layout) => layout.schema === schema && layout.table === table)?.columns;
  const alike = DERIVED_TABLES.filter(({ table }) => columns(source, table) !== undefined && columns(source, table) === columns(replay, table));
  const [found] = await queryRows<Record<string, string | number | boolean>>(tx, sql`SELECT ${sql.join(
    DERIVED_TABLES.map(({ table, key }) => {
      const stored = sql`${sql.identifier(source)}.${sql.identifier(table)}`;
      const derived = sql`${sql.identifier(replay)}.${sql.identifier(table)}`;
      const count = sql`(SELECT count(*) FROM ${stored}) AS ${sql.identifier(`${table} rows`)}`;
      if (!alike.some((like) => like.table === table)) return count;
      const on = sql.join(key.map((column) => sql`s.${sql.identifier(column)} = d.${sql.identifier(column)}`), sql` AND `);
      // Key columns are never null: a null key is a row missing on that side.
      const differs = sql`EXISTS (SELECT FROM ${stored} s FULL JOIN ${derived} d ON ${on}
                                   WHERE s.${sql.identifier(key[0])} IS NULL OR d.${sql.identifier(key[0])} IS NULL OR NOT (s *= d))`;
      return sql`${count}, ${differs} AS ${sql.identifier(`${table} differs`)}`;
    }),
    sql`, `,
  )}`);
  const counts = Object.fromEntries(DERIVED_TABLES.map(({ table }) => [table, Number(found[`${table} rows`])]));
  return { counts, tables: new Set(alike.filter(({ table }) => found[`${table} differs`] === false).map(({ table }) => table)) };
}
