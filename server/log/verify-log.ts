/**
 * Verifies the message log from its first entry: the hash chain (nothing altered, dropped or reordered),
 * every envelope (its id is the EIP-712 digest of what was signed, the signature recovers to the signer),
 * and the derived tables (replaying the log through the same kind modules into an empty scratch schema
 * gives exactly the rows stored). Stops at the first divergence.
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/load-config.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import type { Envelope } from '../ingest/parse-envelope.ts';
import { toLogRow, type Divergence } from './check-entry.ts';
import { compareTables } from './compare-tables.ts';
import { createEntryChecker, type EntryCheck, type EntryChecker } from './create-entry-checker.ts';
import { createReplayer, type Replayer } from './create-replayer.ts';
import { GENESIS_HASH } from './entry-hash.ts';
import { inReplaySchema } from './in-replay-schema.ts';
import { readLogPage, type StoredLogRow } from './read-log.ts';

export type { Divergence } from './check-entry.ts';

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
  /** Entries read per query. */
  pageSize?: number;
  /** Worker threads checking hashes and signatures (default: one per core; the replay mostly waits on the database). */
  workers?: number;
  /** Most votes the replay applies in one batch (the default suits large logs). */
  voteBatch?: number;
};

/** Checks the whole log; `divergence` names the first entry or row that is not what the log says. */
export async function verifyLog({ db, config, chainOnly = false, pageSize = 2000, workers, voteBatch }: VerifyLogParameters): Promise<VerifyLogReturnType> {
  const checker = createEntryChecker({ config, workers: workers ?? os.availableParallelism() });
  try {
    // A worker takes ~0.2 s of CPU to load: for a large log, it loads while the scratch schema is migrated.
    if ((await logSpan(db)) >= LARGE_LOG) checker.start();
    if (chainOnly) return await walkLog(db, checker, pageSize, undefined, undefined);
    return await inReplaySchema(db, async ({ tx, source, replay }) => {
      const walked = await walkLog(tx, checker, pageSize, source, createReplayer({ db: tx, config, maxBatch: voteBatch }));
      if (!walked.ok) return walked;
      const { divergence, rows } = await compareTables({ tx, source, replay });
      return { ...walked, ok: divergence === null, divergence, rows };
    });
  } finally {
    await checker.close();
  }
}

/** Pages read and handed to the workers ahead of the one replayed. */
const PAGES_AHEAD = 2;

/** Entries from which the workers are started before the first page is read. */
const LARGE_LOG = 5000;

/** How many mci the log spans (its size, give or take gaps), from the primary key alone. */
async function logSpan(db: Db): Promise<number> {
  const [{ span }] = await queryRows<{ span: string | number | null }>(db, sql`SELECT max(mci) - min(mci) + 1 AS span FROM messages`);
  return Number(span ?? 0);
}

type Stage = { rows: StoredLogRow[]; checks: Promise<EntryCheck[]> };

/** Reads the log in mci order and checks each entry, replaying it when a replayer is given. */
async function walkLog(db: Db, checker: EntryChecker, pageSize: number, schema: string | undefined, replayer: Replayer | undefined): Promise<VerifyLogReturnType> {
  let prevHash = GENESIS_HASH;
  let head: VerifyLogReturnType['head'] = null;
  let count = 0;
  const result = (divergence: Divergence | null): VerifyLogReturnType => ({ ok: divergence === null, messages: count, head, divergence, rows: {} });
  // Entries handed to the replayer and not yet applied, with the count and head before each: a vote refused
  // when its batch is applied is reported with what was verified before it, as if it had been refused at once.
  const trail: Array<{ mci: number; count: number; head: VerifyLogReturnType['head'] }> = [];
  const rewind = (divergence: Divergence) => {
    const at = trail.find((entry) => entry.mci === divergence.mci);
    if (at) ({ count, head } = at);
    return result(divergence);
  };

  // A pipeline: while the main thread replays page n, the next pages are read and checked on the workers,
  // so that they are never idle while the replay runs (nor the replay while they check).
  const stage = (afterMci: number): Promise<Stage> =>
    readLogPage(db, afterMci, pageSize, { schema, envelopeAsText: true }).then((rows) => {
      const checks = rows.length === 0 ? Promise.resolve([]) : checker.check(rows);
      checks.catch(() => {});
      return { rows, checks };
    });
  const ahead: Array<Promise<Stage>> = [];
  let last: Promise<Stage> | undefined;
  const readAhead = () => {
    while (ahead.length < PAGES_AHEAD) {
      last = last ? last.then(({ rows }) => (rows.length === 0 ? { rows, checks: Promise.resolve([]) } : stage(Number(rows[rows.length - 1].mci)))) : stage(-1);
      // What is still in flight when a divergence ends the walk is not needed.
      last.catch(() => {});
      ahead.push(last);
    }
  };
  // A divergence of the chain or of an entry comes after the votes queued for the replay: one of them may come first.
  const stop = async (divergence: Divergence) => rewind((replayer && (await replayer.finish())) || divergence);
  readAhead();
  for (;;) {
    const { rows, checks } = await ahead.shift()!;
    if (rows.length === 0) break;
    readAhead();
    const checked = await checks;
    for (const [index, source] of rows.entries()) {
      const mci = Number(source.mci);
      if (source.prev_hash !== prevHash) {
        return stop({
          mci,
          check: 'chain',
          detail: `prev_hash ${source.prev_hash || '(none)'} is not the hash of the entry before (${prevHash}${head ? `, mci ${head.mci}` : ''}): an entry was dropped, inserted or reordered`,
        });
      }
      const { hash, kind, id, divergence } = checked[index];
      if (divergence) return stop(divergence);
      if (replayer) {
        const row = toLogRow(source);
        const envelope = row.envelope as Envelope;
        trail.push({ mci, count, head });
        const refused = await replayer.add({ mci, row, parsed: { envelope, kind: kind!, id: id!, message: envelope.data.message } });
        if (refused) return rewind(refused);
        if (replayer.queued() === 0) trail.length = 0;
      }
      prevHash = hash;
      head = { mci, hash };
      count++;
    }
  }
  const divergence = replayer ? await replayer.finish() : null;
  return divergence ? rewind(divergence) : result(null);
}
