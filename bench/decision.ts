/**
 * Decision benchmark: a closed proposal with 1,000,000 votes on the PostgreSQL server reaches its
 * signed decision (load ballots, recount, decide, sign, store). Target ≤ 5 s. Setup writes the votes
 * with SQL directly (their signatures are not what is measured here). The same proposal is then
 * counted the plain way (a row per vote through `pg`, `loadBallots` + `computeDecision`) in the same run,
 * which must give the same votes and results hashes, for a ratio that does not depend on machine load.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../server/db/open-database.ts';
import { computeDecision } from '../server/scoring/compute-decision.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { loadBallots } from '../server/scoring/load-ballots.ts';
import { createServiceKey } from '../server/service-key.ts';
import { freshPostgres, report } from './support.ts';

const VOTES = Number(process.env.BENCH_DECISION_VOTES ?? 1_000_000);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`# decision benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, load average ${load()}`);

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

// `quadratic-distinct`: most ballots differ (weights vary per vote), so few parse once and most are parsed one by one.
const VARIANTS = process.env.BENCH_DECISION_TYPES?.split(',') ?? ['single-choice', 'quadratic', 'ranked-choice', 'quadratic-distinct'];
for (const variant of VARIANTS) {
  const type = variant === 'quadratic-distinct' ? 'quadratic' : variant;
  const server = await freshPostgres();
  const database = await openDatabase({ databaseUrl: server.url });
  try {
    await database.migrate();
    const { db } = database;
    const end = Math.floor(Date.now() / 1000) - 10;
    const choices = ['A', 'B', 'C', 'D', 'E'];
    await db.execute(sql`INSERT INTO spaces (id, settings, name, network, controller, created, updated, mci)
      VALUES ('bench.eth', '{"name":"Bench","strategies":[{"name":"ticket","params":{}}]}', 'Bench', '1', '0x0000000000000000000000000000000000000001', 0, 0, 1)`);
    await db.execute(sql`INSERT INTO proposals (id, ipfs, author, created, space, network, symbol, type, title, body, discussion, choices, labels,
        start, "end", snapshot, strategies, validation, vote_validation, plugins, privacy, app, scores, scores_by_strategy, mci)
      VALUES ('0xbench', '', '0x0000000000000000000000000000000000000001', 0, 'bench.eth', '1', 'V', ${type}, 'Bench', '', '',
        ${JSON.stringify(choices)}::jsonb, '[]', 0, ${end}, 1, '[{"name":"ticket","params":{}}]', '{"name":"any","params":{}}',
        '{"name":"any","params":{}}', '{}', '', '', ARRAY[0,0,0,0,0]::numeric[], ARRAY[[0],[0],[0],[0],[0]]::numeric[], 2)`);
    // Live tallies are not what is measured: the trigger is off while the votes are loaded.
    await db.execute(sql`ALTER TABLE votes DISABLE TRIGGER votes_tally_insert`);
    const choiceSql =
      type === 'single-choice'
        ? sql`to_jsonb(1 + (i % 5))`
        : variant === 'quadratic-distinct'
          ? sql`jsonb_build_object((1 + i % 5)::text, 1 + i % 997, (1 + (i + 2) % 5)::text, 1 + (i / 5) % 1009)`
          : type === 'quadratic'
          ? sql`jsonb_build_object((1 + i % 5)::text, 1 + i % 3, (1 + (i + 2) % 5)::text, 1)`
          : sql`(SELECT jsonb_agg(1 + (i + k) % 5 ORDER BY k) FROM generate_series(0, 4) k)`;
    const started = performance.now();
    await db.execute(sql`INSERT INTO votes (id, ipfs, voter, space, proposal, choice, reason, app, metadata, created, vp, vp_by_strategy, vp_state, mci)
      SELECT '0x' || lpad(to_hex(i), 64, '0'), '', '0x' || lpad(to_hex(i), 40, '0'), 'bench.eth', '0xbench', ${choiceSql}, '', '', '{}',
             ${end} - 100, (1 + i % 1000)::numeric, jsonb_build_array(1 + i % 1000), 'final', i + 10
        FROM generate_series(1, ${VOTES}) i`);
    console.log(`  (${variant}: ${VOTES} votes loaded in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await decideProposal({ db, serviceKey, proposalId: '0xbench', now: end + 120, settleSeconds: 60, rpcUrls: {} });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(cpu0);
    if (result.status !== 'decided' || result.decision.votesCount !== VOTES) throw new Error('not decided');
    report(`${variant}: closed proposal with ${VOTES.toLocaleString('en')} votes → signed decision (s)`, seconds, 's', 5, 'of limit 5 s');
    const t1 = performance.now();
    const cpu1 = process.cpuUsage();
    const plain = computeDecision({
      proposal: { id: '0xbench', space: 'bench.eth', type, choices, strategies: 1, end, quorum: 0, quorumType: '', voting: {} },
      ballots: await loadBallots(db, '0xbench'),
    });
    const plainSeconds = (performance.now() - t1) / 1000;
    const plainCpu = cpuSeconds(cpu1);
    if (plain.message.votesHash !== result.decision.votesHash || plain.message.resultsHash !== result.decision.resultsHash) throw new Error('plain count differs');
    console.log(
      `  (same run: row-per-vote load + count alone ${plainSeconds.toFixed(1)} s, this process's CPU ${plainCpu.toFixed(1)} s; ` +
        `the decision above took this process ${cpu.toFixed(1)} s CPU; ${(plainSeconds / seconds).toFixed(1)}x faster end to end, same hashes; load average ${load()})`,
    );
  } finally {
    await database.close();
    await server.drop();
  }
}
