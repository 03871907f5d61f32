/**
 * Verifies the message log from its first entry: the hash chain (nothing altered, dropped or reordered),
 * every envelope (its id is the EIP-712 digest of what was signed, the signature recovers to the signer),
 * and the derived tables (replaying the log through the same kind modules into a fresh in-memory
 * database gives exactly the rows stored). Stops at the first divergence.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '../config/load-config.ts';
import { openDatabase, queryRows, type Database, type Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { checkSender } from '../ingest/check-sender.ts';
import type { KindModule } from '../ingest/kind-module.ts';
import { KIND_MODULES } from '../ingest/kinds/index.ts';
import type { LogRow } from '../ingest/log-writer.ts';
import { parseEnvelope } from '../ingest/parse-envelope.ts';
import { recoverSigner } from '../ingest/recover-signer.ts';
import { loadProposal, loadSpace, type ProposalRecord, type SpaceRecord } from '../ingest/records.ts';
import { entryHash, GENESIS_HASH } from './entry-hash.ts';
import { readLogPage } from './read-log.ts';
import crypto from 'node:crypto';
import { createMembership, type Membership } from '../membership/create-membership.ts';
import { createServiceKey } from '../service-key.ts';

export type Divergence = {
  /** The entry, or for a table the first row that differs. */
  mci: number | null;
  check: 'chain' | 'hash' | 'envelope' | 'replay' | 'table';
  detail: string;
};

export type VerifyLogReturnType = {
  ok: boolean;
  /** Entries checked (all of them when ok). */
  messages: number;
  /** The mci and hash of the last entry checked. */
  head: { mci: number; hash: string } | null;
  divergence: Divergence | null;
  /** Derived rows compared, by table. */
  rows: Record<string, number>;
};

export type VerifyLogParameters = {
  db: Db;
  /** Same timestamp window and limits as the service that wrote the log. */
  config: Config;
  /** Skip re-deriving the tables (chain and signatures only). */
  chainOnly?: boolean;
  pageSize?: number;
};

/** The derived tables and the columns that order them, compared row by row after the replay. */
const DERIVED_TABLES: Array<[string, string]> = [
  ['spaces', 'id'],
  ['proposals', 'id'],
  ['votes', 'proposal, voter'],
  ['vote_history', 'id'],
  ['follows', 'follower, space'],
  ['aliases', 'alias'],
];

const VOTE_KINDS = new Set(['vote', 'vote-array', 'vote-string']);

/** Checks the whole log; `divergence` names the first entry or row that is not what the log says. */
export async function verifyLog({ db, config, chainOnly = false, pageSize = 2000 }: VerifyLogParameters): Promise<VerifyLogReturnType> {
  let replay: Database | undefined;
  if (!chainOnly) {
    replay = await openDatabase({ dataDir: ':memory:' });
    await replay.migrate();
  }
  try {
    return await run(db, config, replay, pageSize);
  } finally {
    await replay?.close();
  }
}

async function run(db: Db, config: Config, replay: Database | undefined, pageSize: number): Promise<VerifyLogReturnType> {
  // Identity checks need a membership service over the replay database (its credentials are not in the log).
  const replayMembership: Membership | undefined = replay
    ? createMembership({ db: replay.db, config, serviceKey: createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`) })
    : undefined;
  let prevHash = GENESIS_HASH;
  let head: VerifyLogReturnType['head'] = null;
  let count = 0;
  const result = (divergence: Divergence | null, rows: Record<string, number> = {}): VerifyLogReturnType => ({
    ok: divergence === null,
    messages: count,
    head,
    divergence,
    rows,
  });

  // Replay state: spaces and proposals cached until a non-vote message may change them; votes applied in runs.
  const spaces = new Map<string, Promise<SpaceRecord | null>>();
  const proposals = new Map<string, Promise<ProposalRecord | null>>();
  let votes: Array<{ prepared: unknown; row: LogRow; mci: number }> = [];
  const flushVotes = async (): Promise<Divergence | null> => {
    if (!replay || votes.length === 0) return null;
    const batch = votes;
    votes = [];
    const refused = await replay.db.transaction((tx) => KIND_MODULES.vote.apply(tx as unknown as Db, batch));
    for (const [position, error] of refused) {
      return { mci: batch[position].mci, check: 'replay', detail: `replaying the log refuses this vote: ${error.message}` };
    }
    return null;
  };

  let after = -1;
  for (;;) {
    const page = await readLogPage(db, after, pageSize);
    if (page.length === 0) break;
    after = Number(page[page.length - 1].mci);
    for (const source of page) {
      const mci = Number(source.mci);
      const row: LogRow = {
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
      if (source.prev_hash !== prevHash) {
        return result({
          mci,
          check: 'chain',
          detail: `prev_hash ${source.prev_hash || '(none)'} is not the hash of the entry before (${prevHash}${head ? `, mci ${head.mci}` : ''}): an entry was dropped, inserted or reordered`,
        });
      }
      const hash = entryHash(prevHash, { ...row, mci });
      if (hash !== source.hash) {
        return result({ mci, check: 'hash', detail: `hash ${source.hash || '(none)'} does not match the entry's contents (${hash}): the entry was altered` });
      }

      // The envelope, as the service checked it when it was received.
      let parsed;
      try {
        parsed = parseEnvelope({
          body: row.envelope,
          now: row.received,
          timestampMaxAge: config.timestampMaxAge,
          timestampMaxLead: config.timestampMaxLead,
        });
      } catch (error) {
        return result({ mci, check: 'envelope', detail: `the envelope is refused: ${(error as Error).message}` });
      }
      const stated: Array<[string, unknown, unknown]> = [
        ['id', parsed.id, row.id],
        ['type', parsed.kind, row.type],
        ['sig', parsed.envelope.sig, row.sig],
        ['timestamp', parsed.message.timestamp, row.timestamp],
        ['space', typeof parsed.message.space === 'string' ? parsed.message.space : '', row.space],
      ];
      const wrong = stated.find(([, derived, stored]) => derived !== stored);
      if (!wrong && recoverSigner(parsed.id, parsed.envelope.sig) !== row.address) {
        return result({ mci, check: 'envelope', detail: `the signature does not recover to the signer ${row.address}` });
      }
      if (wrong) {
        return result({ mci, check: 'envelope', detail: `${wrong[0]} ${String(wrong[2])} does not match the signed envelope (${String(wrong[1])})` });
      }

      if (replay) {
        const kind = parsed.kind;
        const isVote = VOTE_KINDS.has(kind);
        if (!isVote) {
          const divergence = await flushVotes();
          if (divergence) return result(divergence);
        }
        const replayDb = replay.db;
        try {
          const { from, signer, space } = await checkSender({
            db: replayDb,
            config,
            now: row.received,
            parsed,
            getSpace: (id) => cached(spaces, id, () => loadSpace(replayDb, id)),
          });
          if (signer !== row.address) throw new ClientError(`the signer is ${signer}, the log says ${row.address}`);
          const module = KIND_MODULES[kind] as KindModule<unknown>;
          const prepared = await module.verify({
            db: replayDb,
            config,
            now: row.received,
            parsed,
            from,
            space,
            loadProposal: (id) => cached(proposals, id, () => loadProposal(replayDb, id)),
            // Credentials are submitted outside the log: votes of identity-required spaces cannot be
            // re-checked from the log alone, and show as divergences (see docs/reliability.md).
            membership: replayMembership!,
          });
          if (isVote) {
            votes.push({ prepared, row, mci });
          } else {
            const refused = await replayDb.transaction((tx) => module.apply(tx as unknown as Db, [{ prepared, row, mci }]));
            const [error] = refused.values();
            if (error) throw error;
            spaces.clear();
            proposals.clear();
          }
        } catch (error) {
          if (!(error instanceof ClientError)) throw error;
          return result({ mci, check: 'replay', detail: `replaying the log refuses this message: ${error.message}` });
        }
      }
      prevHash = hash;
      head = { mci, hash };
      count++;
    }
  }
  const divergence = await flushVotes();
  if (divergence) return result(divergence);
  if (!replay) return result(null);
  return compareTables(db, replay.db, result);
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

/** Compares each derived table with its replayed copy, row by row in key order. */
async function compareTables(
  db: Db,
  replayDb: Db,
  result: (divergence: Divergence | null, rows?: Record<string, number>) => VerifyLogReturnType,
): Promise<VerifyLogReturnType> {
  const rows: Record<string, number> = {};
  for (const [table, key] of DERIVED_TABLES) {
    const read = (from: Db) =>
      queryRows<{ r: string; mci: string | number | null }>(
        from,
        sql.raw(`SELECT row_to_json(t)::text AS r, ${table === 'follows' || table === 'aliases' ? 'NULL' : 'mci'} AS mci FROM ${table} t ORDER BY ${key}`),
      );
    const [stored, derived] = await Promise.all([read(db), read(replayDb)]);
    rows[table] = stored.length;
    for (let index = 0; index < Math.max(stored.length, derived.length); index++) {
      const have = stored[index];
      const want = derived[index];
      if (have?.r === want?.r) continue;
      const mci = want?.mci ?? have?.mci ?? null;
      return result(
        {
          mci: mci === null ? null : Number(mci),
          check: 'table',
          detail: `${table}: the database has ${have ? have.r : 'no row'} where replaying the log gives ${want ? want.r : 'no row'}`,
        },
        rows,
      );
    }
  }
  return result(null, rows);
}
