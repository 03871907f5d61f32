/**
 * The hash chain over the message log: each entry's hash covers the previous entry's hash and every
 * field of the entry (mci, id, signature, the envelope as canonical JSON, the receipt…), so altering,
 * dropping or reordering any accepted message changes every hash after it.
 */
import crypto from 'node:crypto';

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = `0x${'0'.repeat(64)}`;

/** The fields of a log entry the hash covers (the `messages` row less its hashes). */
export type HashedEntry = {
  mci: number;
  id: string;
  ipfs: string;
  address: string;
  version: string;
  timestamp: number;
  space: string;
  type: string;
  sig: string;
  receipt: string;
  envelope: unknown;
  received: number;
};

/** JSON with object keys sorted, so the envelope hashes the same before and after a jsonb round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

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
