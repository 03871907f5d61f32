/** Reads the message log in mci order, a page at a time, as stored (hashes included). */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import type { LogRow } from '../ingest/log-writer.ts';

/** A `messages` row as the drivers return it (bigints may come back as strings). */
export type StoredLogRow = Omit<LogRow, 'timestamp' | 'received'> & {
  mci: string | number;
  timestamp: string | number;
  received: string | number;
  prev_hash: string;
  hash: string;
};

/** Up to `pageSize` entries after `afterMci`. */
export function readLogPage(db: Db, afterMci: number, pageSize: number): Promise<StoredLogRow[]> {
  return queryRows<StoredLogRow>(
    db,
    sql`SELECT mci, id, ipfs, address, version, timestamp, space, type, sig, receipt, envelope, received, prev_hash, hash
          FROM messages WHERE mci > ${afterMci} ORDER BY mci LIMIT ${pageSize}`,
  );
}
