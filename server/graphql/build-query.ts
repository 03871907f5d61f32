/** Turns Snapshot-style `where`/`first`/`skip`/`orderBy` arguments into SQL conditions and paging. */
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, ne, notInArray, or, type AnyColumn, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { getAddress } from '@ethersproject/address';
import { ClientError } from '../errors.ts';

export type FieldKind = 'string' | 'address' | 'number';
export type FieldSpec = { column: PgColumn; kind: FieldKind };
export type EntitySpec = {
  fields: Record<string, FieldSpec>;
  /** Fields a client may order by; the first is the default. */
  orderBy: string[];
  /** Column that breaks ties and identifies a row for cursors. */
  id: PgColumn;
  /** Per-field override of the 100-item cap on `_in` lists. */
  inLimits?: Record<string, number>;
  maxSkip?: number;
};

/** Snapshot hub's caps. */
export const LIMITS = { first: 1000, skip: 5000, in: 100, defaultFirst: 20 };

const OPERATORS = ['_not_in', '_in', '_not', '_gte', '_gt', '_lte', '_lt'] as const;
type Operator = (typeof OPERATORS)[number] | '';

function splitKey(key: string): [string, Operator] {
  for (const operator of OPERATORS) {
    if (key.endsWith(operator)) return [key.slice(0, -operator.length), operator];
  }
  return [key, ''];
}

function normalise(kind: FieldKind, value: unknown): unknown {
  if (kind === 'address' && typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value)) return getAddress(value);
  return value;
}

/** One condition of `where` on a field `spec` knows: its key (`voter_in`), its values' slots in `Filter.values`. */
export type Condition = { key: string; field: FieldSpec; operator: Operator; first: number; size: number };

/** `where` checked and normalised: its conditions, their values in order, and its shape (what the SQL depends on). */
export type Filter = { conditions: Condition[]; values: unknown[]; shape: string };

/** Checks `where` against `spec` (list caps) and normalises its values (checksummed addresses); other keys are left to the caller. */
export function filterOf(spec: EntitySpec, where: Record<string, unknown> | null | undefined): Filter {
  const conditions: Condition[] = [];
  const values: unknown[] = [];
  let shape = '';
  if (!where) return { conditions, values, shape };
  for (const key of Object.keys(where)) {
    const raw = where[key];
    if (raw === null || raw === undefined) continue;
    const [name, operator] = splitKey(key);
    const field = spec.fields[name];
    if (!field) continue;
    const first = values.length;
    if (operator === '_in' || operator === '_not_in') {
      const list = (raw as unknown[]).filter((item) => item !== null).map((item) => normalise(field.kind, item));
      const cap = spec.inLimits?.[name] ?? LIMITS.in;
      if (list.length > cap) throw new ClientError(`\`${key}\` accepts at most ${cap} items`);
      // An empty `_in` matches nothing (`IN (NULL)`); an empty `_not_in` is no condition.
      if (list.length === 0 && operator === '_not_in') continue;
      values.push(...(list.length === 0 ? [null] : list));
    } else {
      values.push(normalise(field.kind, raw));
    }
    conditions.push({ key, field, operator, first, size: values.length - first });
    shape += `${key}:${values.length - first},`;
  }
  return { conditions, values, shape };
}

/** The SQL of `conditions`, each value given by `value(slot)`: the value itself, or a placeholder for a statement built once. */
export function conditionsSql(conditions: Condition[], value: (slot: number) => unknown): SQL[] {
  return conditions.map(({ field: { column }, operator, first, size }) => {
    const values = Array.from({ length: size }, (_, index) => value(first + index));
    switch (operator) {
      case '_in':
        return inArray(column, values);
      case '_not_in':
        return notInArray(column, values);
      case '':
        return eq(column, values[0]);
      case '_not':
        return ne(column, values[0]);
      case '_gt':
        return gt(column, values[0]);
      case '_gte':
        return gte(column, values[0]);
      case '_lt':
        return lt(column, values[0]);
      case '_lte':
        return lte(column, values[0]);
    }
  });
}

/** Builds the conditions of `where` for the fields `spec` knows; other keys are left to the caller. */
export function whereConditions(spec: EntitySpec, where: Record<string, unknown> | null | undefined): SQL[] {
  const { conditions, values } = filterOf(spec, where);
  return conditionsSql(conditions, (slot) => values[slot]);
}

export type PageArguments = {
  first?: number | null;
  skip?: number | null;
  orderBy?: string | null;
  orderDirection?: 'asc' | 'desc' | null;
};

export type Page = { limit: number; offset: number; readonly order: SQL[]; orderField: FieldSpec; direction: 'asc' | 'desc' };

/** Checks the caps and returns limit, offset and the ORDER BY (ties broken by id in the same direction, so one index serves it). */
export function pageOf(spec: EntitySpec, { first, skip, orderBy, orderDirection }: PageArguments): Page {
  const limit = first ?? LIMITS.defaultFirst;
  const offset = skip ?? 0;
  const maxSkip = spec.maxSkip ?? LIMITS.skip;
  if (limit < 0 || limit > LIMITS.first) throw new ClientError(`\`first\` must be between 0 and ${LIMITS.first}`);
  if (offset < 0 || offset > maxSkip) throw new ClientError(`\`skip\` must be between 0 and ${maxSkip}; page further with \`after\` or a created filter`);
  const fieldName = orderBy ?? spec.orderBy[0];
  if (!spec.orderBy.includes(fieldName)) throw new ClientError(`\`orderBy\` must be one of ${spec.orderBy.join(', ')}`);
  const orderField = spec.fields[fieldName];
  const direction = orderDirection ?? 'desc';
  const sort = direction === 'asc' ? asc : desc;
  return {
    limit,
    offset,
    orderField,
    direction,
    // Built when asked for: a statement built once per shape needs it only the first time.
    get order() {
      return [sort(orderField.column), sort(spec.id)];
    },
  };
}

/** The keyset condition for rows after the row whose order value and id are given. */
export function afterCondition(page: Page, id: AnyColumn, value: unknown, rowId: unknown): SQL {
  const beyond = page.direction === 'asc' ? gt : lt;
  return or(beyond(page.orderField.column, value), and(eq(page.orderField.column, value), beyond(id, rowId)))!;
}
