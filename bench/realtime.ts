/**
 * Realtime benchmark. (1) N websocket subscribers (graphql-ws) on one proposal while votes arrive at a fixed
 * rate: latency from a vote's acknowledgement to its delivery to each subscriber (p50/p99 over every
 * delivery), the service's memory over time. (2) Votes/s accepted by one instance vs two instances on the
 * same PostgreSQL database. Services run in their own processes; subscribers and load come from this one.
 *
 * Environment: BENCH_SUBSCRIBERS (1000), BENCH_RATE votes/s (1000), BENCH_SECONDS (300),
 * BENCH_VOTES for the throughput part (20000). The targets: p99 ≤ 100 ms, flat memory,
 * two instances ≥ 1.6x one (each with its own core).
 */
import fs from 'node:fs';
import os from 'node:os';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { fire, freshPostgres, postOk, proposalBody, randomKeys, report, spaceBody, startService, voteBodies, type Service } from './support.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);

async function seed(service: Service, title: string) {
  const [controller] = randomKeys(1);
  await postOk(service.url, spaceBody(controller));
  return (await postOk(service.url, proposalBody(controller, title))).id;
}

function rssMegabytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Latency histogram in 1 ms buckets (up to 60 s), so millions of deliveries take constant memory. */
function histogram() {
  const buckets = new Uint32Array(60_001);
  let count = 0;
  return {
    add(ms: number) {
      buckets[Math.max(0, Math.min(60_000, Math.round(ms)))]++;
      count++;
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

async function fanOut() {
  const database = await freshPostgres();
  const service = await startService({ DATABASE_URL: database.url, SUBSCRIPTIONS_PER_CONNECTION: '5', SUBSCRIPTION_MAX_QUEUE: '10000' });
  const clients: Client[] = [];
  try {
    const proposal = await seed(service, 'fan-out');
    const bodies = voteBodies(proposal, RATE * SECONDS);
    const acks = new Map<string, number>();
    const early = new Map<string, number[]>();
    const latency = histogram();
    let delivered = 0;
    const onVote = (id: string) => {
      const at = performance.now();
      delivered++;
      const ack = acks.get(id);
      if (ack !== undefined) latency.add(at - ack);
      else early.set(id, [...(early.get(id) ?? []), at]);
    };
    for (let n = 0; n < SUBSCRIBERS; n++) {
      const client = createClient({ url: `${service.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      client.subscribe(
        { query: `subscription { votes(proposal: "${proposal}") { id } }` },
        { next: (value) => onVote((value.data as { votes: { id: string } }).votes.id), error: () => {}, complete: () => {} },
      );
    }
    for (;;) {
      const stats = (await (await fetch(`${service.url}/api/realtime`)).json()) as { subscriptions: number };
      if (stats.subscriptions >= SUBSCRIBERS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`${SUBSCRIBERS} subscribers on one proposal, ${RATE} votes/s for ${SECONDS} s`);
    console.log('  t (s)   RSS (MB)   votes acked   deliveries');
    const pid = service.process.pid!;
    const started = performance.now();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    let nextSample = 0;
    const memory: number[] = [];
    while (sent < bodies.length) {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(bodies.length, Math.floor(elapsed * RATE));
      for (; sent < due; sent++) {
        const body = bodies[sent];
        const request = fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          .then(async (response) => {
            const json = (await response.json()) as { id?: string };
            if (!response.ok || !json.id) {
              failed++;
              return;
            }
            const at = performance.now();
            acked++;
            acks.set(json.id, at);
            // Deliveries that arrived before the acknowledgement count as 0 ms.
            for (let n = early.get(json.id)?.length ?? 0; n > 0; n--) latency.add(0);
            early.delete(json.id);
          })
          .catch(() => void failed++)
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      if (elapsed >= nextSample) {
        const rss = rssMegabytes(pid);
        memory.push(rss);
        console.log(`  ${elapsed.toFixed(0).padStart(5)}   ${rss.toFixed(0).padStart(8)}   ${String(acked).padStart(11)}   ${String(delivered).padStart(10)}`);
        nextSample += Math.max(1, Math.round(SECONDS / 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    const expected = acked * SUBSCRIBERS;
    const deadline = performance.now() + 30_000;
    while (latency.count() < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const dropped = ((await (await fetch(`${service.url}/api/realtime`)).json()) as { dropped: number }).dropped;
    console.log(`  deliveries ${latency.count()} of ${expected}; votes refused ${failed}; subscribers dropped ${dropped}`);
    report('fan-out: ack to delivery p50 (ms)', latency.quantile(0.5), 'ms', 100, 'of limit 100 ms (p99)');
    report('fan-out: ack to delivery p99 (ms)', latency.quantile(0.99), 'ms', 100, 'of limit 100 ms');
    const firstHalf = memory.slice(1, Math.ceil(memory.length / 2));
    const secondHalf = memory.slice(Math.ceil(memory.length / 2));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    report('fan-out: service RSS, second half vs first half (ratio)', mean(secondHalf) / Math.max(1, mean(firstHalf)), 'x', 1, 'of flat (1.00x)');
  } finally {
    for (const client of clients) await client.dispose();
    await service.stop();
    await database.drop();
  }
}

async function throughput(instances: number) {
  const database = await freshPostgres();
  const services: Service[] = [];
  try {
    for (let n = 0; n < instances; n++) services.push(await startService({ DATABASE_URL: database.url }));
    const proposal = await seed(services[0], `throughput ${instances}`);
    const bodies = voteBodies(proposal, VOTES);
    const share = Math.ceil(bodies.length / instances);
    const started = performance.now();
    const results = await Promise.all(services.map((service, n) => fire(service.url, bodies.slice(n * share, (n + 1) * share), 64)));
    const seconds = (performance.now() - started) / 1000;
    const refused = results.reduce((sum, result) => sum + result.non2xx + result.errors, 0);
    if (refused) throw new Error(`${instances} instance(s): ${refused} votes refused`);
    return bodies.length / seconds;
  } finally {
    for (const service of services) await service.stop();
    await database.drop();
  }
}

console.log(`# realtime benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`);
await fanOut();
const one = await throughput(1);
const two = await throughput(2);
report('ingest, one instance (votes/s)', one, 'votes/s', one, 'of one instance');
report('ingest, two instances on one database (votes/s)', two, 'votes/s', one, 'of one instance (target 1.6x with a core each)');
