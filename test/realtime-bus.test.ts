import crypto from 'node:crypto';
import t, { type Test } from 'tap';
import { chunkEvents, parseEvents, type BusEvent, type EventBus } from '../server/realtime/event-bus.ts';
import { createInProcessBus } from '../server/realtime/in-process-bus.ts';
import { createPostgresBus } from '../server/realtime/postgres-bus.ts';
import { createRedisBus } from '../server/realtime/redis-bus.ts';
import { openTestDatabase } from './support/database.ts';
import { reachable } from './support/process.ts';
import { waitFor } from './support/realtime.ts';

const event = (n: number): BusEvent => ({ kind: 'vote', mci: n, space: 'bus.eth', id: `0x${n.toString(16).padStart(64, '0')}`, proposal: '0xabc' });

t.test('events are split into payloads under the limit and parsed back in order', async (tt) => {
  const events = Array.from({ length: 300 }, (_, n) => event(n));
  const chunks = chunkEvents(events, 7000);
  tt.ok(chunks.length > 1);
  tt.ok(chunks.every((chunk) => Buffer.byteLength(chunk) <= 7000));
  tt.same(chunks.flatMap(parseEvents), events);
  tt.same(parseEvents('not json'), []);
  tt.same(parseEvents('[{"kind":1},{"kind":"vote","id":"x"}]'), [{ kind: 'vote', id: 'x' }]);
});

/** Publishes on one bus and checks every listed bus receives everything, in order. */
async function roundTrip(tt: Test, from: EventBus, to: EventBus[], count: number) {
  const received = to.map(() => [] as BusEvent[]);
  const removals = to.map((bus, index) => bus.subscribe((events) => received[index].push(...events)));
  const events = Array.from({ length: count }, (_, n) => event(n));
  await from.publish(events);
  await waitFor(() => received.every((list) => list.length >= count), 'every event on every bus');
  for (const list of received) tt.same(list, events);
  removals.forEach((remove) => remove());
}

t.test('in-process bus', async (tt) => {
  const bus = createInProcessBus();
  tt.teardown(() => bus.close());
  await roundTrip(tt, bus, [bus], 10);
});

t.test('PostgreSQL bus: across connections, and again after its listening connection is killed', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL' }, async (tt) => {
  const database = await openTestDatabase();
  tt.teardown(() => database.drop());
  const channel = `conclave_test_${crypto.randomBytes(4).toString('hex')}`;
  const a = createPostgresBus({ databaseUrl: database.url!, pool: database.pool!, channel });
  const b = createPostgresBus({ databaseUrl: database.url!, pool: database.pool!, channel });
  tt.teardown(async () => {
    await a.close();
    await b.close();
  });
  await Promise.all([a.ready(), b.ready()]);
  await roundTrip(tt, a, [a, b], 500);
  // Kill every listening connection of this database; the buses reconnect and listen again.
  const killed = await database.pool!.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'conclave-events' AND datname = current_database()`,
  );
  tt.equal(killed.rowCount, 2);
  await waitFor(async () => {
    const { rows } = await database.pool!.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'conclave-events' AND datname = current_database() AND query ILIKE 'LISTEN%'`,
    );
    return rows[0].n === 2;
  }, 'both listeners back');
  await Promise.all([a.ready(), b.ready()]);
  await roundTrip(tt, b, [a, b], 20);
});

const redis = await reachable('127.0.0.1', 6379);
t.test('Redis bus', { skip: redis ? false : 'no Redis server on 127.0.0.1:6379' }, async (tt) => {
  const channel = `conclave:test:${crypto.randomBytes(4).toString('hex')}`;
  const a = createRedisBus({ redisUrl: 'redis://127.0.0.1:6379', channel });
  const b = createRedisBus({ redisUrl: 'redis://127.0.0.1:6379', channel });
  tt.teardown(async () => {
    await a.close();
    await b.close();
  });
  await Promise.all([a.ready(), b.ready()]);
  await roundTrip(tt, a, [a, b], 500);
});
