/**
 * Checks stored log entries (hash, envelope, signature: `checkEntry`) on worker threads, so signature
 * recovery and hashing use the other cores while the main thread replays. Results come back in order.
 */
import { Worker } from 'node:worker_threads';
import type { MessageKind } from '../../schema/eip712.ts';
import { checkEntry, type CheckEntryParameters, type Divergence } from './check-entry.ts';
import type { StoredLogRow } from './read-log.ts';

/** What the main thread needs of a checked entry (the parsed envelope is rebuilt from the row and these). */
export type EntryCheck = { hash: string; kind: MessageKind | null; id: string | null; divergence: Divergence | null };

export type CreateEntryCheckerParameters = {
  config: CheckEntryParameters['config'];
  /** Worker threads; 0 checks on the calling thread. */
  workers: number;
  /** Entries per message to a worker. */
  chunkSize?: number;
};

export type EntryChecker = {
  /** Checks the entries, split across the workers; resolves with one result per entry, in order. */
  check(rows: StoredLogRow[]): Promise<EntryCheck[]>;
  /** Starts the workers now, for a log known to be large (else the first large page starts them). */
  start(): void;
  close(): Promise<void>;
};

/** Starts the workers (stopped by `close`). */
export function createEntryChecker({ config, workers, chunkSize = 500 }: CreateEntryCheckerParameters): EntryChecker {
  const inline = (rows: StoredLogRow[]): EntryCheck[] =>
    rows.map((source) => {
      const { hash, parsed, divergence } = checkEntry({ source, config });
      return { hash, kind: parsed?.kind ?? null, id: parsed?.id ?? null, divergence };
    });
  const pending = new Map<number, { resolve(results: EntryCheck[]): void; reject(error: unknown): void }>();
  let failure: unknown;
  let pool: Worker[] | undefined;
  // Started on the first large page only: a worker takes a while to load, more than a small log takes to check.
  const startPool = () =>
    Array.from({ length: workers }, () => {
      const worker = new Worker(new URL('./check-entries-worker.ts', import.meta.url), { workerData: config });
      worker.on('message', ({ id, results }: { id: number; results: EntryCheck[] }) => {
        pending.get(id)?.resolve(results);
        pending.delete(id);
      });
      // A worker that dies fails every check in flight and every later one.
      worker.on('error', (error) => {
        failure = error;
        for (const { reject } of pending.values()) reject(error);
        pending.clear();
      });
      return worker;
    });
  let nextId = 0;
  const send = (workerPool: Worker[], rows: StoredLogRow[]) =>
    new Promise<EntryCheck[]>((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      workerPool[id % workerPool.length].postMessage({ id, rows });
    });
  return {
    async check(rows) {
      if (workers <= 0 || (!pool && rows.length < 4 * chunkSize)) return inline(rows);
      pool ??= startPool();
      const chunks: Array<Promise<EntryCheck[]>> = [];
      for (let index = 0; index < rows.length; index += chunkSize) chunks.push(send(pool, rows.slice(index, index + chunkSize)));
      return (await Promise.all(chunks)).flat();
    },
    start() {
      if (workers > 0) pool ??= startPool();
    },
    async close() {
      await Promise.all((pool ?? []).map((worker) => worker.terminate()));
    },
  };
}
