/**
 * Reliability benchmark: ingest throughput with and without the abuse limits and the hash chain
 * (target: together they cost ≤ 10%), and how fast `verify-log` checks a log (target ≥ 5,000 messages/s),
 * chain and signatures alone and with the full replay. PostgreSQL, native signatures, 64 connections.
 */
import os from 'node:os';
import { loadConfig } from '../server/config/load-config.ts';
import { openDatabase } from '../server/db/open-database.ts';
import { verifyLog } from '../server/log/verify-log.ts';
import { fire, freshPostgres, postOk, randomKeys, report, signEnvelope, type Service, startService } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);
const CONNECTIONS = 64;
const NO_LIMITS = { RATE_LIMIT_MAX: '0', RATE_LIMIT_SIGNER_MAX: '0', CORS_ORIGINS: '', SECURITY_HEADERS: 'false' };
// Limits on but never reached: the cost of counting, not of refusing.
const LIMITS = { RATE_LIMIT_MAX: '10000000', RATE_LIMIT_SIGNER_MAX: '100', CORS_ORIGINS: '*', SECURITY_HEADERS: 'true' };

async function seed(service: Service) {
  const [controller] = randomKeys(1);
  const now = Math.floor(Date.now() / 1000);
  await postOk(
    service.url,
    signEnvelope(controller, 'settings', { space: 'bench.eth', timestamp: now, settings: JSON.stringify({ name: 'Bench', strategies: [{ name: 'ticket', params: {} }] }) }),
  );
  const { id } = await postOk(
    service.url,
    signEnvelope(controller, 'proposal', {
      space: 'bench.eth', timestamp: now, type: 'single-choice', title: 'reliability', body: '', discussion: '',
      choices: ['For', 'Against', 'Abstain'], labels: [], start: now - 60, end: now + 86_400, snapshot: 1, plugins: '{}', privacy: '', app: '',
    }),
  );
  return id;
}

async function run(label: string, env: Record<string, string>, keep = false) {
  const database = await freshPostgres();
  const service = await startService({ ...env, DATABASE_URL: database.url, CHECKPOINT_INTERVAL: '0' }, 'bench/services/reliability-server.ts');
  try {
    const proposal = await seed(service);
    const now = Math.floor(Date.now() / 1000);
    const bodies = randomKeys(VOTES).map((key, index) =>
      signEnvelope(key, 'vote', { space: 'bench.eth', timestamp: now, proposal, choice: (index % 3) + 1, reason: '', app: 'bench', metadata: '{}' }),
    );
    const result = await fire(service.url, bodies, CONNECTIONS);
    if (result.non2xx || result.errors) throw new Error(`${label}: ${result.non2xx} refused, ${result.errors} errors`);
    return { result, database };
  } finally {
    await service.stop();
    if (!keep) await database.drop();
  }
}

const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const uptime = () => `load average ${os.loadavg().map((load) => load.toFixed(2)).join(', ')}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `# reliability benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, ` +
    `${VOTES} votes, ${REPEAT} interleaved rounds (bare, full, chain only; a fresh database each), ${uptime()}`,
);
// Interleaved rounds, so a change in the machine's load hits every configuration alike; the cost is the
// median of the per-round ratios (each ratio from two runs minutes apart, not hours).
const rates = { bare: [] as number[], full: [] as number[], chain: [] as number[] };
let kept: Awaited<ReturnType<typeof run>>['database'] | undefined;
for (let round = 0; round < REPEAT; round++) {
  const bare = await run('bare', { ...NO_LIMITS, BENCH_HASH_CHAIN: 'off' });
  const last = round === REPEAT - 1;
  const full = await run('full', { ...LIMITS }, last);
  const chainOnly = await run('chain', { ...NO_LIMITS });
  if (last) kept = full.database;
  rates.bare.push(bare.result.requestsPerSecond);
  rates.full.push(full.result.requestsPerSecond);
  rates.chain.push(chainOnly.result.requestsPerSecond);
  console.log(
    `round ${round + 1}: bare ${bare.result.requestsPerSecond.toFixed(0)}, full ${full.result.requestsPerSecond.toFixed(0)}, ` +
      `chain only ${chainOnly.result.requestsPerSecond.toFixed(0)} votes/s (${uptime()})`,
  );
}
const ratios = (of: number[]) => of.map((rate, index) => rate / rates.bare[index]);
report('ingest, no limits, no hash chain (median votes/s)', median(rates.bare), 'votes/s', median(rates.bare), 'of itself');
report('ingest, hash chain only (median votes/s)', median(rates.chain), 'votes/s', median(rates.bare), 'of bare');
report('ingest, rate limits + headers + hash chain (median votes/s)', median(rates.full), 'votes/s', median(rates.bare), 'of bare (target ≥ 0.90)');
console.log(`per-round ratios full/bare: ${ratios(rates.full).map((ratio) => ratio.toFixed(2)).join(', ')}; chain/bare: ${ratios(rates.chain).map((ratio) => ratio.toFixed(2)).join(', ')}`);
console.log(`cost of limits and chain: ${((1 - median(ratios(rates.full))) * 100).toFixed(1)}% (median of rounds; target ≤ 10%); ${uptime()}`);

const database = await openDatabase({ databaseUrl: kept!.url, poolSize: 2 });
try {
  const config = loadConfig({ env: { LOG_LEVEL: 'silent' } });
  for (const chain of [true, false]) {
    const started = process.hrtime.bigint();
    const outcome = await verifyLog({ db: database.db, config, chainOnly: chain });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (!outcome.ok) throw new Error(`verify-log found a divergence: ${JSON.stringify(outcome.divergence)}`);
    report(`verify-log ${chain ? 'chain + signatures' : 'chain + signatures + replay + compare'} (messages/s)`, outcome.messages / seconds, 'msg/s', 5000, 'of target 5,000');
  }
} finally {
  await database.close();
  await kept!.drop();
}
