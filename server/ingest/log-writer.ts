/**
 * The single write path for accepted messages. Concurrent requests are grouped into one transaction
 * (group commit): each message is acknowledged only after the transaction holding it commits.
 * A cluster-wide advisory lock orders log appends, so `mci` order is commit order on every instance,
 * and each entry's `prev_hash` is the hash of the head read under that lock (a chain with no forks).
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { entryHash, GENESIS_HASH } from '../log/entry-hash.ts';

/** One row of the message log, without its `mci`. */
export type LogRow = {
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

/** How a message kind writes its derived rows. Batch appliers return the items they refused, with why. */
export type BatchApplier<P> = (
  tx: Db,
  items: ReadonlyArray<{ prepared: P; row: LogRow; mci: number }>,
) => Promise<Map<number, ClientError>>;

type Pending = {
  applier: BatchApplier<unknown>;
  prepared: unknown;
  row: LogRow;
  resolve(mci: number): void;
  reject(error: unknown): void;
};

/** What a commit listener learns about each message of a committed transaction (details are in the tables). */
export type CommittedEntry = {
  mci: number;
  /** The message kind (`vote`, `proposal`, …). */
  type: string;
  space: string;
  /** The message id (for `proposal`, also the proposal id). */
  id: string;
  /** The proposal the message names, when it names one. */
  proposal?: string;
};

/** Called once per committed transaction with its accepted messages, in `mci` order; must not throw. */
export type CommitListener = (entries: CommittedEntry[]) => void;

export type LogWriter = {
  /** Applies and appends one message; resolves with its `mci` once committed. */
  write<P>(applier: BatchApplier<P>, prepared: P, row: LogRow): Promise<number>;
  /** Waits for everything queued to be written. */
  drain(): Promise<void>;
  /** Adds a post-commit listener (events, webhooks, jobs); returns its removal. */
  onCommitted(listener: CommitListener): () => void;
};

export type CreateLogWriterParameters = {
  db: Db;
  /** Largest number of messages in one transaction. */
  maxBatch?: number;
  /** Post-commit listener, as `onCommitted`. */
  onCommitted?: CommitListener;
  /** Chain each entry to the previous one (default); off only to measure its cost in benchmarks. */
  hashChain?: boolean;
  /** The driver behind `db`: on a PostgreSQL server the lock and the head read go in one round trip. */
  driver?: 'pg' | 'pglite';
};

/** Arbitrary constant naming the log lock among PostgreSQL advisory locks. */
export const LOG_LOCK = 4_201_338;

/**
 * Creates the writer. One transaction holds the log lock and writes; meanwhile the next one has begun
 * and waits for the lock, and takes the messages queued by the time it gets it. The lock passes from
 * one commit to the next inside PostgreSQL, without a round trip through this process in between.
 */
export function createLogWriter({ db, maxBatch = 500, onCommitted, hashChain = true, driver = 'pglite' }: CreateLogWriterParameters): LogWriter {
  let queue: Pending[] = [];
  /** A transaction has begun and not yet taken its batch: it takes whatever is queued then. */
  let waiting = false;
  let scheduled = false;
  /** Settles when the latest transaction has reported; each reports after the one before it. */
  let reported: Promise<void> = Promise.resolve();
  const running = new Set<Promise<void>>();
  const listeners = new Set<CommitListener>(onCommitted ? [onCommitted] : []);

  const committed = (entries: CommittedEntry[]) => {
    if (entries.length === 0) return;
    for (const listener of listeners) {
      try {
        listener(entries);
      } catch {
        // A listener's fault must not affect acknowledged writes; listeners log their own errors.
      }
    }
  };

  const take = (): Pending[] => {
    waiting = false;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    // The next transaction begins now and queues on the lock behind this one.
    start();
    return batch;
  };

  const start = () => {
    if (waiting || queue.length === 0) return;
    waiting = true;
    const previous = reported;
    const run = (async () => {
      let took = false;
      const result = await flush({
        db,
        take: () => {
          took = true;
          return take();
        },
        hashChain,
        driver,
      });
      // A transaction that failed before it took its batch fails the messages it would have taken.
      const batch = result.error !== undefined && !took ? take() : result.batch;
      // Acknowledge in commit (mci) order, so that listeners see entries in order too.
      await previous;
      const entries: CommittedEntry[] = [];
      batch.forEach((item, index) => {
        const entry = result.entries[index];
        if (entry) {
          item.resolve(entry.mci);
          entries.push(entry);
        } else item.reject(result.error ?? result.refused.get(item));
      });
      committed(entries);
    })();
    reported = run;
    running.add(run);
    void run.finally(() => running.delete(run));
  };

  return {
    write<P>(applier: BatchApplier<P>, prepared: P, row: LogRow) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ applier: applier as BatchApplier<unknown>, prepared, row, resolve, reject });
        // Start on the next tick so requests parsed in the same turn share a transaction.
        if (!scheduled && !waiting) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            start();
          });
        }
      });
    },
    async drain() {
      while (running.size > 0 || scheduled) {
        if (running.size > 0) await Promise.all(running);
        else await new Promise((next) => setImmediate(next));
      }
    },
    onCommitted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Takes the cluster-wide log lock for the rest of the transaction: writers of the log take turns. */
export async function lockLog(tx: Db): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOG_LOCK})`);
}

type Head = { mci: string | number; hash: string };

const HEAD_QUERY = 'SELECT mci, hash FROM messages ORDER BY mci DESC LIMIT 1';

/**
 * Takes the log lock and reads the head of the log. The head is read by a statement that starts after
 * the lock is granted, so its snapshot holds every entry committed before: on a server both statements
 * go in one simple-protocol query (each statement has its own snapshot), elsewhere one after the other.
 */
async function lockAndReadHead(tx: Db, driver: 'pg' | 'pglite'): Promise<Head | undefined> {
  if (driver === 'pg') {
    const results = (await tx.execute(sql.raw(`SELECT pg_advisory_xact_lock(${LOG_LOCK}); ${HEAD_QUERY}`))) as unknown as Array<{ rows: Head[] }>;
    return results[1].rows[0];
  }
  await lockLog(tx);
  const [head] = await queryRows<Head>(tx, sql.raw(HEAD_QUERY));
  return head;
}

/** The proposal a logged message names: its own id for `proposal`, else `message.proposal`. */
function proposalOf(row: LogRow): string | undefined {
  if (row.type === 'proposal') return row.id;
  const message = (row.envelope as { data?: { message?: { proposal?: unknown } } })?.data?.message;
  return typeof message?.proposal === 'string' ? message.proposal : undefined;
}

type FlushParameters = {
  db: Db;
  /** Takes the batch once the lock is held (and lets the next transaction begin). */
  take(): Pending[];
  hashChain: boolean;
  driver: 'pg' | 'pglite';
};

type FlushReturnType = {
  batch: Pending[];
  /** Per item of the batch: its entry when committed, undefined when refused or failed. */
  entries: Array<CommittedEntry | undefined>;
  refused: Map<Pending, ClientError>;
  /** Why the transaction failed, when it did (nothing of it was written). */
  error?: unknown;
};

/** Writes one batch in one transaction; reports each item's fate once the transaction has ended. */
async function flush({ db, take, hashChain, driver }: FlushParameters): Promise<FlushReturnType> {
  const refused = new Map<Pending, ClientError>();
  let batch: Pending[] = [];
  let mcis: number[] = [];
  try {
    await db.transaction(async (tx) => {
      const head = await lockAndReadHead(tx, driver);
      batch = take();
      if (batch.length === 0) return;
      const base = head ? Number(head.mci) : 0;
      mcis = batch.map((_, index) => base + index + 1);
      // Group by applier, keeping arrival order inside each group.
      const groups = new Map<BatchApplier<unknown>, number[]>();
      batch.forEach((item, index) => {
        const group = groups.get(item.applier) ?? [];
        group.push(index);
        groups.set(item.applier, group);
      });
      for (const [applier, indexes] of groups) {
        const items = indexes.map((index) => ({ prepared: batch[index].prepared, row: batch[index].row, mci: mcis[index] }));
        const refusedInGroup = await applier(tx, items);
        for (const [position, error] of refusedInGroup) refused.set(batch[indexes[position]], error);
      }
      const accepted = batch.map((item, index) => ({ item, mci: mcis[index] })).filter(({ item }) => !refused.has(item));
      if (accepted.length > 0) {
        let prevHash = head ? head.hash : GENESIS_HASH;
        const rows = accepted.map(({ item, mci }) => {
          const entry = { ...item.row, mci };
          const hash = hashChain ? entryHash(prevHash, entry) : '';
          const row = { ...entry, prevHash: hashChain ? prevHash : '', hash };
          prevHash = hash;
          return row;
        });
        await appendMessages(tx, rows);
      }
    });
  } catch (error) {
    return { batch, entries: batch.map(() => undefined), refused, error };
  }
  const entries = batch.map((item, index): CommittedEntry | undefined => {
    if (refused.has(item)) return undefined;
    const proposal = proposalOf(item.row);
    return { mci: mcis[index], type: item.row.type, space: item.row.space, id: item.row.id, ...(proposal ? { proposal } : {}) };
  });
  return { batch, entries, refused };
}

type ChainedRow = LogRow & { mci: number; prevHash: string; hash: string };

async function appendMessages(tx: Db, rows: ChainedRow[]): Promise<void> {
  const column = <K extends keyof ChainedRow>(key: K) => sql.param(rows.map((row) => row[key]));
  // The envelopes go as one JSON array, picked by position: as a text[] element each would be escaped
  // character by character (the driver's array literal), the largest per-message cost of this statement.
  const envelopes = sql.param(JSON.stringify(rows.map((row) => row.envelope)));
  await tx.execute(sql`
    INSERT INTO messages (mci, id, ipfs, address, version, timestamp, space, type, sig, receipt, envelope, received, prev_hash, hash)
    SELECT u.mci, u.id, u.ipfs, u.address, u.version, u.timestamp, u.space, u.type, u.sig, u.receipt,
           e.envelopes -> (u.position - 1)::int, u.received, u.prev_hash, u.hash
      FROM (SELECT ${envelopes}::jsonb AS envelopes) AS e,
           unnest(${column('mci')}::bigint[], ${column('id')}::text[], ${column('ipfs')}::text[],
                  ${column('address')}::text[], ${column('version')}::text[], ${column('timestamp')}::bigint[],
                  ${column('space')}::text[], ${column('type')}::text[], ${column('sig')}::text[],
                  ${column('receipt')}::text[], ${column('received')}::bigint[], ${column('prevHash')}::text[],
                  ${column('hash')}::text[]) WITH ORDINALITY
        AS u(mci, id, ipfs, address, version, timestamp, space, type, sig, receipt, received, prev_hash, hash, position)`);
}

/** Adapts a one-message apply to a batch applier: each message in its own savepoint, refusals isolated. */
export function eachInSavepoint<P>(
  apply: (tx: Db, prepared: P, entry: { mci: number; row: LogRow }) => Promise<void>,
): BatchApplier<P> {
  return async (tx, items) => {
    const refused = new Map<number, ClientError>();
    for (const [position, item] of items.entries()) {
      try {
        await tx.transaction((savepoint) => apply(savepoint as unknown as Db, item.prepared, item));
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
        refused.set(position, error);
      }
    }
    return refused;
  };
}
