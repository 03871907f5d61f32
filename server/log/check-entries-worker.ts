/** Worker thread body for `createEntryChecker`: checks pages of stored log entries with `checkEntry`. */
import { parentPort, workerData } from 'node:worker_threads';
import { checkEntry, type CheckEntryParameters } from './check-entry.ts';
import type { StoredLogRow } from './read-log.ts';
import type { EntryCheck } from './create-entry-checker.ts';

const config = workerData as CheckEntryParameters['config'];

parentPort!.on('message', ({ id, rows }: { id: number; rows: StoredLogRow[] }) => {
  const results: EntryCheck[] = rows.map((source) => {
    const { hash, parsed, divergence } = checkEntry({ source, config });
    return { hash, kind: parsed?.kind ?? null, id: parsed?.id ?? null, divergence };
  });
  parentPort!.postMessage({ id, results });
});
