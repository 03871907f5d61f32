/**
 * Spine benchmark: signed votes accepted end to end (each acknowledged after its commit) on PostgreSQL
 * and PGlite, native vs pure-JS (Snapshot's) signature recovery, latency at a fixed rate, and GraphQL
 * pages of 100 votes. The service runs in its own process; load comes from this one.
 */
import os from 'node:os';
import { fire, freshPostgres, hammer, postOk, proposalBody, randomKeys, report, spaceBody, startService, voteBodies, type Service } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);
const CONNECTIONS = 64;

async function seed(service: Service) {
  const [controller] = randomKeys(1);
  await postOk(service.url, spaceBody(controller));
  const proposal = async (title: string) => (await postOk(service.url, proposalBody(controller, title))).id;
  return { a: await proposal('throughput'), b: await proposal('latency') };
}

async function run(label: string, env: Record<string, string>, count: number, withLatency: boolean) {
  const database = env.DATABASE_URL === 'fresh' ? await freshPostgres() : undefined;
  const service = await startService(database ? { ...env, DATABASE_URL: database.url } : env);
  try {
    const { a, b } = await seed(service);
    const bodies = voteBodies(a, count);
    const throughput = await fire(service.url, bodies, CONNECTIONS);
    if (throughput.non2xx || throughput.errors) throw new Error(`${label}: ${throughput.non2xx} refused, ${throughput.errors} errors`);
    let latency;
    if (withLatency) latency = await fire(service.url, voteBodies(b, 15_000), CONNECTIONS, 3000);
    const page = JSON.stringify({ query: `{ votes(first: 100, where: { proposal: "${a}" }) { id voter choice vp created reason } }` });
    const graphql = withLatency ? await hammer(`${service.url}/graphql`, page, 32, 10) : undefined;
    return { throughput, latency, graphql };
  } finally {
    await service.stop();
    await database?.drop();
  }
}

console.log(`# spine benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`);
const pgNative = await run('postgres native', { DATABASE_URL: 'fresh', SIGNATURE_BACKEND: 'native' }, VOTES, true);
report('ingest, PostgreSQL, native verify (votes/s)', pgNative.throughput.requestsPerSecond, 'votes/s', 5000, 'of target 5,000');
report('  p99 at that load (ms)', pgNative.throughput.p99, 'ms', 14, 'of reference 14 ms');
report('ingest at 3,000 votes/s, PostgreSQL: p99 (ms)', pgNative.latency!.p99, 'ms', 25, 'of limit 25 ms');
report('GraphQL page of 100 votes (req/s)', pgNative.graphql!.requestsPerSecond, 'req/s', 3000, 'of target 3,000');
report('  p99 (ms)', pgNative.graphql!.p99, 'ms', 20, 'of limit 20 ms');
if (pgNative.graphql!.non2xx) throw new Error('GraphQL errors under load');
const pglite = await run('pglite native', { SIGNATURE_BACKEND: 'native' }, VOTES, false);
report('ingest, PGlite, native verify (votes/s)', pglite.throughput.requestsPerSecond, 'votes/s', 3000, 'of target 3,000');
const slow = await run('postgres js', { DATABASE_URL: 'fresh', SIGNATURE_BACKEND: 'js' }, Math.min(VOTES, 4000), false);
report('ingest, PostgreSQL, pure-JS verify (Snapshot stack) (votes/s)', slow.throughput.requestsPerSecond, 'votes/s', 374, 'of reference 374');
report('native vs pure-JS verify, same run (ratio)', pgNative.throughput.requestsPerSecond / slow.throughput.requestsPerSecond, 'x', 13.6, 'of reference ratio 13.6x');
