/**
 * Ingest CPU per vote without HTTP sockets or a separate load process: pre-signed votes through `app.inject`,
 * 64 at a time, on a fresh PostgreSQL database and on PGlite in memory. Prints votes/s, the process's CPU
 * per vote (signature workers and V8's helper threads included) and the main thread's (what bounds one
 * process). The load is made in the same process, so the main thread's figure includes light-my-request.
 * BENCH_VOTES (8,000) per run after 1,000 to warm up; BENCH_ROUNDS (1); SIGNATURE_WORKERS as the service's.
 */
import fs from 'node:fs';
import os from 'node:os';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config/load-config.ts';
import { openDatabase } from '../server/db/open-database.ts';
import { createServiceKey } from '../server/service-key.ts';
import { freshPostgres, processCpuMs, proposalBody, randomKeys, report, spaceBody, voteBodies } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 8000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CONNECTIONS = 64;

async function run(usePostgres: boolean) {
  const created = usePostgres ? await freshPostgres() : undefined;
  const database = await openDatabase(created ? { databaseUrl: created.url } : { dataDir: ':memory:' });
  await database.migrate();
  const env = { ...process.env, DATA_DIR: ':memory:', LOG_LEVEL: 'warn', ...(created ? { DATABASE_URL: created.url } : {}) };
  const app = await buildApp({ config: loadConfig({ env }), database, serviceKey: createServiceKey(`0x${'11'.repeat(32)}`), logger: false });
  try {
    await app.ready();
    const post = (body: string) => app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, payload: body });
    const [controller] = randomKeys(1);
    await post(spaceBody(controller));
    const proposal = (JSON.parse((await post(proposalBody(controller, 'cpu'))).body) as { id: string }).id;
    const fire = async (bodies: string[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (next < bodies.length) {
            const response = await post(bodies[next++]);
            if (response.statusCode !== 200) throw new Error(response.body);
          }
        }),
      );
    };
    await fire(voteBodies(proposal, 1000));
    const bodies = voteBodies(proposal, VOTES);
    const processBefore = processCpuMs(process.pid);
    const mainBefore = processCpuMs(process.pid, process.pid);
    const started = performance.now();
    await fire(bodies);
    const seconds = (performance.now() - started) / 1000;
    return {
      votesPerSecond: VOTES / seconds,
      processUs: ((processCpuMs(process.pid) - processBefore) * 1000) / VOTES,
      mainUs: ((processCpuMs(process.pid, process.pid) - mainBefore) * 1000) / VOTES,
    };
  } finally {
    await app.close();
    await database.close();
    await created?.drop();
  }
}

const load = () => `load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`;
console.log(`# ingest CPU — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version} — SIGNATURE_WORKERS=${process.env.SIGNATURE_WORKERS ?? 'default'} — ${load()}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, usePostgres] of [['PostgreSQL', true], ['PGlite', false]] as const) {
    const figures = await run(usePostgres);
    report(`in-process ingest, ${label} (votes/s)`, figures.votesPerSecond, 'votes/s', label === 'PGlite' ? 3000 : 5000, `of target ${label === 'PGlite' ? '3,000' : '5,000'}`);
    report('  process CPU per vote (µs)', figures.processUs, 'µs', 1e6 / 5000, 'of one core at 5,000/s');
    report('  main thread CPU per vote (µs)', figures.mainUs, 'µs', 1e6 / 5000, 'of one core at 5,000/s');
  }
}
console.log(`# ${load()}`);
