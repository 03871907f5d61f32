/**
 * verify-log benchmark: how fast `verifyLog` checks a log on PostgreSQL (target ≥ 5,000 messages/s), chain and
 * signatures alone and with the full replay and table comparison. The log is written by the real service: a
 * space, `BENCH_PROPOSALS` proposals, `BENCH_VOTES` votes spread over them (a tenth of the voters vote twice,
 * replacing their ballot), follows, and votes signed through an alias. `BENCH_LOG_URL` reuses an existing log
 * database instead (e.g. to profile with `--cpu-prof`); `BENCH_KEEP=1` keeps the one written.
 */
import os from 'node:os';
import { loadConfig } from '../server/config/load-config.ts';
import { openDatabase } from '../server/db/open-database.ts';
import { verifyLog } from '../server/log/verify-log.ts';
import { fire, freshPostgres, postOk, randomKeys, report, signEnvelope, startService } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 20_000);
const PROPOSALS = Number(process.env.BENCH_PROPOSALS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 64;

/** Writes the log through the service; returns the database URL and how to drop it. */
async function writeLog() {
  const database = await freshPostgres();
  const service = await startService({ DATABASE_URL: database.url, CHECKPOINT_INTERVAL: '0', RATE_LIMIT_MAX: '0', RATE_LIMIT_SIGNER_MAX: '0' });
  try {
    const [controller, ...extra] = randomKeys(3);
    const now = Math.floor(Date.now() / 1000);
    await postOk(
      service.url,
      signEnvelope(controller, 'settings', { space: 'bench.eth', timestamp: now, settings: JSON.stringify({ name: 'Bench', strategies: [{ name: 'ticket', params: {} }] }) }),
    );
    const proposals: string[] = [];
    for (let index = 0; index < PROPOSALS; index++) {
      const { id } = await postOk(
        service.url,
        signEnvelope(controller, 'proposal', {
          space: 'bench.eth', timestamp: now, type: index % 2 ? 'approval' : 'single-choice', title: `verify-log ${index}`, body: '', discussion: '',
          choices: ['For', 'Against', 'Abstain'], labels: [], start: now - 60, end: now + 86_400, snapshot: 1, plugins: '{}', privacy: '', app: '',
        }),
      );
      proposals.push(id);
    }
    const voters = randomKeys(VOTES - Math.floor(VOTES / 10));
    const choice = (index: number, proposal: number) => (proposal % 2 ? [(index % 3) + 1] : (index % 3) + 1);
    const kind = (proposal: number) => (proposal % 2 ? 'vote-array' : 'vote');
    const first = voters.map((key, index) => {
      const proposal = index % PROPOSALS;
      return signEnvelope(key, kind(proposal), { space: 'bench.eth', timestamp: now, proposal: proposals[proposal], choice: choice(index, proposal), reason: '', app: 'bench', metadata: '{}' });
    });
    await fire(service.url, first, CONNECTIONS);
    // A tenth vote again, later: the replay must pick the same winners.
    const again = voters.slice(0, Math.floor(VOTES / 10)).map((key, index) => {
      const proposal = index % PROPOSALS;
      return signEnvelope(key, kind(proposal), { space: 'bench.eth', timestamp: now + 1, proposal: proposals[proposal], choice: choice(index + 1, proposal), reason: 'changed', app: 'bench', metadata: '{}' });
    });
    await fire(service.url, again, CONNECTIONS);
    // Follows and an alias voting for its owner: the kinds applied one by one.
    const [owner, session] = extra;
    for (const key of voters.slice(0, 200)) await postOk(service.url, signEnvelope(key, 'follow', { space: 'bench.eth', timestamp: now, network: 's' }));
    await postOk(service.url, signEnvelope(owner, 'alias', { timestamp: now, alias: session.address }));
    const { address, privateKey } = session;
    await postOk(
      service.url,
      signEnvelope({ address, privateKey }, 'vote', { from: owner.address, space: 'bench.eth', timestamp: now, proposal: proposals[0], choice: 1, reason: '', app: 'bench', metadata: '{}' }),
    );
    return database;
  } finally {
    await service.stop();
  }
}

const started = process.hrtime.bigint();
const written = process.env.BENCH_LOG_URL ? undefined : await writeLog();
const url = process.env.BENCH_LOG_URL ?? written!.url;
const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
try {
  const config = loadConfig({ env: { LOG_LEVEL: 'silent' } });
  const { rows } = await database.pool!.query('SELECT count(*)::int AS n FROM messages');
  console.log(
    `# verify-log benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, ` +
      `${rows[0].n} messages (${PROPOSALS} proposals; log written in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s), best of ${ROUNDS}`,
  );
  for (const chainOnly of [true, false]) {
    let best = 0;
    let cpuPerMessage = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const outcome = await verifyLog({ db: database.db, config, chainOnly });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      if (!outcome.ok) throw new Error(`verify-log found a divergence: ${JSON.stringify(outcome.divergence)}`);
      best = Math.max(best, outcome.messages / seconds);
      cpuPerMessage = Math.min(cpuPerMessage, (used.user + used.system) / outcome.messages);
    }
    const label = chainOnly ? 'chain + signatures' : 'chain + signatures + replay + compare';
    report(`verify-log ${label} (messages/s)`, best, 'msg/s', 5000, 'of target 5,000');
    // CPU time of this process (every thread; not PostgreSQL's): what the figure would be on idle cores.
    console.log(`  ${label}: ${cpuPerMessage.toFixed(0)} µs of verifier CPU per message (${Math.round(1e6 / cpuPerMessage)} messages per CPU-second)`);
  }
} finally {
  await database.close();
  if (written && !process.env.BENCH_KEEP) await written.drop();
  else console.log(`# log kept: ${url}`);
}
