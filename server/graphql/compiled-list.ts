/** GraphQL lists read through statements built once per shape, for the hot read paths (a page of 100 votes). */
import crypto from 'node:crypto';
import { and, Column, eq, is, noopDecoder, Placeholder, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { queryArrays, type Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { sharedReads } from './shared-reads.ts';
import { afterCondition, conditionsSql, filterOf, pageOf, type EntitySpec, type PageArguments } from './build-query.ts';

/** What a list can return: a column, or an SQL expression with its alias (`vp::float8 AS vp`). */
export type ListField = PgColumn | SQL.Aliased;

export type ListArguments = PageArguments & { where?: Record<string, unknown> | null; after?: string | null };

export type CompiledListParameters = {
  db: Db;
  table: PgTable;
  spec: EntitySpec;
  /** Statements kept, least recently used dropped first: shapes are many, few are hot. */
  maxShapes?: number;
  /**
   * Statements prepared on the server (named), the first ones built: each connection keeps every one it
   * ran until it closes, so they must be few; the hot shapes come first. Prepared, a page of 100 votes
   * cost PostgreSQL ~150 µs of CPU instead of ~260 µs (no parse and plan per request).
   */
  maxPrepared?: number;
};

/** Reads one page of the list: the fields of `selection` (by output name), the rows `args` ask for. */
export type CompiledList = (args: ListArguments, selection: Record<string, ListField>) => Promise<Array<Readonly<Record<string, unknown>>>>;

type Decoder = (value: unknown) => unknown;
/** A statement's SQL text and, for each of its parameters in order, the placeholder that names it or a fixed value. */
type Statement = { text: string; name: string | undefined; slots: Array<string | { value: unknown }>; names: string[]; decoders: Array<Decoder | undefined> };

/** How drizzle would turn a field's driver value into the row's value; undefined where it keeps it as is. */
function decoderOf(field: ListField): Decoder | undefined {
  if (is(field, Column)) {
    if (field.mapFromDriverValue === Column.prototype.mapFromDriverValue) return undefined;
    return (value) => field.mapFromDriverValue(value);
  }
  const { decoder } = field.sql as unknown as { decoder: { mapFromDriverValue: Decoder } };
  if (decoder.mapFromDriverValue === noopDecoder.mapFromDriverValue) return undefined;
  return (value) => decoder.mapFromDriverValue(value);
}

/** `value` as drizzle sends it for `column` (what a bound parameter gets; placeholders skip it). */
const encode = (column: PgColumn, value: unknown) => (value === null ? null : column.mapToDriverValue(value));

/**
 * A list query built once per shape (fields, `where` keys and list lengths, order, cursor or not): drizzle
 * writes its SQL with placeholders the first time; afterwards a request only checks and binds its values,
 * runs the statement on the driver (shared with identical requests waiting to be sent, see `sharedReads`)
 * and decodes the rows column by column. The checks and the SQL are those of building the query per
 * request, which, with drizzle's per-cell row mapping, cost the service more than the database spent on a
 * page of 100 votes.
 */
export function compiledList({ db, table, spec, maxShapes = 1000, maxPrepared = 50 }: CompiledListParameters): CompiledList {
  const statements = new Map<string, Statement>();
  const share = sharedReads();
  /** Names given out (by text, so a shape dropped and built again keeps its name). */
  const prepared = new Map<string, string>();

  function cached(key: string, build: () => Statement): Statement {
    let statement = statements.get(key);
    if (statement) {
      statements.delete(key);
    } else {
      statement = build();
      if (statements.size >= maxShapes) statements.delete(statements.keys().next().value!);
    }
    statements.set(key, statement);
    return statement;
  }

  function compile(query: { toSQL(): { sql: string; params: unknown[] } }, fields: Array<[string, ListField | undefined]>): Statement {
    const { sql: text, params } = query.toSQL();
    let name = prepared.get(text);
    if (name === undefined && prepared.size < maxPrepared) {
      name = `conclave_${crypto.createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      prepared.set(text, name);
    }
    return {
      text,
      name,
      slots: params.map((param) => (is(param, Placeholder) ? param.name : { value: param })),
      names: fields.map(([name]) => name),
      decoders: fields.map(([, field]) => field && decoderOf(field)),
    };
  }

  /** Rows are shared by the requests that asked at once, so they are frozen: no request can change another's. */
  async function query(statement: Statement, values: unknown[]): Promise<ReadonlyArray<Readonly<Record<string, unknown>>>> {
    const rows = await queryArrays(db, statement.text, values, statement.name);
    const { names, decoders } = statement;
    return rows.map((cells) => {
      const row: Record<string, unknown> = {};
      for (let index = 0; index < names.length; index++) {
        const value = cells[index];
        const decode = decoders[index];
        row[names[index]] = value === null || decode === undefined ? value : decode(value);
      }
      return Object.freeze(row);
    });
  }

  async function run(statement: Statement, bound: Record<string, unknown>) {
    const values = statement.slots.map((slot) => (typeof slot === 'string' ? bound[slot] : slot.value));
    const rows = await share(`${statement.text}\0${JSON.stringify(values)}`, () => query(statement, values));
    return rows.slice();
  }

  return async function list(args, selection) {
    const page = pageOf(spec, args);
    const filter = filterOf(spec, args.where);
    const bound: Record<string, unknown> = { limit: page.limit, offset: page.offset };
    for (const { field, first, size } of filter.conditions) {
      for (let slot = first; slot < first + size; slot++) bound[`p${slot}`] = encode(field.column, filter.values[slot]);
    }
    const orderColumn = page.orderField.column;
    if (args.after) {
      // Keyset paging: the order value of the row named by `after`, kept as the driver gave it (PGlite's
      // int8 beyond 2^53 is a bigint: sent as text, which also keeps it out of JSON in the read's key).
      const cursor = cached(`after ${orderColumn.name}`, () =>
        compile(db.select({ value: orderColumn }).from(table).where(eq(spec.id, sql.placeholder('after'))), [['value', undefined]]),
      );
      const [row] = await run(cursor, { after: args.after });
      if (!row) throw new ClientError('`after` must be the id of a row of the previous page');
      bound.afterValue = typeof row.value === 'bigint' ? String(row.value) : row.value;
      bound.afterId = args.after;
    }
    const names = Object.keys(selection);
    const shape = `${names.join(',')} | ${filter.shape} | ${orderColumn.name} ${page.direction}${args.after ? ' after' : ''}`;
    const statement = cached(shape, () => {
      const conditions = conditionsSql(filter.conditions, (slot) => sql.placeholder(`p${slot}`));
      if (args.after) conditions.push(afterCondition(page, spec.id, sql.placeholder('afterValue'), sql.placeholder('afterId')));
      const query = db
        .select(selection)
        .from(table)
        .where(and(...conditions))
        .orderBy(...page.order)
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'));
      return compile(query, names.map((name) => [name, selection[name]]));
    });
    return run(statement, bound);
  };
}
