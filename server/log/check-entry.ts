/**
 * Checks one stored log entry on its own: its hash (over its own `prev_hash`) and its signed envelope, with
 * no database and no other entry, so entries can be checked in any order or in parallel. Whether `prev_hash`
 * is the hash of the entry before is the caller's check, made in log order.
 */
import type { Config } from '../config/load-config.ts';
import type { LogRow } from '../ingest/log-writer.ts';
import { parseEnvelope, type ParsedEnvelope } from '../ingest/parse-envelope.ts';
import { recoverSigner } from '../ingest/recover-signer.ts';
import { entryHash } from './entry-hash.ts';
import type { StoredLogRow } from './read-log.ts';

/** Where and why the log stops being what it says. */
export type Divergence = {
  /** The entry, or for a table the first row that differs. */
  mci: number | null;
  check: 'chain' | 'hash' | 'envelope' | 'replay' | 'table';
  detail: string;
};

export type CheckEntryParameters = {
  source: StoredLogRow;
  config: Pick<Config, 'timestampMaxAge' | 'timestampMaxLead'>;
};

export type CheckEntryReturnType = {
  mci: number;
  row: LogRow;
  /** The entry's hash recomputed over its stored `prev_hash`. */
  hash: string;
  /** The envelope as the service parsed it (null at a divergence before the envelope check passed). */
  parsed: ParsedEnvelope | null;
  divergence: Divergence | null;
};

/** The stored row as a log entry, bigints as numbers and the envelope as an object. */
export function toLogRow(source: StoredLogRow): LogRow {
  return {
    id: source.id,
    ipfs: source.ipfs,
    address: source.address,
    version: source.version,
    timestamp: Number(source.timestamp),
    space: source.space,
    type: source.type,
    sig: source.sig,
    receipt: source.receipt,
    envelope: typeof source.envelope === 'string' ? JSON.parse(source.envelope) : source.envelope,
    received: Number(source.received),
  };
}

/** Runs the checks in order (hash, envelope, signature) and stops at the first that fails. */
export function checkEntry({ source, config }: CheckEntryParameters): CheckEntryReturnType {
  const mci = Number(source.mci);
  const row = toLogRow(source);
  const hash = entryHash(source.prev_hash, { ...row, mci });
  const stop = (check: Divergence['check'], detail: string, parsed: ParsedEnvelope | null = null): CheckEntryReturnType => ({
    mci,
    row,
    hash,
    parsed,
    divergence: { mci, check, detail },
  });
  if (hash !== source.hash) {
    return stop('hash', `hash ${source.hash || '(none)'} does not match the entry's contents (${hash}): the entry was altered`);
  }

  // The envelope, as the service checked it when it was received.
  let parsed: ParsedEnvelope;
  try {
    parsed = parseEnvelope({
      body: row.envelope,
      now: row.received,
      timestampMaxAge: config.timestampMaxAge,
      timestampMaxLead: config.timestampMaxLead,
    });
  } catch (error) {
    return stop('envelope', `the envelope is refused: ${(error as Error).message}`);
  }
  const stated: Array<[string, unknown, unknown]> = [
    ['id', parsed.id, row.id],
    ['type', parsed.kind, row.type],
    ['sig', parsed.envelope.sig, row.sig],
    ['timestamp', parsed.message.timestamp, row.timestamp],
    ['space', typeof parsed.message.space === 'string' ? parsed.message.space : '', row.space],
  ];
  const wrong = stated.find(([, derived, stored]) => derived !== stored);
  if (wrong) {
    return stop('envelope', `${wrong[0]} ${String(wrong[2])} does not match the signed envelope (${String(wrong[1])})`, parsed);
  }
  // Only an EOA signature can be checked without a chain: the signer must be exactly what recovery gives.
  if (recoverSigner(parsed.id, parsed.envelope.sig) !== row.address) {
    return stop('envelope', `the signature does not recover to the signer ${row.address}`, parsed);
  }
  return { mci, row, hash, parsed, divergence: null };
}
