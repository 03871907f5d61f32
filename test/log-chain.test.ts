import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { verifyMessage } from 'ethers';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config/load-config.ts';
import { openDatabase, queryRows, type Database } from '../server/db/open-database.ts';
import { backfillChain } from '../server/log/backfill-chain.ts';
import { createCheckpoint } from '../server/log/checkpoint.ts';
import { entryHash, GENESIS_HASH } from '../server/log/entry-hash.ts';
import { verifyLog } from '../server/log/verify-log.ts';
import { createEntryChecker } from '../server/log/create-entry-checker.ts';
import { readLogPage } from '../server/log/read-log.ts';
import { createServiceKey } from '../server/service-key.ts';
import { graphql } from './support/client.ts';
import { openTestDatabase } from './support/database.ts';
import { populateLog } from './support/log-fixture.ts';

// The log lives where another process can open it: a PostgreSQL database, or PGlite in a directory.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-log-'));
const testDatabase = process.env.DATABASE_URL ? await openTestDatabase() : undefined;
const env = testDatabase ? { DATABASE_URL: testDatabase.url! } : { DATA_DIR: dataDir };
const config = loadConfig({ env: { ...env, LOG_LEVEL: 'silent', CHECKPOINT_INTERVAL: '1' } });
const openLog = async (): Promise<Database> => {
  const database = testDatabase ? await openDatabase({ databaseUrl: testDatabase.url, poolSize: 2 }) : await openDatabase({ dataDir });
  await database.migrate();
  return database;
};
t.teardown(async () => {
  await testDatabase?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const serviceKey = createServiceKey(`0x${'42'.repeat(32)}`);
let database = await openLog();
const app = await buildApp({ config, database, serviceKey, logger: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const fixture = await populateLog(url);
const db = () => database.db;

type Row = { mci: string; id: string; prev_hash: string; hash: string; envelope: unknown };
const rows = () => queryRows<Row>(db(), sql`SELECT mci, id, prev_hash, hash, envelope FROM messages ORDER BY mci`);

t.test('every entry chains to the one before it', async (tt) => {
  const log = await rows();
  tt.equal(log.length, fixture.accepted);
  tt.equal(log[0].prev_hash, GENESIS_HASH);
  for (let index = 1; index < log.length; index++) tt.equal(log[index].prev_hash, log[index - 1].hash, `entry ${log[index].mci}`);
  tt.ok(log.every((row) => /^0x[0-9a-f]{64}$/.test(row.hash)));
  tt.equal(new Set(log.map((row) => row.hash)).size, log.length);
  const { data } = await graphql(url, '{ messages(first: 1, orderBy: "mci", orderDirection: asc) { mci prev_hash hash } }');
  tt.same(data.messages, [{ mci: Number(log[0].mci), prev_hash: GENESIS_HASH, hash: log[0].hash }]);
});

t.test('the log verifies: chain, signatures and every derived table', async (tt) => {
  const outcome = await verifyLog({ db: db(), config });
  tt.same(outcome.divergence, null);
  tt.equal(outcome.messages, fixture.accepted);
  tt.ok(outcome.rows.votes > 0 && outcome.rows.vote_history > outcome.rows.votes && outcome.rows.aliases === 1, JSON.stringify(outcome.rows));
});

t.test('checkpoints are signed by the service, periodic, and served over REST and GraphQL', async (tt) => {
  const log = await rows();
  const head = log[log.length - 1];
  let latest: any;
  // CHECKPOINT_INTERVAL=1: checkpoints of earlier heads may exist from while the log was written; one of the
  // final head appears within seconds (the deadline is generous for a loaded machine).
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await fetch(`${url}/api/checkpoints/latest`);
    if (response.status !== 200) tt.equal(response.status, 404, 'no checkpoint yet');
    if (response.status === 200) {
      latest = await response.json();
      if (latest.mci === Number(head.mci)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  tt.match(latest, { mci: Number(head.mci), hash: head.hash, signer: serviceKey.address });
  tt.equal(verifyMessage(latest.statement, latest.signature), serviceKey.address, 'anyone can check the signature');
  tt.match(latest.statement, `mci: ${head.mci}\nhash: ${head.hash}`);
  const again = await createCheckpoint({ db: db(), serviceKey });
  tt.equal(again?.mci, latest.mci, 'an unchanged head is not checkpointed twice');
  const list = (await (await fetch(`${url}/api/checkpoints?first=5`)).json()) as any[];
  tt.same(list[0], latest, 'newest first');
  tt.ok(list.every((checkpoint: any, index: number) => index === 0 || checkpoint.mci < list[index - 1].mci));
  const { data } = await graphql(url, '{ checkpoints(first: 1) { mci hash signature signer created statement } }');
  tt.same(data.checkpoints, [latest]);
  tt.equal((await fetch(`${url}/api/checkpoints?first=5000`)).status, 400);
});

/** Applies `tamper`, runs the check (the chain alone unless `tables`), then restores the log with `restore`. */
async function tampered(tamper: string[], restore: string[], tables = false) {
  for (const statement of tamper) await db().execute(sql.raw(statement));
  try {
    return await verifyLog({ db: db(), config, chainOnly: !tables });
  } finally {
    for (const statement of restore) await db().execute(sql.raw(statement));
  }
}

t.test('an altered entry is found at its mci', async (tt) => {
  const log = await rows();
  const victim = log[10];
  const original = JSON.stringify(victim.envelope).replaceAll("'", "''");
  const outcome = await tampered(
    [`UPDATE messages SET envelope = jsonb_set(envelope, '{data,message,choice}', '3') WHERE mci = ${victim.mci}`],
    [`UPDATE messages SET envelope = '${original}'::jsonb WHERE mci = ${victim.mci}`],
  );
  tt.match(outcome.divergence, { mci: Number(victim.mci), check: 'hash' });
  tt.equal(outcome.messages, 10, 'the entries before it verified');
  tt.ok((await verifyLog({ db: db(), config, chainOnly: true })).ok, 'restored');
});

t.test('an altered entry whose hash was recomputed breaks the chain at the next entry', async (tt) => {
  const log = await rows();
  const [victim, next] = [log[5], log[6]];
  // The forger also re-signs nothing: the envelope check catches a changed receipt-free field at the same entry.
  const [full] = await queryRows<any>(db(), sql`SELECT * FROM messages WHERE mci = ${victim.mci}`);
  const forgedHash = entryHash(full.prev_hash, { ...full, mci: Number(full.mci), timestamp: Number(full.timestamp), received: Number(full.received) + 1 });
  const outcome = await tampered(
    [`UPDATE messages SET received = received + 1, hash = '${forgedHash}' WHERE mci = ${victim.mci}`],
    [`UPDATE messages SET received = received - 1, hash = '${victim.hash}' WHERE mci = ${victim.mci}`],
  );
  tt.match(outcome.divergence, { mci: Number(next.mci), check: 'chain' });
});

t.test('an entry re-hashed with another valid-looking signature is found by the signature check', async (tt) => {
  const log = await rows();
  const victim = log[7];
  const [full] = await queryRows<any>(db(), sql`SELECT * FROM messages WHERE mci = ${victim.mci}`);
  // A forger who rewrites the signer and recomputes the whole chain from there is caught by the signature.
  const forged = { ...full, mci: Number(full.mci), timestamp: Number(full.timestamp), received: Number(full.received), address: fixture.voters[5].address };
  const outcome = await tampered(
    [`UPDATE messages SET address = '${forged.address}', hash = '${entryHash(full.prev_hash, forged)}' WHERE mci = ${victim.mci}`],
    [`UPDATE messages SET address = '${full.address}', hash = '${victim.hash}' WHERE mci = ${victim.mci}`],
  );
  // The next entry's prev_hash no longer matches either; the chain check comes first there, so look at this one.
  tt.match(outcome.divergence, { mci: Number(victim.mci), check: 'envelope', detail: /signature does not recover/ });
});

t.test('a dropped entry is found at the entry after it', async (tt) => {
  const log = await rows();
  const [dropped, next] = [log[8], log[9]];
  // Not a TEMP table: the pool may run the next statement on another connection.
  await db().execute(sql`CREATE TABLE IF NOT EXISTS dropped AS SELECT * FROM messages WITH NO DATA`);
  const outcome = await tampered(
    [`INSERT INTO dropped SELECT * FROM messages WHERE mci = ${dropped.mci}`, `DELETE FROM messages WHERE mci = ${dropped.mci}`],
    [`INSERT INTO messages SELECT * FROM dropped`, `DELETE FROM dropped`],
  );
  tt.match(outcome.divergence, { mci: Number(next.mci), check: 'chain', detail: /dropped, inserted or reordered/ });
  tt.ok((await verifyLog({ db: db(), config, chainOnly: true })).ok, 'restored');
});

t.test('a reordered pair is found at the first of them', async (tt) => {
  const log = await rows();
  const [a, b] = [Number(log[12].mci), Number(log[13].mci)];
  const swap = [
    `UPDATE messages SET mci = -1 WHERE mci = ${a}`,
    `UPDATE messages SET mci = ${a} WHERE mci = ${b}`,
    `UPDATE messages SET mci = ${b} WHERE mci = -1`,
  ];
  const outcome = await tampered(swap, swap);
  tt.match(outcome.divergence, { mci: a, check: 'chain' });
  tt.ok((await verifyLog({ db: db(), config, chainOnly: true })).ok, 'restored');
});

t.test('a derived row that the log does not explain is found', async (tt) => {
  const proposal = fixture.proposals[0];
  const voter = fixture.voters[4].address;
  const [vote] = await queryRows<{ choice: unknown }>(db(), sql`SELECT choice FROM votes WHERE proposal = ${proposal} AND voter = ${voter}`);
  const outcome = await tampered(
    [`UPDATE votes SET choice = '3' WHERE proposal = '${proposal}' AND voter = '${voter}'`],
    [`UPDATE votes SET choice = '${JSON.stringify(vote.choice)}' WHERE proposal = '${proposal}' AND voter = '${voter}'`],
    true,
  );
  // The tally trigger moved the proposal's scores too; proposals are compared before votes.
  tt.match(outcome.divergence, { check: 'table', detail: /^proposals: the database has .*"scores".* where replaying the log gives/ });
  const deleted = await tampered([`DELETE FROM follows WHERE follower = '${fixture.voters[2].address}'`], [], true);
  tt.match(deleted.divergence, { check: 'table', detail: /^follows: the database has .* where replaying the log gives/ });
  // Put the follow back by replaying it: re-derive from scratch is what verify-log does; here re-insert from the log.
  const [follow] = await queryRows<any>(db(), sql`SELECT id, ipfs, envelope, timestamp FROM messages WHERE type = 'follow' AND address = ${fixture.voters[2].address}`);
  await db().execute(
    sql`INSERT INTO follows (id, ipfs, follower, space, network, created) VALUES (${follow.id}, ${follow.ipfs}, ${fixture.voters[2].address}, 'log.eth', 's', ${Number(follow.timestamp)})`,
  );
  tt.ok((await verifyLog({ db: db(), config })).ok, 'restored');
});

t.test('read four entries a page, the next read while one is checked, a tampered entry is still found at its mci', async (tt) => {
  const log = await rows();
  const victim = log[15];
  const original = JSON.stringify(victim.envelope).replaceAll("'", "''");
  await db().execute(sql.raw(`UPDATE messages SET envelope = jsonb_set(envelope, '{data,message,reason}', '"forged"') WHERE mci = ${victim.mci}`));
  try {
    // Pages of 4 entries: the divergence is in the fourth page, checked while the fifth is being read.
    const outcome = await verifyLog({ db: db(), config, pageSize: 4 });
    tt.match(outcome.divergence, { mci: Number(victim.mci), check: 'hash' });
    tt.equal(outcome.messages, 15);
    tt.equal(outcome.head?.hash, log[14].hash);
  } finally {
    await db().execute(sql.raw(`UPDATE messages SET envelope = '${original}'::jsonb WHERE mci = ${victim.mci}`));
  }
  const intact = await verifyLog({ db: db(), config, pageSize: 4 });
  tt.same(intact.divergence, null);
  tt.equal(intact.messages, fixture.accepted);
});

t.test('entries checked by worker threads give the same results as on the calling thread', async (tt) => {
  const log = await readLogPage(db(), -1, 1000, { envelopeAsText: true });
  // The fourth entry claims another signer: the worker finds it at its own position, not the chunk's.
  log[3] = { ...log[3], address: fixture.voters[5].address };
  const inline = createEntryChecker({ config, workers: 0 });
  const threaded = createEntryChecker({ config, workers: 2, chunkSize: 2 });
  try {
    const [here, there] = await Promise.all([inline.check(log), threaded.check(log)]);
    tt.same(there, here);
    tt.equal(there.length, log.length);
    tt.match(there[3].divergence, { mci: Number(log[3].mci), check: 'hash' });
    tt.ok(there.every((check, index) => index === 3 || check.divergence === null));
    tt.ok(there.every((check, index) => index === 3 || check.hash === log[index].hash), 'hashes recomputed over each stored prev_hash');
  } finally {
    await threaded.close();
  }
});

t.test('a re-chained log whose ballots were swapped is refused by the replay at the vote applied second', async (tt) => {
  const log = await queryRows<{ mci: string; address: string; type: string; hash: string }>(db(), sql`SELECT mci, address, type, hash FROM messages ORDER BY mci`);
  const voter = fixture.voters[0].address;
  const [first, second] = log.filter((row) => row.address === voter && row.type === 'vote');
  const rechain = async () => {
    await db().execute(sql`UPDATE messages SET prev_hash = '', hash = '' WHERE mci >= ${first.mci}`);
    await backfillChain(db());
  };
  const swap = [
    `UPDATE messages SET mci = -1 WHERE mci = ${first.mci}`,
    `UPDATE messages SET mci = ${first.mci} WHERE mci = ${second.mci}`,
    `UPDATE messages SET mci = ${second.mci} WHERE mci = -1`,
  ];
  // A forger who reorders two signed ballots and recomputes every hash after them: chain, hashes and
  // signatures all check out; only replaying shows the older ballot cannot follow the newer one.
  for (const statement of swap) await db().execute(sql.raw(statement));
  await rechain();
  try {
    tt.same((await verifyLog({ db: db(), config, chainOnly: true })).divergence, null, 'the chain alone cannot tell');
    const outcome = await verifyLog({ db: db(), config });
    tt.match(outcome.divergence, { mci: Number(second.mci), check: 'replay', detail: /already voted at later time/ });
    const before = log.filter((row) => Number(row.mci) < Number(second.mci));
    tt.equal(outcome.messages, before.length, 'the entries before the refused vote, not the batch after it');
    tt.equal(outcome.head?.mci, Number(before[before.length - 1].mci));
    // Batches of two votes applied while the next are verified, four entries a page: the same divergence.
    for (const voteBatch of [1, 2]) {
      const small = await verifyLog({ db: db(), config, pageSize: 4, voteBatch });
      tt.same(small, { ...outcome, rows: {} }, `batches of ${voteBatch}`);
    }
    // A later entry altered too: the refused vote, still queued when the altered entry is checked, comes first.
    const later = log.filter((row) => Number(row.mci) > Number(second.mci))[0];
    const [{ sig }] = await queryRows<{ sig: string }>(db(), sql`SELECT sig FROM messages WHERE mci = ${later.mci}`);
    await db().execute(sql`UPDATE messages SET sig = ${'0x' + '1'.repeat(130)} WHERE mci = ${later.mci}`);
    try {
      tt.match((await verifyLog({ db: db(), config, chainOnly: true })).divergence, { mci: Number(later.mci), check: 'hash' });
      for (const voteBatch of [undefined, 2]) {
        const first = await verifyLog({ db: db(), config, voteBatch });
        tt.same(first, { ...outcome, rows: {} }, `the refused vote, not the altered entry after it (batches of ${voteBatch ?? 'default'})`);
      }
    } finally {
      await db().execute(sql`UPDATE messages SET sig = ${sig} WHERE mci = ${later.mci}`);
    }
  } finally {
    for (const statement of swap) await db().execute(sql.raw(statement));
    await rechain();
  }
  tt.same(
    (await rows()).map((row) => row.hash),
    log.map((row) => row.hash),
    'restored: the same chain as before',
  );
});

t.test('a derived row missing or added is found, with the mci of the entry that wrote it', async (tt) => {
  const [history] = await queryRows<any>(db(), sql`SELECT * FROM vote_history ORDER BY mci DESC LIMIT 1`);
  await db().execute(sql`CREATE TABLE IF NOT EXISTS history_copy AS SELECT * FROM vote_history WITH NO DATA`);
  const missing = await tampered(
    [`INSERT INTO history_copy SELECT * FROM vote_history WHERE id = '${history.id}'`, `DELETE FROM vote_history WHERE id = '${history.id}'`],
    [`INSERT INTO vote_history SELECT * FROM history_copy`, `DELETE FROM history_copy`],
    true,
  );
  tt.match(missing.divergence, { mci: Number(history.mci), check: 'table', detail: /^vote_history: the database has no row where replaying the log gives .*"id":"0x/ });
  const extra = await tampered(
    [`INSERT INTO aliases (id, ipfs, address, alias, created) VALUES ('0xforged', 'forged', '${fixture.voters[3].address}', '${fixture.voters[4].address}', 1)`],
    [`DELETE FROM aliases WHERE id = '0xforged'`],
    true,
  );
  tt.match(extra.divergence, { mci: null, check: 'table', detail: /^aliases: the database has .*0xforged.* where replaying the log gives no row/ });
  tt.ok((await verifyLog({ db: db(), config })).ok, 'restored');
});

t.test('a derived value equal to the replayed one but not written the same is found', async (tt) => {
  // 1.0 = 1 as numbers: a comparison by equality would let it pass, the row's text differs.
  const [history] = await queryRows<{ id: string; mci: string }>(db(), sql`SELECT id, mci FROM vote_history ORDER BY mci LIMIT 1`);
  const scaled = await tampered(
    [`UPDATE vote_history SET vp = vp * 1.0 WHERE id = '${history.id}'`],
    [`UPDATE vote_history SET vp = trim_scale(vp) WHERE id = '${history.id}'`],
    true,
  );
  tt.match(scaled.divergence, { mci: Number(history.mci), check: 'table', detail: /^vote_history: the database has .*"vp":1\.0,.* where replaying the log gives .*"vp":1,/ });
  tt.ok((await verifyLog({ db: db(), config })).ok, 'restored');
});

t.test('entries written before the chain existed are chained once at start', async (tt) => {
  const log = await rows();
  await db().execute(sql`UPDATE messages SET prev_hash = '', hash = '' WHERE mci <= ${log[4].mci}`);
  tt.match((await verifyLog({ db: db(), config, chainOnly: true })).divergence, { mci: Number(log[0].mci), check: 'chain' });
  tt.equal(await backfillChain(db(), 3), 5, 'only the unchained entries are rewritten');
  tt.same(await rows(), log, 'the same hashes as written by the log writer');
  tt.equal(await backfillChain(db()), 0, 'a no-op afterwards');
});

t.test('npm run verify-log: exit 0 on the intact log, 1 and the first divergence on a tampered one', async (tt) => {
  await app.close();
  await database.close();
  const cli = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/verify-log.ts'], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      child.on('exit', (code) => resolve({ code, out }));
    });
  const good = await cli();
  tt.equal(good.code, 0, good.out);
  tt.match(good.out, `verify-log: OK: ${fixture.accepted} messages`);
  database = await openLog();
  const log = await rows();
  await db().execute(sql`UPDATE messages SET sig = ${'0x' + '1'.repeat(130)} WHERE mci = ${log[3].mci}`);
  await database.close();
  const bad = await cli();
  tt.equal(bad.code, 1, bad.out);
  tt.match(bad.out, `DIVERGENCE (hash) at mci ${log[3].mci}`);
});
