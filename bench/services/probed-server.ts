/**
 * The service as `server/main.ts` starts it, plus a probe (benchmark only): every second one JSON line is
 * appended to PROBE_FILE with the process's memory split by owner — RSS; the main thread's V8 heap (committed
 * `heapTotal`, live `heapUsed`, and the old/new space committed); memory V8 knows is held outside its heap
 * (`external`, of which `arrayBuffers` are Buffers); the worker threads' V8 heaps (committed); and what is left
 * (RSS minus those: code, malloc arenas and their fragmentation, native libraries) — and the event-loop delay
 * of that second. BENCH_SERVICE_ROOT runs the `server/main.ts` of another checkout (a before/after comparison
 * with the same probe).
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';

const file = process.env.PROBE_FILE;
if (!file) throw new Error('bench/services/probed-server.ts needs PROBE_FILE');
const MB = 2 ** 20;
// Every worker thread the service starts (signature pool, log checker), so their heaps can be read too.
const workers = new Set<Worker>();
diagnostics.subscribe('worker_threads', (message) => {
  const { worker } = message as { worker: Worker };
  workers.add(worker);
  worker.once('exit', () => workers.delete(worker));
});
let workersHeapMb = 0;
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
setInterval(() => {
  // A worker answers asynchronously: this second's line carries the last answer (at most a second old).
  void Promise.all([...workers].map((worker) => worker.getHeapStatistics().catch(() => ({ total_heap_size: 0 })))).then((stats) => {
    workersHeapMb = stats.reduce((sum, stat) => sum + stat.total_heap_size, 0) / MB;
  });
  const memory = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size / MB]));
  const rssMb = memory.rss / MB;
  const heapTotalMb = memory.heapTotal / MB;
  const externalMb = memory.external / MB;
  const line = {
    at: Date.now(),
    rssMb,
    heapMb: memory.heapUsed / MB,
    heapTotalMb,
    oldSpaceMb: spaces.old_space ?? 0,
    newSpaceMb: spaces.new_space ?? 0,
    largeObjectMb: (spaces.large_object_space ?? 0) + (spaces.new_large_object_space ?? 0),
    externalMb,
    arrayBuffersMb: memory.arrayBuffers / MB,
    workersHeapMb,
    otherMb: rssMb - heapTotalMb - externalMb - workersHeapMb,
    loopP99Ms: delay.percentile(99) / 1e6,
    loopMaxMs: delay.max / 1e6,
  };
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  delay.reset();
}, 1000).unref();
const root = process.env.BENCH_SERVICE_ROOT ?? path.resolve(import.meta.dirname, '../..');
await import(pathToFileURL(path.join(root, 'server/main.ts')).href);
