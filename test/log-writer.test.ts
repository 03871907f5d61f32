/**
 * The group-commit log writer on its own: several writers (instances) appending concurrently through
 * one database keep `mci` strictly increasing in commit order with an unbroken hash chain, acknowledge each
 * message with the `mci` it was stored under, report commits in order, and write nothing refused.
 */
import t from 'tap';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, type Database } from '../server/db/open-database.ts';
import { ClientError } from '../server/errors.ts';
import { createLogWriter, type BatchApplier, type CommittedEntry, type LogRow } from '../server/ingest/log-writer.ts';
import { entryHash, GENESIS_HASH } from '../server/log/entry-hash.ts';
import { openTestDatabase } from './support/database.ts';

const testDatabase = await openTestDatabase();
// On a PostgreSQL server each writer has its own pool, as separate instances would.
const extra: Database[] = [];
const openWriterDatabase = async (): Promise<Database> => {
  if (!testDatabase.url) return testDatabase;
  const database = await openDatabase({ databaseUrl: testDatabase.url, poolSize: 4 });
  extra.push(database);
  return database;
};
t.teardown(async () => {
  for (const database of extra) await database.close();
  await testDatabase.drop();
});

/** Writes only the log entry; refuses messages whose id starts with `refuse`. */
const logOnly: BatchApplier<null> = async (_tx, items) =>
  new Map(items.flatMap((item, position) => (item.row.id.startsWith('refuse') ? [[position, new ClientError('refused')] as const] : [])));

const row = (id: string): LogRow => ({
  id,
  ipfs: `ipfs-${id}`,
  address: '0x0000000000000000000000000000000000000001',
  version: '0.1.4',
  timestamp: 1,
  space: 'writer.eth',
  type: 'follow',
  sig: '0x',
  receipt: '0x',
  envelope: { data: { message: { id } } },
  received: 2,
});

type Stored = { mci: string | number; id: string; prev_hash: string; hash: string } & LogRow;
const stored = () =>
  queryRows<Stored>(
    testDatabase.db,
    sql`SELECT mci, id, ipfs, address, version, timestamp, space, type, sig, receipt, envelope, received, prev_hash, hash
          FROM messages ORDER BY mci`,
  );

t.test('concurrent writers: every acknowledged message at its mci, mci strictly increasing, one chain, commits reported in order', async (tt) => {
  const writers = await Promise.all(
    [0, 1, 2].map(async () => {
      const reports: CommittedEntry[][] = [];
      const writer = createLogWriter({ db: (await openWriterDatabase()).db, maxBatch: 7, driver: testDatabase.driver, onCommitted: (entries) => reports.push(entries) });
      return { writer, reports };
    }),
  );
  // Waves of writes while earlier ones are in flight, so batches queue behind one another on the lock.
  const acknowledged = new Map<string, number>();
  const refusals: string[] = [];
  const waves = [];
  for (let wave = 0; wave < 6; wave++) {
    for (const [index, { writer }] of writers.entries()) {
      for (let n = 0; n < 13; n++) {
        const id = `${n % 5 === 4 ? 'refuse' : 'm'}-${wave}-${index}-${n}`;
        waves.push(
          writer.write(logOnly, null, row(id)).then(
            (mci) => void acknowledged.set(id, mci),
            (error: unknown) => void (error instanceof ClientError ? refusals.push(id) : tt.fail(String(error))),
          ),
        );
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(waves);
  for (const { writer } of writers) await writer.drain();

  const rows = await stored();
  tt.equal(rows.length, acknowledged.size, 'every acknowledged message is stored');
  tt.equal(refusals.length, 6 * 3 * 2, 'every refused message was refused');
  tt.notOk(rows.some((stored) => stored.id.startsWith('refuse')), 'nothing written for refused messages');
  tt.same(
    rows.map((stored) => [stored.id, Number(stored.mci)]),
    rows.map((stored) => [stored.id, acknowledged.get(stored.id)]),
    'each message acknowledged with the mci it was stored under',
  );
  let previous = GENESIS_HASH;
  let chained = true;
  for (const stored of rows) {
    const entry = { ...stored, mci: Number(stored.mci), timestamp: Number(stored.timestamp), received: Number(stored.received) };
    if (stored.prev_hash !== previous || stored.hash !== entryHash(previous, entry)) chained = false;
    previous = stored.hash;
  }
  tt.ok(chained, 'each entry chains to the one before it');
  // Within one writer, mcis follow commit order; refused messages leave their batch's positions unused.
  const mcis = rows.map((stored) => Number(stored.mci));
  tt.ok(mcis.every((mci, index) => index === 0 || mci > mcis[index - 1]), 'mci strictly increasing');
  for (const [index, { reports }] of writers.entries()) {
    const reported = reports.flat().map((entry) => entry.mci);
    tt.same(reported, [...reported].sort((a, b) => a - b), `writer ${index} reports commits in mci order`);
    tt.equal(reported.length, [...acknowledged.keys()].filter((id) => id.split('-')[2] === String(index)).length, `writer ${index} reports each commit once`);
  }
});

t.test('a failed transaction fails its messages and the writer carries on', async (tt) => {
  const writer = createLogWriter({ db: testDatabase.db, driver: testDatabase.driver });
  // A real failure inside the transaction: the applier's statement is invalid SQL.
  const broken: BatchApplier<null> = async (tx) => {
    await tx.execute(sql`SELECT * FROM no_such_table`);
    return new Map();
  };
  const before = (await stored()).length;
  const results = await Promise.allSettled([writer.write(broken, null, row('broken-1')), writer.write(logOnly, null, row('ok-with-broken'))]);
  tt.same(results.map((result) => result.status), ['rejected', 'rejected'], 'the whole batch failed');
  tt.equal((await stored()).length, before, 'nothing of it written');
  const mci = await writer.write(logOnly, null, row('after-failure'));
  const rows = await stored();
  tt.equal(rows.at(-1)?.id, 'after-failure', 'the next message is written');
  tt.equal(Number(rows.at(-1)?.mci), mci, 'at the mci it was acknowledged with');
});
