import { EventEmitter } from 'node:events';
import t from 'tap';
import { ClientError } from '../server/errors.ts';
import type { Writable } from 'node:stream';
import * as ws from 'ws';
import { createHub, type Rendering } from '../server/realtime/hub.ts';

/** A stand-in for a websocket: records each write; its unsent bytes, and whether its writes complete, are set by the test. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), {
    bufferedAmount: 0,
    terminated: false,
    writes: [] as string[][],
    /** Whether writes complete at once (a reading client) or wait for the test (a stalled one). */
    reading: true,
    write(parts: Buffer[], written: () => void) {
      const frames: string[] = [];
      for (let n = 0; n < parts.length; n += 3) frames.push(Buffer.concat(parts.slice(n, n + 3)).toString());
      socket.writes.push(frames);
      if (socket.reading) written();
    },
    terminate() {
      socket.terminated = true;
      socket.emit('close');
    },
    frames: () => socket.writes.flat(),
  });
  return socket;
}

/** A rendering that counts its calls: `tag` stands for the selection, the payload for the row. */
function rendering(key: string, calls: string[]): Rendering {
  return {
    key,
    render(payload) {
      calls.push(`${key}:${String(payload)}`);
      return JSON.stringify({ [key]: payload });
    },
  };
}

/** A subscriber's envelope: its messages read `id<text>`; one shared `after`, as the transport's, so frame templates are reused. */
const AFTER = Buffer.from('>');
const wrap = (id: string) => ({ before: Buffer.from(`${id}<`), after: AFTER });

t.test('per-connection limit, released when a subscription ends or the socket closes', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 2, maxQueuedEvents: 10, maxBufferedBytes: 1000 });
  const socket = fakeSocket();
  const calls: string[] = [];
  const first = hub.subscribe({ socket, topic: 'a', rendering: rendering('x', calls), ...wrap('1') });
  hub.subscribe({ socket, topic: 'b', rendering: rendering('x', calls), ...wrap('2') });
  tt.throws(() => hub.subscribe({ socket, topic: 'c', rendering: rendering('x', calls), ...wrap('3') }), ClientError);
  first();
  hub.subscribe({ socket, topic: 'c', rendering: rendering('x', calls), ...wrap('3') });
  tt.match(hub.stats(), { topics: 2, subscriptions: 2, dropped: 0 });
  socket.emit('close');
  tt.match(hub.stats(), { topics: 0, subscriptions: 0, dropped: 0 });
  tt.notOk(hub.has('b'));
});

t.test('one rendering per event and selection; each subscriber its own frame; one write per connection per turn', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 5, maxQueuedEvents: 100, maxBufferedBytes: 1000 });
  const calls: string[] = [];
  const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
  // Two connections share selection `id`; the third has selection `full` and also `id` on another topic.
  hub.subscribe({ socket: sockets[0], topic: 'votes:p', rendering: rendering('id', calls), ...wrap('a') });
  hub.subscribe({ socket: sockets[1], topic: 'votes:p', rendering: rendering('id', calls), ...wrap('b') });
  hub.subscribe({ socket: sockets[2], topic: 'votes:p', rendering: rendering('full', calls), ...wrap('c') });
  hub.subscribe({ socket: sockets[2], topic: 'votes:q', rendering: rendering('id', calls), ...wrap('d') });
  hub.publish('votes:p', 1);
  hub.publish('votes:p', 2);
  hub.publish('votes:other', 3);
  await hub.flushed();
  tt.same(calls, ['id:1', 'full:1', 'id:2', 'full:2'], 'rendered once per event and selection, nothing for a topic nobody listens to');
  tt.same(sockets[0].writes, [['a<{"id":1}>', 'a<{"id":2}>']], 'both events in one write, in order');
  tt.same(sockets[1].writes, [['b<{"id":1}>', 'b<{"id":2}>']]);
  tt.same(sockets[2].writes, [['c<{"full":1}>', 'c<{"full":2}>']], 'the subscriber of another proposal gets nothing of p');
  hub.publish('votes:q', 4);
  await hub.flushed();
  tt.same(sockets[2].writes.at(-1), ['d<{"id":4}>']);
  tt.same(sockets[0].writes.length, 1);
  tt.match(hub.stats(), { renders: 5, frames: 7 });
});

t.test('renderings that wait (loaders) keep the publish order and share one scope per round', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 5, maxQueuedEvents: 100, maxBufferedBytes: 1000 });
  const scopes = new Set<object>();
  const slowFirst: Rendering = {
    key: 'nested',
    render(payload, scope) {
      scopes.add(scope);
      const delay = payload === 1 ? 20 : 0;
      return new Promise((resolve) => setTimeout(() => resolve(String(payload)), delay));
    },
  };
  const socket = fakeSocket();
  hub.subscribe({ socket, topic: 't', rendering: slowFirst, ...wrap('n') });
  hub.publish('t', 1);
  hub.publish('t', 2);
  await hub.flushed();
  tt.same(socket.frames(), ['n<1>', 'n<2>']);
  tt.equal(scopes.size, 1);
});

t.test('a client with too many frames unsent or too many bytes buffered is dropped; the others keep everything', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 5, maxQueuedEvents: 3, maxBufferedBytes: 1000 });
  const calls: string[] = [];
  const reader = fakeSocket();
  const stuck = fakeSocket();
  stuck.reading = false;
  hub.subscribe({ socket: reader, topic: 'votes:p', rendering: rendering('id', calls), ...wrap('r') });
  hub.subscribe({ socket: stuck, topic: 'votes:p', rendering: rendering('id', calls), ...wrap('s') });
  hub.subscribe({ socket: stuck, topic: 'proposals:s', rendering: rendering('id', calls), ...wrap('s2') });
  for (const n of [1, 2, 3]) {
    hub.publish('votes:p', n);
    await hub.flushed();
  }
  tt.notOk(stuck.terminated, 'three unsent frames are allowed');
  hub.publish('votes:p', 4);
  await hub.flushed();
  tt.ok(stuck.terminated, 'the fourth unsent frame drops the client that never reads');
  tt.same(stuck.frames(), ['s<{"id":1}>', 's<{"id":2}>', 's<{"id":3}>'], 'nothing more is written to it');
  tt.notOk(hub.has('proposals:s'), 'all its subscriptions end');
  tt.same(reader.frames(), [1, 2, 3, 4].map((n) => `r<{"id":${n}}>`));

  const slow = fakeSocket();
  hub.subscribe({ socket: slow, topic: 'votes:p', rendering: rendering('id', calls), ...wrap('w') });
  slow.bufferedAmount = 5000;
  hub.publish('votes:p', 6);
  await hub.flushed();
  tt.ok(slow.terminated, 'a socket with too many unsent bytes is dropped');
  tt.same(slow.writes, []);
  tt.match(hub.stats(), { dropped: 2, subscriptions: 1, topics: 1 });
  tt.same(reader.frames().at(-1), 'r<{"id":6}>');
  tt.throws(() => hub.subscribe({ socket: slow, topic: 'votes:p', rendering: rendering('id', calls), ...wrap('w') }), ClientError);
  hub.close();
  tt.match(hub.stats(), { topics: 0, subscriptions: 0, dropped: 2 });
});

t.test('ready frames: one buffer per connection per round, each subscriber its own id, publish order across subscriptions', async (tt) => {
  const hub = createHub({ maxSubscriptionsPerConnection: 5, maxQueuedEvents: 100, maxBufferedBytes: 100_000 });
  const calls: string[] = [];
  const { Receiver } = ws as unknown as { Receiver: new (options: { isServer: boolean }) => Writable };
  /** A socket that takes ready frames and reads them back with ws' own parser. */
  const framedSocket = (takes = true) => {
    const socket = fakeSocket();
    const buffers: Buffer[] = [];
    return Object.assign(socket, {
      writeFrames(data: Buffer, written: () => void) {
        if (!takes) return false;
        buffers.push(Buffer.from(data));
        written();
        return true;
      },
      async messages() {
        const received: string[][] = [];
        for (const data of buffers) {
          const messages: string[] = [];
          const receiver = new Receiver({ isServer: false });
          receiver.on('message', (message: Buffer) => messages.push(message.toString()));
          await new Promise<void>((resolve, reject) => receiver.write(data, (error?: Error | null) => (error ? reject(error) : resolve())));
          received.push(messages);
        }
        return received;
      },
    });
  };
  const both = framedSocket();
  const long = framedSocket();
  const fallback = framedSocket(false);
  hub.subscribe({ socket: both, topic: 'a', rendering: rendering('id', calls), ...wrap('x') });
  hub.subscribe({ socket: both, topic: 'b', rendering: rendering('id', calls), ...wrap('y') });
  const id = 'z'.repeat(200); // a 16-bit frame length
  hub.subscribe({ socket: long, topic: 'a', rendering: rendering('id', calls), ...wrap(id) });
  const huge = framedSocket();
  const hugeId = 'w'.repeat(70_000); // a 64-bit frame length
  hub.subscribe({ socket: huge, topic: 'a', rendering: rendering('id', calls), ...wrap(hugeId) });
  const accented = framedSocket();
  hub.subscribe({ socket: accented, topic: 'a', rendering: rendering('id', calls), ...wrap('é🗳') }); // lengths in bytes, not characters
  hub.subscribe({ socket: fallback, topic: 'a', rendering: rendering('id', calls), ...wrap('f') });
  hub.publish('a', 1);
  hub.publish('b', 2);
  hub.publish('a', 3);
  await hub.flushed();
  tt.same(await both.messages(), [['x<{"id":1}>', 'y<{"id":2}>', 'x<{"id":3}>']], 'one write, the two subscriptions interleaved in publish order');
  tt.same(await long.messages(), [[`${id}<{"id":1}>`, `${id}<{"id":3}>`]]);
  tt.same(await huge.messages(), [[`${hugeId}<{"id":1}>`, `${hugeId}<{"id":3}>`]]);
  tt.same(await accented.messages(), [['é🗳<{"id":1}>', 'é🗳<{"id":3}>']]);
  tt.same(fallback.writes, [['f<{"id":1}>', 'f<{"id":3}>']], 'a socket that cannot take ready frames gets the messages');
  tt.same(calls, ['id:1', 'id:2', 'id:3'], 'rendered once per event');
  hub.publish('a', 4);
  await hub.flushed();
  tt.same((await both.messages()).at(-1), ['x<{"id":4}>'], 'the next round starts empty');
  tt.match(hub.stats(), { frames: 16, writes: 10, rounds: 2 }); // five sockets, two rounds: 4 + 3 + 3 + 3 + 3 frames, one write per socket per round
});
