/** Chains log entries written before the hash chain existed (migration 0002 left them with an empty hash). */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import { LOG_LOCK } from '../ingest/log-writer.ts';
import { entryHash, GENESIS_HASH } from './entry-hash.ts';
import { readLogPage } from './read-log.ts';

/** Recomputes the chain from the first unchained entry on, under the log lock; returns the entries rewritten. */
export async function backfillChain(db: Db, pageSize = 1000): Promise<number> {
  const [{ missing }] = await queryRows<{ missing: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM messages WHERE hash = '') AS missing`);
  if (!missing) return 0;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOG_LOCK})`);
    let prevHash = GENESIS_HASH;
    let after = -1;
    let rewritten = 0;
    for (;;) {
      const page = await readLogPage(tx, after, pageSize);
      if (page.length === 0) break;
      after = Number(page[page.length - 1].mci);
      const changed: Array<{ mci: number; prevHash: string; hash: string }> = [];
      for (const row of page) {
        const entry = { ...row, mci: Number(row.mci), timestamp: Number(row.timestamp), received: Number(row.received) };
        const hash = entryHash(prevHash, entry);
        if (row.prev_hash !== prevHash || row.hash !== hash) changed.push({ mci: entry.mci, prevHash, hash });
        prevHash = hash;
      }
      if (changed.length > 0) {
        await tx.execute(sql`
          UPDATE messages m SET prev_hash = u.prev_hash, hash = u.hash
            FROM unnest(${sql.param(changed.map((c) => c.mci))}::bigint[], ${sql.param(changed.map((c) => c.prevHash))}::text[],
                        ${sql.param(changed.map((c) => c.hash))}::text[]) AS u(mci, prev_hash, hash)
           WHERE m.mci = u.mci`);
        rewritten += changed.length;
      }
    }
    return rewritten;
  });
}
