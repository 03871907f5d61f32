/**
 * The hash chain over the message log: each entry's hash covers the previous entry's hash and every
 * field of the entry (mci, id, signature, the envelope as canonical JSON, the receipt…), so altering,
 * dropping or reordering any accepted message changes every hash after it.
 */
import crypto from 'node:crypto';
import { canonicalJson } from '../ingest/content-id.ts';
import type { LogRow } from '../ingest/log-writer.ts';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = `0x${'0'.repeat(64)}`;

/** The fields of a log entry the hash covers (the `messages` row less its hashes). */
export type HashedEntry = LogRow & { mci: number };

/** sha256 over the previous hash and the entry's canonical fields, as 0x-prefixed hex. */
export function entryHash(prevHash: string, entry: HashedEntry): string {
  const text = canonicalJson([
    prevHash,
    entry.mci,
    entry.id,
    entry.ipfs,
    entry.address,
    entry.version,
    entry.timestamp,
    entry.space,
    entry.type,
    entry.sig,
    entry.receipt,
    entry.received,
    entry.envelope,
  ]);
  return `0x${crypto.createHash('sha256').update(text).digest('hex')}`;
}
