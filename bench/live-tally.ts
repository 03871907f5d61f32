/**
 * Live-tally benchmark: what the votes trigger (migrations 0012, 0014) adds to writing a vote, per voting type, on
 * PostgreSQL (a fresh database on DATABASE_URL's server) and PGlite. Votes go through the service's own upsert
 * (`vote.apply`) in batches of 500, first as new votes, then as changes of every ballot; the same writes with the
 * triggers disabled give the baseline, so "trigger" = with − without, measured side by side in one run.
 * Usage: node bench/live-tally.ts [votes=20000]
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../server/db/open-database.ts';
import { vote, type PreparedVote } from '../server/ingest/kinds/vote.ts';
import type { LogRow } from '../server/ingest/log-writer.ts';
import { seededRandom } from '../test/support/seeded-random.ts';
import { freshPostgres } from './support.ts';

const VOTES = Number(process.argv[2] ?? 20_000);
const BATCH = 500;
const CHOICES = 5;
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`# live-tally benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, load average ${load()}`);
console.log(`# ${VOTES.toLocaleString('en')} votes then as many changes, batches of ${BATCH}, ${CHOICES} choices, 2 strategies; µs per vote (wall)`);

function ballot(type: string, rng: ReturnType<typeof seededRandom>): unknown {
  if (type === 'single-choice') return rng.int(1, CHOICES);
  const map: Record<string, number> = {};
  for (let k = rng.int(1, 3); k > 0; k--) map[String(rng.int(1, CHOICES))] = rng.int(1, 10);
  return map;
}

let mci = 1;
async function run(database: Database, type: string, triggers: boolean): Promise<{ add: number; change: number }> {
  const { db } = database;
  const id = `0x${type}-${triggers}`;
  await db.execute(sql`INSERT INTO proposals (id, ipfs, author, created, space, network, symbol, type, title, body, discussion, choices, labels,
      start, "end", snapshot, strategies, validation, vote_validation, plugins, privacy, app, scores, scores_by_strategy, mci)
    VALUES (${id}, '', '0x0000000000000000000000000000000000000001', 0, 'bench.eth', '1', 'V', ${type}, 'Bench', '', '',
      '["A","B","C","D","E"]', '[]', 0, 4000000000, 1, '[{"name":"ticket","params":{}},{"name":"ticket","params":{}}]',
      '{"name":"any","params":{}}', '{"name":"any","params":{}}', '{}', '', '', ARRAY[0,0,0,0,0]::numeric[],
      ARRAY[[0,0],[0,0],[0,0],[0,0],[0,0]]::numeric[], ${mci++})`);
  await db.execute(triggers ? sql`ALTER TABLE votes ENABLE TRIGGER USER` : sql`ALTER TABLE votes DISABLE TRIGGER USER`);
  const rng = seededRandom(7);
  const timeRound = async (created: number) => {
    const start = performance.now();
    for (let from = 0; from < VOTES; from += BATCH) {
      const items: { prepared: PreparedVote; row: LogRow; mci: number }[] = [];
      for (let v = from; v < Math.min(VOTES, from + BATCH); v++) {
        const a = rng.int(1, 1000) + rng.next();
        const b = rng.next() * 50;
        const prepared: PreparedVote = {
          id: `0x${(mci).toString(16).padStart(64, '0')}`,
          voter: `0x${v.toString(16).padStart(40, '0')}`,
          space: 'bench.eth',
          proposal: id,
          choice: ballot(type, rng),
          reason: '',
          app: '',
          metadata: {},
          created,
          vp: a + b,
          vpByStrategy: [a, b],
          vpState: 'final',
          credentialId: null,
          statusListHash: null,
        };
        items.push({ prepared, row: { ipfs: prepared.id } as LogRow, mci: mci++ });
      }
      const refused = await db.transaction((tx) => vote.apply(tx, items));
      if (refused.size > 0) throw new Error('refused');
    }
    return ((performance.now() - start) * 1000) / VOTES;
  };
  const add = await timeRound(1);
  const change = await timeRound(2);
  return { add, change };
}

async function bench(label: string, database: Database) {
  await database.migrate();
  console.log(`\n${label}`);
  for (const type of ['single-choice', 'weighted', 'quadratic']) {
    const without = await run(database, type, false);
    const withTriggers = await run(database, type, true);
    console.log(
      `  ${type.padEnd(14)} new vote ${withTriggers.add.toFixed(0).padStart(4)} µs (trigger ${(withTriggers.add - without.add).toFixed(0).padStart(4)} µs), ` +
        `vote change ${withTriggers.change.toFixed(0).padStart(4)} µs (trigger ${(withTriggers.change - without.change).toFixed(0).padStart(4)} µs)   load average ${load()}`,
    );
  }
}

const server = await freshPostgres();
const postgres = await openDatabase({ databaseUrl: server.url });
try {
  await bench('PostgreSQL', postgres);
} finally {
  await postgres.close();
  await server.drop();
}
const pglite = await openDatabase({ dataDir: ':memory:' });
try {
  await bench('PGlite (in memory)', pglite);
} finally {
  await pglite.close();
}
