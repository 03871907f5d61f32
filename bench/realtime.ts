/**
 * Realtime benchmark. (1) `fanout`: N websocket subscribers (graphql-transport-ws) on one proposal while votes
 * arrive at a fixed rate: latency from a vote's acknowledgement to its delivery to each subscriber (p50/p99
 * over every delivery), and what limits it: CPU per delivery of the service, of its PostgreSQL backends and
 * of this load generator, their run-queue wait (time runnable but not running: the 2 cores are shared) and
 * event-loop delay, the service's memory over time split by owner (RSS, main heap used/committed, old space,
 * external, array buffers, worker heaps, and the rest: V8's pooled freed pages, malloc, code). (2) `memory`: the same for longer, at
 * BENCH_MEMORY_RATE. (3) `throughput`: votes/s accepted by one instance vs two on one PostgreSQL database.
 * Services run in their own processes; votes are sent from this one, subscribers live in worker threads of it
 * (their CPU counts as the load generator's).
 *
 * Environment: BENCH_PARTS (fanout,memory,throughput), BENCH_SUBSCRIBERS (1000), BENCH_RATE votes/s (1000),
 * BENCH_SECONDS (60), BENCH_MEMORY_SECONDS (300), BENCH_MEMORY_RATE (BENCH_RATE), BENCH_VOTES (20000, for
 * throughput), BENCH_SERVICE_ROOT (another checkout's server, for before/after), BENCH_SUBSCRIBER_THREADS (1),
 * BENCH_SERVICE_NODE_OPTIONS (NODE_OPTIONS of the fan-out service only). Targets (issue 8): p99 ≤
 * 100 ms with 1,000 subscribers at 1,000 votes/s, flat memory over 5 minutes, two instances ≥ 1.6x one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { backendPids, cpuOf, fire, freshPostgres, postOk, processCpuMs, proposalBody, randomKeys, report, spaceBody, startService, voteBodies, type Service } from './support.ts';

const PARTS = (process.env.BENCH_PARTS ?? 'fanout,memory,throughput').split(',');
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 300);
const MEMORY_RATE = Number(process.env.BENCH_MEMORY_RATE ?? RATE);
const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);
/** Threads holding the subscribers (their frames are read and timed there, off the thread that sends votes). */
const SUBSCRIBER_THREADS = Number(process.env.BENCH_SUBSCRIBER_THREADS ?? 1);
/** Votes sent but not yet answered, at most: past it the generator stops sending (and says so) instead of queueing without bound. */
const MAX_IN_FLIGHT = 2000;

async function seed(service: Service, title: string) {
  const [controller] = randomKeys(1);
  await postOk(service.url, spaceBody(controller));
  return (await postOk(service.url, proposalBody(controller, title))).id;
}

/** Time (ms) the threads of a process spent runnable but waiting for a CPU, from /proc/PID/task/TID/schedstat. */
function runQueueWaitMs(pid: number | 'self'): number {
  try {
    let total = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const fields = fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ');
      total += Number(fields[1]) / 1e6;
    }
    return total;
  } catch {
    return 0;
  }
}

function loadAverage(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Latency histogram in 1 ms buckets (up to 60 s), so millions of deliveries take constant memory. */
function histogram() {
  const buckets = new Uint32Array(60_001);
  let count = 0;
  return {
    buckets,
    add(ms: number) {
      buckets[Math.max(0, Math.min(60_000, Math.round(ms)))]++;
      count++;
    },
    /** Adds another histogram's buckets (a subscriber thread's). */
    merge(other: Uint32Array) {
      for (let ms = 0; ms < other.length; ms++) {
        buckets[ms] += other[ms];
        count += other[ms];
      }
    },
    count: () => count,
    quantile(q: number) {
      let seen = 0;
      for (let ms = 0; ms < buckets.length; ms++) {
        seen += buckets[ms];
        if (seen >= q * count) return ms;
      }
      return Infinity;
    },
  };
}

/** Absolute time in ms, comparable between threads. */
const clock = () => performance.timeOrigin + performance.now();

/** base32 (RFC 4648, lowercase: content ids) digit of a character code. */
const digit = (code: number) => (code >= 97 ? code - 97 : code - 24);

/** A vote id's last 10 characters as an exact 50-bit number: a cheap key (no string made per delivery). */
function idKeyOf(bytes: Buffer, end: number): number {
  let key = 0;
  for (let at = end - 10; at < end; at++) key = key * 32 + digit(bytes[at]);
  return key;
}

/**
 * Opens one subscriber: a minimal graphql-transport-ws client over a raw upgraded socket (init, subscribe,
 * pong; frames parsed here), so the load generator spends as little as possible per delivery: the first vote
 * frame is searched for the id, later frames of the same length are read at the same place; `onVote` gets
 * each delivered vote's id key (idKeyOf) and the time its bytes were read (one clock read per chunk).
 */
function subscriber(url: string, query: string, onVote: (key: number, at: number) => void): Promise<net.Socket> {
  const MARK = Buffer.from('"votes":{"id":"');
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'graphql-transport-ws',
      },
    });
    request.on('error', reject);
    request.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
    request.on('upgrade', (_response, socket, head) => {
      // Client frames must be masked; a zero key leaves the payload as is.
      const send = (text: string) => {
        const payload = Buffer.from(text);
        const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
        socket.write(Buffer.concat([header, Buffer.alloc(4), payload]));
      };
      // A vote frame's payload length and where its id ends in it (learned from the first one).
      let voteLength = -1;
      let idEnd = 0;
      let buffer: Buffer = head;
      const onData = (chunk: Buffer) => {
        const now = clock();
        buffer = buffer.length > 0 ? Buffer.concat([buffer, chunk]) : chunk;
        let at = 0;
        for (;;) {
          if (buffer.length - at < 2) break;
          let length = buffer[at + 1] & 127;
          let start = at + 2;
          if (length === 126) {
            if (buffer.length - at < 4) break;
            length = buffer.readUInt16BE(at + 2);
            start = at + 4;
          } else if (length === 127) {
            if (buffer.length - at < 10) break;
            length = Number(buffer.readBigUInt64BE(at + 2));
            start = at + 10;
          }
          if (buffer.length < start + length) break;
          const end = start + length;
          const mark = length === voteLength && buffer[start + idEnd] === 34 ? -2 : buffer.indexOf(MARK, start);
          if (mark === -2) onVote(idKeyOf(buffer, start + idEnd), now);
          else if (mark >= 0 && mark < end) {
            const closing = buffer.indexOf(34, mark + MARK.length);
            voteLength = length;
            idEnd = closing - start;
            onVote(idKeyOf(buffer, closing), now);
          } else if ((buffer[at] & 15) === 1) {
            const message = JSON.parse(buffer.toString('utf8', start, end)) as { type: string };
            if (message.type === 'connection_ack') {
              // Each its own id, as graphql-ws clients do (no frame is shared byte for byte).
              send(JSON.stringify({ id: crypto.randomUUID(), type: 'subscribe', payload: { query } }));
              resolve(socket);
            } else if (message.type === 'ping') send('{"type":"pong"}');
            else if (message.type === 'error') reject(new Error(JSON.stringify(message)));
          }
          at = end;
        }
        buffer = at === buffer.length ? Buffer.alloc(0) : buffer.subarray(at);
      };
      socket.on('data', onData);
      socket.on('error', () => {});
      send('{"type":"connection_init"}');
      if (head.length > 0) onData(Buffer.alloc(0));
    });
    request.end();
  });
}

type SubscriberThreadData = { url: string; query: string; count: number };
/** Main thread to subscriber thread: acknowledgements as [id key, time] pairs, a report request, the end. */
type ToThread = { acks: Float64Array } | { report: true } | { close: true };
type FromThread = { ready: true } | { progress: { delivered: number; counted: number } } | { report: { buckets: Uint32Array; delivered: number; loopP99Ms: number } };

/**
 * A subscriber thread: opens `count` subscribers, reads and times their frames here, and matches them with
 * the acknowledgements the main thread posts; deliveries read before their acknowledgement arrived are timed
 * once it does (0 ms if it was stamped later than they were read).
 */
async function subscriberThread({ url, query, count }: SubscriberThreadData) {
  const port = parentPort!;
  const acks = new Map<number, number>();
  const early = new Map<number, number[]>();
  const latency = histogram();
  let delivered = 0;
  const onVote = (key: number, at: number) => {
    delivered++;
    const ack = acks.get(key);
    if (ack !== undefined) latency.add(at - ack);
    else {
      const list = early.get(key);
      if (list) list.push(at);
      else early.set(key, [at]);
    }
  };
  const sockets: net.Socket[] = [];
  for (let n = 0; n < count; n += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - n) }, () => subscriber(url, query, onVote)))));
  }
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const progress = setInterval(() => port.postMessage({ progress: { delivered, counted: latency.count() } } satisfies FromThread), 200);
  port.on('message', (message: ToThread) => {
    if ('acks' in message) {
      for (let n = 0; n < message.acks.length; n += 2) {
        const key = message.acks[n];
        const at = message.acks[n + 1];
        acks.set(key, at);
        const list = early.get(key);
        if (!list) continue;
        for (const read of list) latency.add(Math.max(0, read - at));
        early.delete(key);
      }
    } else if ('report' in message) {
      port.postMessage({ report: { buckets: latency.buckets, delivered, loopP99Ms: loop.percentile(99) / 1e6 } } satisfies FromThread);
    } else {
      clearInterval(progress);
      for (const socket of sockets) socket.destroy();
      port.close();
    }
  });
  port.postMessage({ ready: true } satisfies FromThread);
}

/** One second of the probed service (bench/services/probed-server.ts); fields a BENCH_SERVICE_ROOT's older probe lacks read as 0. */
type Probe = {
  at: number;
  rssMb: number;
  heapMb: number;
  heapTotalMb?: number;
  oldSpaceMb?: number;
  externalMb?: number;
  arrayBuffersMb?: number;
  workersHeapMb?: number;
  otherMb?: number;
  loopP99Ms: number;
  loopMaxMs: number;
};
/** The probe's memory columns, in print order: title and field. */
const MEMORY_COLUMNS: Array<[string, keyof Probe]> = [
  ['RSS MB', 'rssMb'],
  ['heap MB', 'heapMb'],
  ['heapTotal', 'heapTotalMb'],
  ['old space', 'oldSpaceMb'],
  ['external', 'externalMb'],
  ['buffers MB', 'arrayBuffersMb'],
  ['workers', 'workersHeapMb'],
  ['other MB', 'otherMb'],
];

function readProbe(file: string): Probe[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Probe);
}

async function fanOut(label: string, rate: number, seconds: number) {
  const database = await freshPostgres();
  const probeFile = path.join(os.tmpdir(), `conclave-realtime-probe-${process.pid}-${Date.now()}.jsonl`);
  const service = await startService(
    {
      DATABASE_URL: database.url,
      SUBSCRIPTIONS_PER_CONNECTION: '5',
      SUBSCRIPTION_MAX_QUEUE: '10000',
      RATE_LIMIT_MAX: '0',
      RATE_LIMIT_SIGNER_MAX: '0',
      PROBE_FILE: probeFile,
      // Node flags for the service only (e.g. V8 heap sizing), not for this generator.
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}),
    },
    'bench/services/probed-server.ts',
  );
  const threads: Worker[] = [];
  let flusher: NodeJS.Timeout | undefined;
  try {
    const proposal = await seed(service, label);
    const bodies = voteBodies(proposal, rate * seconds);
    const wsUrl = `${service.url.replace('http', 'ws')}/graphql`;
    const query = `subscription { votes(proposal: "${proposal}") { id } }`;
    // Subscribers live in their own threads; each thread's latest progress and final report land here.
    const progress: Array<{ delivered: number; counted: number }> = [];
    const reports: Array<(report: { buckets: Uint32Array; delivered: number; loopP99Ms: number }) => void> = [];
    await Promise.all(
      Array.from({ length: SUBSCRIBER_THREADS }, (_, n) => {
        const count = Math.floor(SUBSCRIBERS / SUBSCRIBER_THREADS) + (n < SUBSCRIBERS % SUBSCRIBER_THREADS ? 1 : 0);
        const thread = new Worker(new URL(import.meta.url), { workerData: { url: wsUrl, query, count } satisfies SubscriberThreadData });
        threads.push(thread);
        progress.push({ delivered: 0, counted: 0 });
        return new Promise<void>((resolve, reject) => {
          thread.on('error', reject);
          thread.on('message', (message: FromThread) => {
            if ('ready' in message) resolve();
            else if ('progress' in message) progress[n] = message.progress;
            else reports.shift()?.(message.report);
          });
        });
      }),
    );
    const delivered = () => progress.reduce((sum, { delivered }) => sum + delivered, 0);
    const counted = () => progress.reduce((sum, { counted }) => sum + counted, 0);
    // By id key (idKeyOf): 50 bits of each id, exact for ids that differ in their last 10 characters.
    const acks = new Set<number>();
    let unposted: number[] = [];
    flusher = setInterval(() => {
      if (unposted.length === 0) return;
      const message: ToThread = { acks: Float64Array.from(unposted) };
      unposted = [];
      for (const thread of threads) thread.postMessage(message);
    }, 5);
    for (;;) {
      const stats = (await (await fetch(`${service.url}/api/realtime`)).json()) as { subscriptions: number };
      if (stats.subscriptions >= SUBSCRIBERS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const pid = service.process.pid!;
    const backends = await backendPids(database.url);
    console.log(`\n### ${label}: ${SUBSCRIBERS} subscribers on one proposal, ${rate} votes/s for ${seconds} s (load average ${loadAverage()})`);
    console.log(`  t (s)  ${MEMORY_COLUMNS.map(([title]) => title.padStart(11)).join('')}  loop p99 ms  loop max ms  votes acked  deliveries  service CPU %  pg CPU %  bench CPU %`);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const start = { service: processCpuMs(pid), pg: cpuOf(backends), bench: process.cpuUsage(), serviceWait: runQueueWaitMs(pid), benchWait: runQueueWaitMs('self') };
    let last = { at: performance.now(), service: start.service, pg: start.pg, bench: start.bench };
    const started = performance.now();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    const refusals = new Map<string, number>();
    const refuse = (why: string) => {
      failed++;
      refusals.set(why, (refusals.get(why) ?? 0) + 1);
    };
    let held = 0;
    let inFlight = 0;
    let nextSample = 0;
    const interval = Math.max(1, Math.round(seconds / 20));
    while (sent < bodies.length) {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed > seconds + 5) break;
      const due = Math.min(bodies.length, Math.floor(elapsed * rate));
      for (; sent < due; sent++) {
        if (inFlight >= MAX_IN_FLIGHT) {
          held++;
          continue;
        }
        inFlight++;
        fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[sent] })
          .then(async (response) => {
            const json = (await response.json()) as { id?: string };
            if (!response.ok || !json.id) return refuse(`${response.status} ${JSON.stringify(json).slice(0, 80)}`);
            acked++;
            const key = idKeyOf(Buffer.from(json.id), json.id.length);
            if (acks.has(key)) refuse('two vote ids with the same key (idKeyOf)');
            acks.add(key);
            unposted.push(key, clock());
          })
          .catch((error: Error) => refuse(String((error.cause as Error | undefined)?.message ?? error.message)))
          .finally(() => inFlight--);
      }
      if (elapsed >= nextSample) {
        const now = { at: performance.now(), service: processCpuMs(pid), pg: cpuOf(backends), bench: process.cpuUsage() };
        const wall = Math.max(1, now.at - last.at);
        const benchMs = (now.bench.user + now.bench.system - last.bench.user - last.bench.system) / 1000;
        const probe = readProbe(probeFile).at(-1);
        console.log(
          `  ${elapsed.toFixed(0).padStart(5)}  ${MEMORY_COLUMNS.map(([, key]) => (probe?.[key] ?? 0).toFixed(0).padStart(11)).join('')}  ${(probe?.loopP99Ms ?? 0).toFixed(0).padStart(11)}  ${(probe?.loopMaxMs ?? 0).toFixed(0).padStart(11)}  ${String(acked).padStart(11)}  ${String(delivered()).padStart(10)}  ${((100 * (now.service - last.service)) / wall).toFixed(0).padStart(13)}  ${((100 * (now.pg - last.pg)) / wall).toFixed(0).padStart(8)}  ${((100 * benchMs) / wall).toFixed(0).padStart(11)}`,
        );
        last = now;
        nextSample += interval;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const loadSeconds = (performance.now() - started) / 1000;
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const expected = acked * SUBSCRIBERS;
    const deadline = performance.now() + 30_000;
    while (counted() < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const latency = histogram();
    let threadLoopP99 = 0;
    for (const thread of threads) {
      const report = await new Promise<{ buckets: Uint32Array; loopP99Ms: number }>((resolve) => {
        reports.push(resolve);
        thread.postMessage({ report: true } satisfies ToThread);
      });
      latency.merge(report.buckets);
      threadLoopP99 = Math.max(threadLoopP99, report.loopP99Ms);
    }
    const wall = performance.now() - started;
    const end = { service: processCpuMs(pid), pg: cpuOf(backends), bench: process.cpuUsage(start.bench), serviceWait: runQueueWaitMs(pid), benchWait: runQueueWaitMs('self') };
    loop.disable();
    const stats = (await (await fetch(`${service.url}/api/realtime`)).json()) as { dropped: number; renders?: number; frames?: number; writes?: number; rounds?: number; deliveryMs?: number };
    const probes = readProbe(probeFile);
    const perDelivery = (ms: number) => (1000 * ms) / Math.max(1, latency.count());
    console.log(
      `  votes sent ${sent - held} (${((sent - held) / loadSeconds).toFixed(0)}/s), acked ${acked}, refused ${failed}, not sent (over ${MAX_IN_FLIGHT} in flight) ${held}; deliveries ${latency.count()} of ${expected}; subscribers dropped ${stats.dropped}; renders ${stats.renders ?? '-'}, frames ${stats.frames ?? '-'}, socket writes ${stats.writes ?? '-'} in ${stats.rounds ?? '-'} delivery rounds`,
    );
    if (refusals.size > 0) console.log(`  refusals: ${[...refusals].map(([why, count]) => `${count} × ${why}`).join('; ')}`);
    if (stats.deliveryMs !== undefined) {
      console.log(`  hub (render once per selection, frame, write): ${stats.deliveryMs} ms in all, ${((1000 * stats.deliveryMs) / Math.max(1, stats.frames ?? 0)).toFixed(2)} µs per frame`);
    }
    console.log(
      `  CPU per delivery (all of the service's work, ingest included, over deliveries): service ${perDelivery(end.service - start.service).toFixed(2)} µs, PostgreSQL ${perDelivery(end.pg - start.pg).toFixed(2)} µs, load generator ${perDelivery((end.bench.user + end.bench.system) / 1000).toFixed(2)} µs; CPU over the run: service ${((100 * (end.service - start.service)) / wall).toFixed(0)} %, PostgreSQL ${((100 * (end.pg - start.pg)) / wall).toFixed(0)} %, load generator ${((100 * (end.bench.user + end.bench.system)) / 1000 / wall).toFixed(0)} % (of one core; 200 % is the machine)`,
    );
    console.log(
      `  run-queue wait per second: service ${((end.serviceWait - start.serviceWait) / (wall / 1000)).toFixed(0)} ms, load generator ${((end.benchWait - start.benchWait) / (wall / 1000)).toFixed(0)} ms; event-loop delay p99: service ${Math.max(0, ...probes.slice(-Math.ceil(wall / 1000)).map((probe) => probe.loopP99Ms)).toFixed(0)} ms (worst second), load generator ${(loop.percentile(99) / 1e6).toFixed(0)} ms (votes) and ${threadLoopP99.toFixed(0)} ms (${SUBSCRIBER_THREADS} subscriber thread(s)); load average ${loadAverage()}`,
    );
    report(`${label}: ack to delivery p50 (ms)`, latency.quantile(0.5), 'ms', 100, 'of limit 100 ms (p99)');
    report(`${label}: ack to delivery p99 (ms)`, latency.quantile(0.99), 'ms', 100, 'of limit 100 ms');
    report(`${label}: deliveries/s`, latency.count() / (wall / 1000), '/s', rate * SUBSCRIBERS, `of ${rate * SUBSCRIBERS}/s asked`);
    const during = probes.slice(-Math.ceil(wall / 1000));
    const third = Math.max(1, Math.floor(during.length / 3));
    const mean = (values: Probe[], key: keyof Probe) => values.reduce((sum, probe) => sum + (probe[key] ?? 0), 0) / Math.max(1, values.length);
    for (const [title, key] of [['RSS', 'rssMb'], ['heap', 'heapMb'], ['heapTotal', 'heapTotalMb'], ['other (RSS - heaps - external)', 'otherMb']] as const) {
      report(`${label}: service ${title}, last third vs first third (MB)`, mean(during.slice(-third), key), 'MB', Math.max(1, mean(during.slice(0, third), key)), `of the first third (${mean(during.slice(0, third), key).toFixed(0)} MB)`);
    }
    const peak = (key: keyof Probe) => Math.max(0, ...during.map((probe) => probe[key] ?? 0));
    console.log(`  peaks over the run: ${MEMORY_COLUMNS.map(([title, key]) => `${title.replace(' MB', '')} ${peak(key).toFixed(0)}`).join(', ')} (MB)`);
  } finally {
    clearInterval(flusher);
    for (const thread of threads) {
      thread.postMessage({ close: true } satisfies ToThread);
      await thread.terminate();
    }
    await service.stop();
    await database.drop();
    fs.rmSync(probeFile, { force: true });
  }
}

async function throughput(instances: number) {
  const database = await freshPostgres();
  const services: Service[] = [];
  try {
    for (let n = 0; n < instances; n++) services.push(await startService({ DATABASE_URL: database.url, RATE_LIMIT_MAX: '0', RATE_LIMIT_SIGNER_MAX: '0' }));
    const proposal = await seed(services[0], `throughput ${instances}`);
    const bodies = voteBodies(proposal, VOTES);
    const share = Math.ceil(bodies.length / instances);
    const backends = await backendPids(database.url);
    const before = { services: services.map((service) => processCpuMs(service.process.pid!)), pg: cpuOf(backends), bench: process.cpuUsage() };
    const started = performance.now();
    const results = await Promise.all(services.map((service, n) => fire(service.url, bodies.slice(n * share, (n + 1) * share), 64)));
    const wall = performance.now() - started;
    const refused = results.reduce((sum, result) => sum + result.non2xx + result.errors, 0);
    if (refused) throw new Error(`${instances} instance(s): ${refused} votes refused`);
    const bench = process.cpuUsage(before.bench);
    const cpu = services.map((service, n) => (100 * (processCpuMs(service.process.pid!) - before.services[n])) / wall);
    console.log(
      `  ${instances} instance(s): ${(bodies.length / (wall / 1000)).toFixed(0)} votes/s; CPU (of one core): instances ${cpu.map((value) => `${value.toFixed(0)} %`).join(' + ')}, PostgreSQL ${((100 * (cpuOf(backends) - before.pg)) / wall).toFixed(0)} %, load generator ${((100 * (bench.user + bench.system)) / 1000 / wall).toFixed(0)} %; load average ${loadAverage()}`,
    );
    return bodies.length / (wall / 1000);
  } finally {
    for (const service of services) await service.stop();
    await database.drop();
  }
}

if (!isMainThread) await subscriberThread(workerData as SubscriberThreadData);
else {
  console.log(
    `# realtime benchmark — ${new Date().toISOString()} — nproc ${os.availableParallelism()}, ${os.cpus()[0].model}, node ${process.version}, load average ${loadAverage()}${process.env.BENCH_SERVICE_ROOT ? `, service from ${process.env.BENCH_SERVICE_ROOT}` : ''}`,
  );
  if (PARTS.includes('fanout')) await fanOut('fan-out', RATE, SECONDS);
  if (PARTS.includes('memory')) await fanOut('memory', MEMORY_RATE, MEMORY_SECONDS);
  if (PARTS.includes('throughput')) {
    const one = await throughput(1);
    const two = await throughput(2);
    report('ingest, one instance (votes/s)', one, 'votes/s', one, 'of one instance');
    report('ingest, two instances on one database (votes/s)', two, 'votes/s', one, 'of one instance (target 1.6x, each with its own core)');
  }
}
