/** Drops the cached analyzers of proposals that closed, were decided or deleted: their reports are no longer live. */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import type { LiveAnalyzers } from './live-analyzers.ts';

export type EvictClosedAnalyzersParameters = { db: Db; analyzers: LiveAnalyzers; /** Server time, unix seconds. */ now: number };

/** Returns how many entries were dropped. */
export async function evictClosedAnalyzers({ db, analyzers, now }: EvictClosedAnalyzersParameters): Promise<number> {
  const cached = analyzers.keys();
  if (cached.length === 0) return 0;
  const open = await queryRows<{ id: string }>(
    db,
    sql`SELECT id FROM proposals WHERE id = ANY(${sql.param(cached)}::text[]) AND start <= ${now} AND "end" >= ${now} AND scores_state <> 'final'`,
  );
  const keep = new Set(open.map((row) => row.id));
  const closed = cached.filter((id) => !keep.has(id));
  for (const id of closed) analyzers.delete(id);
  return closed.length;
}
