/**
 * The service as `server/main.ts` starts it, plus a probe (benchmark only): every second one JSON line with
 * heap, RSS, array buffers (Buffers' memory outside the heap) and the event-loop delay of that second is appended to PROBE_FILE. BENCH_SERVICE_ROOT runs the
 * `server/main.ts` of another checkout (a before/after comparison with the same probe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const file = process.env.PROBE_FILE;
if (!file) throw new Error('bench/services/probed-server.ts needs PROBE_FILE');
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
setInterval(() => {
  const memory = process.memoryUsage();
  const line = { at: Date.now(), heapMb: memory.heapUsed / 2 ** 20, rssMb: memory.rss / 2 ** 20, arrayBuffersMb: memory.arrayBuffers / 2 ** 20, loopP99Ms: delay.percentile(99) / 1e6, loopMaxMs: delay.max / 1e6 };
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  delay.reset();
}, 1000).unref();
const root = process.env.BENCH_SERVICE_ROOT ?? path.resolve(import.meta.dirname, '../..');
await import(pathToFileURL(path.join(root, 'server/main.ts')).href);
