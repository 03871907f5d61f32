// Live weighted and quadratic scores kept by the votes trigger (migration 0014): after votes, vote changes, invalid
// ballots and 1-4 strategies written through the real votes upsert, the published scores equal a full recount
// (snapshot.js 0.17.5 and conclave's identical `tally`) on PGlite, or PostgreSQL when DATABASE_URL is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { openDatabase, queryRows, type Db } from '../server/db/open-database.ts';
import { vote, type PreparedVote } from '../server/ingest/kinds/vote.ts';
import type { LogRow } from '../server/ingest/log-writer.ts';
import { loadBallots } from '../server/scoring/load-ballots.ts';
import { isValidChoice, tally } from '../server/scoring/tally.ts';
import type { TallyReturnType, Vote } from '../server/scoring/types.ts';
import { createPostgresDatabase, openTestDatabase } from './support/database.ts';
import { choiceLabels, randomChoice, randomPower } from './support/scoring-ballots.ts';
import { seededRandom, type Random } from './support/seeded-random.ts';
import { snapshotTally } from './support/snapshot-voting.ts';

const database = await openTestDatabase();
t.teardown(() => database.drop());
const { db } = database;
const SPACE = 'live.eth';

let nextMci = 1;
let nextId = 1;

/** An open proposal row of `type` over `n` choices and `strategies` strategies, zero scores as ingest creates it. */
async function createProposal(type: string, n: number, strategies: number, on: Db = db): Promise<string> {
  const id = `0x${type}-${nextMci}`;
  const choices = choiceLabels(n);
  const row = `{${Array.from({ length: strategies }, () => '0').join(',')}}`;
  await on.execute(sql`INSERT INTO proposals (id, ipfs, author, created, space, network, symbol, type, title, body, discussion, choices, labels,
      start, "end", snapshot, strategies, validation, vote_validation, plugins, privacy, app, scores, scores_by_strategy, mci)
    VALUES (${id}, '', '0x0000000000000000000000000000000000000001', 0, ${SPACE}, '1', 'V', ${type}, 'Live', '', '',
      ${JSON.stringify(choices)}::jsonb, '[]', 0, 4000000000, 1, ${JSON.stringify(Array.from({ length: strategies }, () => ({ name: 'ticket', params: {} })))}::jsonb,
      '{"name":"any","params":{}}', '{"name":"any","params":{}}', '{}', '', '',
      ${`{${choices.map(() => '0').join(',')}}`}::numeric[], ${`{${choices.map(() => row).join(',')}}`}::numeric[], ${nextMci++})`);
  return id;
}

type Cast = { voter: string; choice: unknown; vp: number; vpByStrategy: number[]; created: number };

/** Writes ballots in one transaction through the service's votes upsert (a voter's second ballot goes to a later round). */
async function write(proposal: string, casts: Cast[], on: Db = db): Promise<void> {
  const items = casts.map((cast) => {
    const prepared: PreparedVote = {
      id: `0x${(nextId++).toString(16).padStart(64, '0')}`,
      voter: cast.voter,
      space: SPACE,
      proposal,
      // What ingest stores is JSON: NaN, Infinity and undefined cannot reach the table.
      choice: JSON.parse(JSON.stringify(cast.choice) ?? 'null'),
      reason: '',
      app: '',
      metadata: {},
      created: cast.created,
      vp: cast.vp,
      vpByStrategy: cast.vpByStrategy,
      vpState: 'final',
      credentialId: null,
      statusListHash: null,
    };
    return { prepared, row: { ipfs: prepared.id } as LogRow, mci: nextMci++ };
  });
  const refused = await on.transaction((tx) => vote.apply(tx, items));
  if (refused.size > 0) throw new Error(`ballots refused: ${[...refused.values()].map((error) => error.message)}`);
}

type Live = TallyReturnType & { votes: number };

/** The scores as the GraphQL API reads them (numeric → float8). */
async function live(on: Db, proposal: string): Promise<Live> {
  const [row] = await queryRows<{ scores: number[]; sbs: number[][]; total: number; votes: number }>(
    on,
    sql`SELECT scores::float8[] AS scores, scores_by_strategy::float8[] AS sbs, scores_total::float8 AS total, votes FROM proposals WHERE id = ${proposal}`,
  );
  return { scores: row.scores.map(Number), scores_by_strategy: row.sbs.map((r) => r.map(Number)), scores_total: Number(row.total), votes: row.votes };
}

/** The current ballots in log order, as the decision counts them. */
async function counted(proposal: string, on: Db = db): Promise<Vote[]> {
  return (await loadBallots(on, proposal)).map((b) => ({ choice: b.choice, balance: b.vp, scores: b.vpByStrategy }));
}

function maxDifference(a: TallyReturnType, b: TallyReturnType): number {
  let worst = Math.abs(a.scores_total - b.scores_total);
  a.scores.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b.scores[i]))));
  a.scores_by_strategy.forEach((row, i) => row.forEach((x, s) => (worst = Math.max(worst, Math.abs(x - b.scores_by_strategy[i][s])))));
  return worst;
}

/**
 * Tolerance against snapshot.js: the trigger's sums are exact to 10^-40 and rounded once, while snapshot.js rounds
 * every operation in doubles: per ballot the Σ of up to 9 weights, the share, its scaling and the product or root
 * (≤ 8 ε relative), then n additions, then squaring (quadratic) and rescaling. So: (n + 16)·ε of the power voted, ×2 for
 * quadratic's squares; and at least one ε-sized rounding of the value where little power voted.
 */
function tolerance(type: string, votes: readonly Vote[]): number {
  let power = 0;
  for (const v of votes) power += Math.abs(v.balance);
  return (type === 'quadratic' ? 2 : 1) * (votes.length + 16) * Number.EPSILON * Math.max(power, 1);
}

/** A voter's next ballot: mostly valid, some invalid or odd (the differential test's generator), sometimes new power. */
function nextCast(rng: Random, type: 'weighted' | 'quadratic', n: number, strategies: number, voter: string, previous: Cast | undefined, created: number): Cast {
  const power = previous && rng.chance(0.7) ? { balance: previous.vp, scores: previous.vpByStrategy } : randomPower(rng, strategies);
  return { voter, choice: randomChoice(rng, type, n), vp: power.balance, vpByStrategy: power.scores, created };
}

for (const type of ['weighted', 'quadratic'] as const) {
  t.test(`${type}: live scores equal the full recount and snapshot.js after votes and vote changes`, async (t) => {
    let worstRelative = 0;
    let changes = 0;
    let invalid = 0;
    for (let c = 0; c < 6; c++) {
      const rng = seededRandom(64_000 + 100 * (type === 'weighted' ? 0 : 1) + c);
      const n = rng.pick([1, 2, 3, 4, 6, 8]);
      const strategies = rng.int(1, 4);
      const choices = choiceLabels(n);
      const proposal = await createProposal(type, n, strategies);
      const current = new Map<string, Cast>();
      const voters = rng.int(5, 120);
      let created = 1_700_000_000;
      for (let batch = 0; batch < 8; batch++) {
        const casts: Cast[] = [];
        for (let k = rng.int(1, 40); k > 0; k--) {
          const voter = `0x${c}${type}${rng.int(0, voters - 1)}`;
          const cast = nextCast(rng, type, n, strategies, voter, current.get(voter), ++created);
          if (current.has(voter)) changes++;
          current.set(voter, cast);
          casts.push(cast);
        }
        await write(proposal, casts);
        // After every statement: the live tally is current, and equals a recount of the ballots now stored.
        const votes = await counted(proposal);
        if (batch === 7) invalid += votes.filter((v) => !isValidChoice(type, v.choice, choices)).length;
        const running = await live(db, proposal);
        t.equal(running.votes, current.size, `case ${c} batch ${batch}: votes`);
        const reference = snapshotTally(type, choices, votes, strategies);
        t.same(tally({ type, choices, votes, strategies }), reference, 'conclave recount = snapshot.js');
        const difference = maxDifference(running, reference);
        const allowed = tolerance(type, votes);
        if (difference > allowed) t.fail(`case ${c} batch ${batch}: ${votes.length} votes, ${n} choices, ${strategies} strategies: difference ${difference} > ${allowed}`);
        worstRelative = Math.max(worstRelative, difference / Math.max(reference.scores_total, 1));
      }
      t.pass(`case ${c}: ${current.size} voters, ${n} choices, ${strategies} strategies`);
      // No drift: recomputing the running sums from the stored ballots gives the very same numerics.
      const before = await queryRows<Record<string, string>>(db, sql`SELECT running_sums::text, running_sums_by_strategy::text, trim_scale(running_valid)::text AS running_valid, scores::text, scores_by_strategy::text FROM proposals WHERE id = ${proposal}`);
      await db.execute(sql`SELECT conclave_recount_weight_map(${proposal})`);
      const after = await queryRows<Record<string, string>>(db, sql`SELECT running_sums::text, running_sums_by_strategy::text, trim_scale(running_valid)::text AS running_valid, scores::text, scores_by_strategy::text FROM proposals WHERE id = ${proposal}`);
      t.same(after, before, `case ${c}: running sums = a recount of the current ballots, digit for digit`);
    }
    t.ok(changes > 50, `${changes} vote changes`);
    t.ok(invalid > 5, `${invalid} invalid ballots among the final ones`);
    t.ok(worstRelative < 1e-12, `worst difference relative to scores_total: ${worstRelative}`);
  });
}

t.test('a change between a valid and an invalid ballot moves the power in and out of the scores', async (t) => {
  for (const type of ['weighted', 'quadratic'] as const) {
    const proposal = await createProposal(type, 3, 2);
    const choices = choiceLabels(3);
    const check = async (label: string) => {
      const votes = await counted(proposal);
      const running = await live(db, proposal);
      t.ok(maxDifference(running, snapshotTally(type, choices, votes, 2)) <= tolerance(type, votes), `${type}: ${label}`);
      return running;
    };
    await write(proposal, [
      { voter: 'a', choice: { 1: 3, 2: 1 }, vp: 10, vpByStrategy: [4, 6], created: 1 },
      { voter: 'b', choice: { 3: 1 }, vp: 5, vpByStrategy: [5, 0], created: 1 },
    ]);
    await check('two valid ballots');
    await write(proposal, [{ voter: 'a', choice: { 1: -1, 2: 5 }, vp: 10, vpByStrategy: [4, 6], created: 2 }]);
    let running = await check('a changes to an invalid ballot');
    t.same(running.scores, [0, 0, 5], `${type}: only b counts, rescaled to b's power`);
    t.equal(running.scores_total, 15, `${type}: scores_total keeps the invalid ballot`);
    // Odd but valid keys: "01" and " 3" weigh in the share but name no choice that is read.
    await write(proposal, [{ voter: 'a', choice: { '01': 2, 2: 2, ' 3': 4 }, vp: 10, vpByStrategy: [4, 6], created: 3 }]);
    running = await check('a changes to a ballot with odd keys');
    // Extreme weights: the smallest double is a whole ballot; two 1e308s sum to Infinity in JavaScript (every share 0).
    await write(proposal, [{ voter: 'a', choice: { 2: 5e-324, 3: 0 }, vp: 10, vpByStrategy: [4, 6], created: 4 }]);
    running = await check('a puts the smallest weight on one choice');
    t.same(running.scores.map(Math.round), [0, 10, 5], `${type}: a's whole power on choice 2`);
    await write(proposal, [{ voter: 'a', choice: { 1: 1e308, 2: 1e308 }, vp: 10, vpByStrategy: [4, 6], created: 5 }]);
    running = await check('a weighs beyond the double range');
    t.same(running.scores, [0, 0, 15], `${type}: a is valid but adds no share; all valid power goes to b's choice`);
    await write(proposal, [
      { voter: 'b', choice: [1, 2], vp: 5, vpByStrategy: [5, 0], created: 6 },
      { voter: 'a', choice: {}, vp: 10, vpByStrategy: [4, 6], created: 6 },
    ]);
    running = await check('both invalid');
    t.same(running.scores, [0, 0, 0], `${type}: nothing valid, every score 0 (snapshot.js reads 0/0 as 0)`);
    t.same(running.scores_by_strategy, [[0, 0], [0, 0], [0, 0]]);
    t.equal(running.scores_total, 15);
  }
});

t.test("weight-map keys: the trigger reads a key as JavaScript's Number() does", async (t) => {
  const keys = [
    '1', '2', '3', '4', '0', '01', '001', ' 2', '2 ', '\t3\n', '\u00a02\u2028', '\ufeff1', '\u180e1', '2.0', '2.', '.2e1', '+2', '-1', '-0',
    '1e0', '3E0', '0.3e1', '2.5', '3.0000000000000001', '0.99999999999999999', '0x2', '0X3', '0x', '0o3', '0b11', '0b100',
    '0x0000000000000000001', '1_0', '', ' ', 'Infinity', '+Infinity', 'NaN', '1e400', '1e-400', '2e-400', '1e1000000', 'x', '1 2', '２',
  ];
  for (const key of keys) {
    const expected = Number.isInteger(Number(key)) && Number(key) >= 1 && Number(key) <= 3 ? Number(key) : 0;
    const [row] = await queryRows<{ index: number }>(db, sql`SELECT conclave_js_choice_index(${key}, 3) AS index`);
    // The name is ASCII: a raw U+2028 in a test name would break the TAP stream.
    t.equal(row.index, expected, JSON.stringify(key).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  }
});

t.test('other types are unchanged: approval and single-choice stay exact sums', async (t) => {
  const proposal = await createProposal('approval', 3, 1);
  await write(proposal, [
    { voter: 'a', choice: [1, 3], vp: 2.5, vpByStrategy: [2.5], created: 1 },
    { voter: 'b', choice: [2], vp: 1, vpByStrategy: [1], created: 1 },
  ]);
  await write(proposal, [{ voter: 'a', choice: [3], vp: 2.5, vpByStrategy: [2.5], created: 2 }]);
  t.same(await live(db, proposal), { scores: [0, 1, 2.5], scores_by_strategy: [[0], [1], [2.5]], scores_total: 3.5, votes: 2 });
});

t.test('migrating a database with open weighted and quadratic proposals gives them running sums from their ballots', async (t) => {
  // A database migrated up to 0013 (before the trigger kept these types), with votes cast then, migrated to the end.
  const here = path.resolve(import.meta.dirname, '../migrations');
  const before = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-migrations-'));
  t.teardown(() => fs.rmSync(before, { recursive: true, force: true }));
  const journal = JSON.parse(fs.readFileSync(path.join(here, 'meta/_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === '0014_tally_weight_maps');
  t.ok(last > 0, 'the weight-map migration is in the journal');
  fs.mkdirSync(path.join(before, 'meta'));
  fs.writeFileSync(path.join(before, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, last) }));
  for (const entry of journal.entries.slice(0, last)) fs.copyFileSync(path.join(here, `${entry.tag}.sql`), path.join(before, `${entry.tag}.sql`));
  const server = process.env.DATABASE_URL ? await createPostgresDatabase(process.env.DATABASE_URL) : undefined;
  const old = await openDatabase({ databaseUrl: server?.url });
  t.teardown(async () => {
    await old.close();
    await server?.drop();
  });
  const migrateTo = (folder: string) =>
    old.driver === 'pg' ? migratePg(old.db as never, { migrationsFolder: folder }) : migratePglite(old.db as never, { migrationsFolder: folder });
  await migrateTo(before);
  const proposals: [string, 'weighted' | 'quadratic'][] = [];
  for (const type of ['weighted', 'quadratic'] as const) {
    const id = await createProposal(type, 4, 2, old.db);
    const rng = seededRandom(type === 'weighted' ? 91 : 92);
    const casts: Cast[] = [];
    for (let v = 0; v < 60; v++) casts.push(nextCast(rng, type, 4, 2, `0xold${v % 45}`, undefined, 1_700_000_000 + v));
    await write(id, casts, old.db);
    t.same((await live(old.db, id)).scores, [0, 0, 0, 0], `${type}: before 0014 nothing keeps these scores live`);
    proposals.push([id, type]);
  }
  await migrateTo(here);
  for (const [id, type] of proposals) {
    const check = async (label: string) => {
      const votes = await counted(id, old.db);
      const running = await live(old.db, id);
      t.equal(running.votes, votes.length);
      const difference = maxDifference(running, snapshotTally(type, choiceLabels(4), votes, 2));
      t.ok(difference <= tolerance(type, votes), `${type}: ${label} (difference ${difference})`);
    };
    await check('scores from the ballots cast before the migration');
    await write(id, [{ voter: '0xold3', choice: { 2: 1 }, vp: 7, vpByStrategy: [3, 4], created: 1_800_000_000 }], old.db);
    await check('and kept by the trigger after it');
  }
});
