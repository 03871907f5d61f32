/** The columns a list query must read for the fields a GraphQL selection asks for. */
import type { GraphQLResolveInfo } from 'graphql';

export type SelectedColumnsParameters<C extends Record<string, unknown>> = {
  info: GraphQLResolveInfo;
  /** Every column the entity can return, by output name. */
  columns: C;
  /** For fields resolved from other columns (loaders, nested objects), the columns they read. */
  needs: Partial<Record<string, ReadonlyArray<keyof C & string>>>;
  /** Always read (the id, for keys and cursors). */
  always: ReadonlyArray<keyof C & string>;
};

/**
 * Only the requested columns, so a page of 100 rows does not fetch, parse and map columns nobody
 * asked for; every column when the selection uses fragments (not worth resolving here).
 */
export function selectedColumns<C extends Record<string, unknown>>({ info, columns, needs, always }: SelectedColumnsParameters<C>): Partial<C> {
  const names = new Set<string>(always);
  for (const node of info.fieldNodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      if (selection.kind !== 'Field') return columns;
      const field = selection.name.value;
      for (const name of needs[field] ?? [field]) if (name in columns) names.add(name);
    }
  }
  return Object.fromEntries([...names].map((name) => [name, columns[name]])) as Partial<C>;
}
