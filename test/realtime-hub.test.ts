import { EventEmitter } from 'node:events';
import t from 'tap';
import { ClientError } from '../server/errors.ts';
import { createHub } from '../server/realtime/hub.ts';

/** A stand-in for a ws socket: its unsent bytes are set by the test. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), { bufferedAmount: 0, terminated: false, terminate() {
    socket.terminated = true;
    socket.emit('close');
  } });
  return socket;
}

t.test('per-connection limit, released when a subscription ends or the socket closes', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 2, maxQueuedEvents: 10, maxBufferedBytes: 1000 });
  const socket = fakeSocket();
  const first = hub.subscribe(socket, 'a');
  hub.subscribe(socket, 'b');
  tt.throws(() => hub.subscribe(socket, 'c'), ClientError);
  await first.return!();
  hub.subscribe(socket, 'c');
  tt.same(hub.stats(), { topics: 2, subscriptions: 2, dropped: 0 });
  socket.emit('close');
  tt.same(hub.stats(), { topics: 0, subscriptions: 0, dropped: 0 });
  tt.notOk(hub.has('b'));
});

t.test('events reach subscribers in order; a full queue or a full socket buffer drops the client', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 5, maxQueuedEvents: 3, maxBufferedBytes: 1000 });
  const reader = hub.subscribe<number>(fakeSocket(), 'votes:p');
  const stuck = fakeSocket();
  const stalled = hub.subscribe<number>(stuck, 'votes:p');
  const pending = reader.next();
  hub.publish('votes:p', 1);
  tt.same(await pending, { value: 1, done: false });
  for (const n of [2, 3]) hub.publish('votes:p', n);
  tt.notOk(stuck.terminated, 'three queued events are allowed');
  tt.same(await reader.next(), { value: 2, done: false });
  tt.same(await reader.next(), { value: 3, done: false });
  hub.publish('votes:p', 4);
  tt.ok(stuck.terminated, 'the fourth queued event drops the client that never reads');
  tt.same(await stalled.next(), { value: undefined, done: true }, 'its subscription ends, queue freed');
  tt.same(await reader.next(), { value: 4, done: false });

  const slow = fakeSocket();
  const buffered = hub.subscribe<number>(slow, 'votes:p');
  void buffered.next();
  slow.bufferedAmount = 5000;
  hub.publish('votes:p', 6);
  tt.ok(slow.terminated, 'a socket with too many unsent bytes is dropped even while its reader waits');
  tt.equal(hub.stats().dropped, 2);
  tt.same(await reader.next(), { value: 6, done: false });
  hub.close();
  tt.same(await reader.next(), { value: undefined, done: true });
  tt.same(hub.stats(), { topics: 0, subscriptions: 0, dropped: 2 });
});
