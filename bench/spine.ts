/**
 * Spine benchmark: signed votes accepted end to end (each acknowledged after its commit) on PostgreSQL
 * and PGlite, native vs pure-JS (Snapshot's) signature recovery, latency at a fixed rate, and GraphQL
 * pages of 100 votes. The service runs in its own process; load comes from this one.
 *
 * BENCH_PARTS picks the parts (comma-separated, default `ingest,graphql`): `graphql` alone takes
 * seconds; `ingest` is `ingest-postgres,ingest-pglite,ingest-js`, each of which can be named alone.
 * BENCH_VOTES (20,000) votes per ingest run; BENCH_SECONDS (10) per GraphQL figure; BENCH_ANALYZE=off
 * leaves the seeded tables without planner statistics.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import {
  backendPids,
  cpuOf,
  fire,
  freshPostgres,
  hammer,
  postOk,
  processCpuMs,
  proposalBody,
  randomKeys,
  report,
  spaceBody,
  startService,
  voteBodies,
  type Service,
} from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'ingest,graphql').split(','));
const CONNECTIONS = 64;
/** Connections of the GraphQL load (the figure). */
const READERS = 32;
/** Votes on the proposal the GraphQL page reads (the page is its 100 newest). */
const PAGE_VOTES = 2000;

async function seed(service: Service) {
  const [controller] = randomKeys(1);
  await postOk(service.url, spaceBody(controller));
  const proposal = async (title: string) => (await postOk(service.url, proposalBody(controller, title))).id;
  return { a: await proposal('throughput'), b: await proposal('latency') };
}

const pageQuery = (proposal: string) =>
  JSON.stringify({ query: `{ votes(first: 100, where: { proposal: "${proposal}" }) { id voter choice vp created reason } }` });
/**
 * The same page, but each request's SQL has its own values (`id_not` a vote that does not exist, passed as a
 * variable as Snapshot's clients pass theirs), so no two requests share a read.
 */
const distinctPageQuery = (proposal: string) => () =>
  JSON.stringify({
    query: `query($nobody: String) { votes(first: 100, where: { proposal: "${proposal}", id_not: $nobody }) { id voter choice vp created reason } }`,
    variables: { nobody: `0x${crypto.randomBytes(32).toString('hex')}` },
  });

async function ingest(label: string, env: Record<string, string>, count: number, withLatency: boolean) {
  const database = env.DATABASE_URL === 'fresh' ? await freshPostgres() : undefined;
  const service = await startService(database ? { ...env, DATABASE_URL: database.url } : env);
  try {
    const { a, b } = await seed(service);
    const bodies = voteBodies(a, count);
    const backends = database ? await backendPids(database.url) : [];
    const pid = service.process.pid!;
    const serviceBefore = processCpuMs(pid);
    const mainBefore = processCpuMs(pid, pid);
    const backendsBefore = cpuOf(backends);
    const throughput = await fire(service.url, bodies, CONNECTIONS);
    if (throughput.non2xx || throughput.errors) throw new Error(`${label}: ${throughput.non2xx} refused, ${throughput.errors} errors`);
    // The service's CPU per accepted vote (PGlite runs inside it); the database's backends when on a server.
    const serviceCpuUs = ((processCpuMs(pid) - serviceBefore) * 1000) / throughput.total;
    // The main thread's share: what bounds one process (signature workers run beside it).
    const mainCpuUs = ((processCpuMs(pid, pid) - mainBefore) * 1000) / throughput.total;
    const databaseCpuUs = database ? ((cpuOf(backends) - backendsBefore) * 1000) / throughput.total : undefined;
    const latency = withLatency ? await fire(service.url, voteBodies(b, 15_000), CONNECTIONS, 3000) : undefined;
    return { throughput, latency, serviceCpuUs, mainCpuUs, databaseCpuUs };
  } finally {
    await service.stop();
    await database?.drop();
  }
}

/** `seconds` of the same POST on `READERS` connections, with the CPU per request of the service and of the database's backends. */
async function pageLoad(url: string, body: string | (() => string), service: Service, databaseUrl: string, seconds: number) {
  await hammer(url, body, READERS, 2); // warm-up: JIT, pool connections, plan cache
  const backends = await backendPids(databaseUrl);
  const serviceBefore = processCpuMs(service.process.pid!);
  const backendsBefore = cpuOf(backends);
  const load = await hammer(url, body, READERS, seconds);
  const requests = load.total;
  if (load.non2xx || load.errors) throw new Error(`GraphQL page: ${load.non2xx} refused, ${load.errors} errors`);
  return {
    ...load,
    serviceCpuUs: ((processCpuMs(service.process.pid!) - serviceBefore) * 1000) / requests,
    databaseCpuUs: ((cpuOf(backends) - backendsBefore) * 1000) / requests,
  };
}

/** The page's SQL straight through `pg` from this process, `READERS` at a time: the database's share. */
async function sqlLoad(databaseUrl: string, proposal: string, seconds: number) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: READERS });
  // The page's statement as drizzle writes it, sent unnamed (parsed and planned every time): the cost of
  // the SQL itself. The `votes` resolver sends it prepared, with `offset $3`.
  const text =
    'select "id", "voter", "choice", "vp"::float8 as "vp", "created", "reason" from "votes" where "votes"."proposal" = $1 ' +
    'order by "votes"."created" desc, "votes"."id" desc limit $2';
  const run = () => pool.query(text, [proposal, 100]);
  try {
    await Promise.all(Array.from({ length: READERS }, run)); // opens the connections
    const backends = await backendPids(databaseUrl);
    const cpuBefore = cpuOf(backends);
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: READERS }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          const { rowCount } = await run();
          if (rowCount !== 100) throw new Error(`SQL page: ${rowCount} rows`);
          latencies.push(performance.now() - started);
        }
      }),
    );
    latencies.sort((x, y) => x - y);
    return {
      queriesPerSecond: latencies.length / seconds,
      p99: latencies[Math.floor(latencies.length * 0.99)],
      databaseCpuUs: ((cpuOf(backends) - cpuBefore) * 1000) / latencies.length,
    };
  } finally {
    await pool.end();
  }
}

async function analyze(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('ANALYZE');
  await client.end();
}

/** The page from PostgreSQL, the same page with the database left out, and the page's SQL alone. */
async function graphql() {
  const database = await freshPostgres();
  const env = { DATABASE_URL: database.url, SIGNATURE_BACKEND: 'native' };
  let service = await startService(env);
  try {
    const { a } = await seed(service);
    const seeded = await fire(service.url, voteBodies(a, PAGE_VOTES), CONNECTIONS);
    if (seeded.non2xx || seeded.errors) throw new Error(`seeding: ${seeded.non2xx} refused, ${seeded.errors} errors`);
    // Statistics, as autovacuum gathers them on a server that runs it (this machine's runs without):
    // with none the planner guesses a handful of rows and sorts them all instead of reading the index.
    if (process.env.BENCH_ANALYZE !== 'off') await analyze(database.url);
    const full = await pageLoad(`${service.url}/graphql`, pageQuery(a), service, database.url, SECONDS);
    const distinct = await pageLoad(`${service.url}/graphql`, distinctPageQuery(a), service, database.url, SECONDS);
    await service.stop();
    service = await startService(env, 'bench/services/graphql-server.ts');
    const memory = await pageLoad(`${service.url}/graphql`, pageQuery(a), service, database.url, SECONDS);
    const sql = await sqlLoad(database.url, a, SECONDS);
    return { full, distinct, memory, sql };
  } finally {
    await service.stop();
    await database.drop();
  }
}

const load = () => `load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`;
console.log(`# spine benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version} — ${load()}`);
const part = (name: string) => PARTS.has(name) || PARTS.has('ingest');
let pgNativeRate: number | undefined;
if (part('ingest-postgres')) {
  const pgNative = await ingest('postgres native', { DATABASE_URL: 'fresh', SIGNATURE_BACKEND: 'native' }, VOTES, true);
  pgNativeRate = pgNative.throughput.requestsPerSecond;
  report('ingest, PostgreSQL, native verify (votes/s)', pgNativeRate, 'votes/s', 5000, 'of target 5,000');
  report('  p99 at that load (ms)', pgNative.throughput.p99, 'ms', 14, 'of reference 14 ms');
  report('  service CPU per vote (µs)', pgNative.serviceCpuUs, 'µs', 1e6 / 5000, 'of one core at 5,000/s');
  report('    of which its main thread (µs)', pgNative.mainCpuUs, 'µs', 1e6 / 5000, 'of one core at 5,000/s');
  report('  PostgreSQL CPU per vote (µs)', pgNative.databaseCpuUs!, 'µs', 1e6 / 5000, 'of one core at 5,000/s');
  report('ingest at 3,000 votes/s, PostgreSQL: p99 (ms)', pgNative.latency!.p99, 'ms', 25, 'of limit 25 ms');
}
if (part('ingest-pglite')) {
  const pglite = await ingest('pglite native', { SIGNATURE_BACKEND: 'native' }, VOTES, false);
  report('ingest, PGlite, native verify (votes/s)', pglite.throughput.requestsPerSecond, 'votes/s', 3000, 'of target 3,000');
  report('  service CPU per vote, PGlite inside (µs)', pglite.serviceCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
  report('    of which its main thread (µs)', pglite.mainCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
}
if (part('ingest-js')) {
  const slow = await ingest('postgres js', { DATABASE_URL: 'fresh', SIGNATURE_BACKEND: 'js' }, Math.min(VOTES, 4000), false);
  report('ingest, PostgreSQL, pure-JS verify (Snapshot stack) (votes/s)', slow.throughput.requestsPerSecond, 'votes/s', 374, 'of reference 374');
  if (pgNativeRate !== undefined) {
    report('native vs pure-JS verify, same run (ratio)', pgNativeRate / slow.throughput.requestsPerSecond, 'x', 13.6, 'of reference ratio 13.6x');
  }
}
if ([...PARTS].some((name) => name.startsWith('ingest'))) console.log(`# ${load()}`);
if (PARTS.has('graphql')) {
  const { full, distinct, memory, sql } = await graphql();
  for (const [label, figures] of [
    ['GraphQL page of 100 votes, PostgreSQL (req/s)', full],
    ['same page, no two requests alike (nothing shared) (req/s)', distinct],
  ] as const) {
    report(label, figures.requestsPerSecond, 'req/s', 3000, 'of target 3,000');
    report('  p99 (ms)', figures.p99, 'ms', 20, 'of limit 20 ms');
    report('  service CPU per request (µs)', figures.serviceCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
    report('  PostgreSQL CPU per request (µs)', figures.databaseCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
  }
  report('same page, GraphQL only: rows from memory (req/s)', memory.requestsPerSecond, 'req/s', 5000, 'of reference 5.0k (mercurius jit)');
  report('  p99 (ms)', memory.p99, 'ms', 14, 'of reference 14 ms');
  report('  service CPU per request (µs)', memory.serviceCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
  report("same page's SQL alone, pg, 32 connections (queries/s)", sql.queriesPerSecond, 'q/s', 3000, 'of target 3,000');
  report('  p99 (ms)', sql.p99, 'ms', 20, 'of limit 20 ms');
  report('  PostgreSQL CPU per query (µs)', sql.databaseCpuUs, 'µs', 1e6 / 3000, 'of one core at 3,000/s');
  console.log(`# ${load()}`);
}
