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

export type ReadLogPageOptions = {
  /** The schema holding the log (default: the search path's). */
  schema?: string;
  /** The envelope as its JSON text, not parsed (cheap to hand to a worker thread). */
  envelopeAsText?: boolean;
};

/** Up to `pageSize` entries after `afterMci`. */
export function readLogPage(db: Db, afterMci: number, pageSize: number, { schema, envelopeAsText = false }: ReadLogPageOptions = {}): Promise<StoredLogRow[]> {
  const table = schema ? sql`${sql.identifier(schema)}.messages` : sql`messages`;
  const envelope = envelopeAsText ? sql`envelope::text AS envelope` : sql`envelope`;
  return queryRows<StoredLogRow>(
    db,
    sql`SELECT mci, id, ipfs, address, version, timestamp, space, type, sig, receipt, ${envelope}, received, prev_hash, hash
          FROM ${table} WHERE mci > ${afterMci} ORDER BY mci LIMIT ${pageSize}`,
  );
}
