/**
 * This instance's live subscriptions, by topic (`votes:<proposal>`, `proposalUpdated:<id>`, …). Delivery is
 * shared: the subscribers of a topic are grouped by rendering (same GraphQL document and variables), each
 * published event is rendered once per group and serialized once, and each subscriber's frame only wraps
 * that text with its own id. Frames for one connection are collected over a delivery round and written
 * together: where the socket takes ready websocket frames, a group's frames of the round are laid out once
 * (a template) and each subscriber's buffer is one copy of it with its own envelope patched in. A client
 * whose socket holds more than the limits unsent is dropped (its socket terminated), so a slow client never
 * makes memory grow without bound.
 */
import { ClientError } from '../errors.ts';
import { frameHeaderLength, writeFrameHeader } from './websocket-frames.ts';

/** The part of a websocket the hub needs (see server/graphql/ws-transport.ts). */
export type HubSocket = {
  /** Bytes accepted but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /**
   * Writes messages in order, as one write where the transport allows; `written` runs once they left the
   * process. `parts` holds each message as three consecutive buffers: its envelope's start, the shared
   * rendered body, its envelope's end.
   */
  write(parts: Buffer[], written: () => void): void;
  /**
   * Writes ready text frames (websocket-frames.ts) in one write, if the socket can take them now (no
   * negotiated extension, open); returns false if not, and the hub then uses `write`.
   */
  writeFrames?(frames: Buffer, written: () => void): boolean;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
};

/** How a group of subscribers renders one event: `key` names everything the text depends on. */
export type Rendering = {
  /** Subscribers with equal keys get the same text (document, operation and variables). */
  readonly key: string;
  /**
   * Renders one published payload to the JSON text every subscriber of the group receives. `scope` is one
   * object per delivery round, shared by every rendering in it (for batching loaders across events). Must
   * not throw: errors are part of the rendered result (a rendering that fails anyway is skipped).
   */
  render(payload: unknown, scope: object): string | Promise<string>;
};

export type HubLimits = {
  maxSubscriptionsPerConnection: number;
  /** Frames one connection may have unsent (queued in this process) before it is dropped. */
  maxQueuedEvents: number;
  maxBufferedBytes: number;
};

export type HubSubscribeParameters = {
  socket: HubSocket;
  topic: string;
  rendering: Rendering;
  /** This subscriber's message is `before` + the rendered text + `after` (its protocol envelope with its id). */
  before: Buffer;
  after: Buffer;
};

export type Hub = {
  /** Adds a subscriber; returns its end. Throws a ClientError past the per-connection limit. */
  subscribe(parameters: HubSubscribeParameters): () => void;
  /** Whether anyone on this instance listens to `topic` (so details are read only when needed). */
  has(topic: string): boolean;
  /** Delivers `payload` to every subscriber of `topic` (rendered and written at the end of this turn). */
  publish(topic: string, payload: unknown): void;
  /** Resolves once everything published so far has been written or dropped (tests, shutdown). */
  flushed(): Promise<void>;
  /**
   * Counters for health and benchmarks: `dropped` counts connections cut as too slow, `writes` the socket
   * writes (one per connection per round), `rounds` the delivery rounds, `deliveryMs` the time spent
   * rendering, framing and writing (its synchronous part, on this process' event loop).
   */
  stats(): { topics: number; subscriptions: number; dropped: number; renders: number; frames: number; writes: number; rounds: number; deliveryMs: number };
  /** Ends every subscription. */
  close(): void;
};

type Connection = {
  socket: HubSocket;
  subscriptions: Set<Subscriber>;
  /** This round's subscribers of this connection that have messages (usually one). */
  active: Subscriber[];
  /** Frames written but not yet out of the process. */
  unsent: number;
  dropped: boolean;
};

type Subscriber = { connection: Connection; group: Group; before: Buffer; after: Buffer; done: boolean };

type Group = { topic: string; rendering: Rendering; subscribers: Set<Subscriber>; round?: GroupRound };

/** A group's messages in one delivery round. */
type GroupRound = {
  bodies: Buffer[];
  /** Each body's place in the round's publish order (to interleave a connection's subscriptions). */
  order: number[];
  /** Frame layouts by envelope: `after` buffer, then `before` length. */
  templates: Map<Buffer, Map<number, Template>>;
};

/**
 * A group's frames of one round for envelopes of one shape: every frame with its header, a placeholder
 * for `before`, the body and `after`; a subscriber's frames are a copy with its `before` written in.
 */
type Template = { data: Buffer; starts: number[]; befores: number[] };

function template(round: GroupRound, before: Buffer, after: Buffer): Template {
  let byLength = round.templates.get(after);
  if (!byLength) round.templates.set(after, (byLength = new Map()));
  let layout = byLength.get(before.length);
  if (layout) return layout;
  let total = 0;
  for (const body of round.bodies) {
    const length = before.length + body.length + after.length;
    total += frameHeaderLength(length) + length;
  }
  const data = Buffer.allocUnsafe(total);
  const starts: number[] = [];
  const befores: number[] = [];
  let at = 0;
  for (const body of round.bodies) {
    starts.push(at);
    at = writeFrameHeader(data, at, before.length + body.length + after.length);
    befores.push(at);
    at += before.length;
    data.set(body, at);
    at += body.length;
    data.set(after, at);
    at += after.length;
  }
  starts.push(at);
  byLength.set(before.length, (layout = { data, starts, befores }));
  return layout;
}

/** A connection's messages of a round in publish order, as [subscriber index in `active`, message index]. */
function sequence(active: Subscriber[]): Array<[number, number]> {
  const out: Array<[number, number, number]> = [];
  active.forEach((subscriber, index) => subscriber.group.round!.order.forEach((order, message) => out.push([order, index, message])));
  // Same event and group: subscribers in subscription order, as `active` lists them.
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return out.map(([, index, message]) => [index, message]);
}

/** The frames of a connection's round in one buffer. */
function framesOf(active: Subscriber[]): Buffer {
  if (active.length === 1) {
    const [{ group, before, after }] = active;
    const layout = template(group.round!, before, after);
    const out = Buffer.allocUnsafe(layout.data.length);
    out.set(layout.data);
    for (const at of layout.befores) out.set(before, at);
    return out;
  }
  const order = sequence(active);
  const layouts = active.map(({ group, before, after }) => template(group.round!, before, after));
  let total = 0;
  for (const [index, message] of order) total += layouts[index].starts[message + 1] - layouts[index].starts[message];
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const [index, message] of order) {
    const { data, starts, befores } = layouts[index];
    out.set(data.subarray(starts[message], starts[message + 1]), at);
    out.set(active[index].before, at + befores[message] - starts[message]);
    at += starts[message + 1] - starts[message];
  }
  return out;
}

/** Creates an empty hub with the given limits. */
export function createHub(limits: HubLimits): Hub {
  /** topic → rendering key → group. */
  const topics = new Map<string, Map<string, Group>>();
  const connections = new WeakMap<HubSocket, Connection>();
  let subscriptions = 0;
  let dropped = 0;
  let renders = 0;
  let frames = 0;
  let writes = 0;
  let rounds = 0;
  let deliveryMs = 0;

  let pending: Array<[string, unknown]> = [];
  const dirty: Connection[] = [];
  let round: Promise<void> | undefined;

  const end = (subscriber: Subscriber) => {
    if (subscriber.done) return;
    subscriber.done = true;
    subscriptions--;
    subscriber.connection.subscriptions.delete(subscriber);
    const { group } = subscriber;
    group.subscribers.delete(subscriber);
    if (group.subscribers.size > 0) return;
    const groups = topics.get(group.topic);
    if (groups?.get(group.rendering.key) !== group) return;
    groups.delete(group.rendering.key);
    if (groups.size === 0) topics.delete(group.topic);
  };

  const drop = (connection: Connection) => {
    if (connection.dropped) return;
    connection.dropped = true;
    dropped++;
    for (const subscriber of [...connection.subscriptions]) end(subscriber);
    // A client that does not read cannot take a close frame either: cut the connection, free its buffers.
    connection.socket.terminate();
  };

  const write = (connection: Connection) => {
    const { active } = connection;
    connection.active = [];
    if (connection.dropped || active.length === 0) return;
    let count = 0;
    for (const subscriber of active) count += subscriber.group.round!.bodies.length;
    if (connection.socket.bufferedAmount > limits.maxBufferedBytes || connection.unsent + count > limits.maxQueuedEvents) {
      drop(connection);
      return;
    }
    connection.unsent += count;
    frames += count;
    writes++;
    const written = () => (connection.unsent -= count);
    if (connection.socket.writeFrames?.(framesOf(active), written)) return;
    const parts: Buffer[] = [];
    for (const [index, message] of sequence(active)) {
      const { before, group, after } = active[index];
      parts.push(before, group.round!.bodies[message], after);
    }
    connection.socket.write(parts, written);
  };

  /** One delivery round: renders what was published (once per group), then writes each connection's frames. */
  const deliver = async () => {
    while (pending.length > 0) {
      const events = pending;
      pending = [];
      rounds++;
      let began = performance.now();
      const scope = {};
      const rendered: Array<{ group: Group; text: string | Promise<string> }> = [];
      let waits = false;
      for (const [topic, payload] of events) {
        const groups = topics.get(topic);
        if (!groups) continue;
        for (const group of groups.values()) {
          let text: string | Promise<string>;
          try {
            text = group.rendering.render(payload, scope);
          } catch (error) {
            text = Promise.reject(error);
          }
          renders++;
          if (typeof text !== 'string') waits = true;
          rendered.push({ group, text });
        }
      }
      // Renders that read (loaders) run together; results are then written in publish order.
      let texts: Array<PromiseSettledResult<string>> | undefined;
      if (waits) {
        deliveryMs += performance.now() - began;
        texts = await Promise.allSettled(rendered.map(({ text }) => text));
        began = performance.now();
      }
      const touched: Group[] = [];
      rendered.forEach(({ group, text }, index) => {
        const settled = texts?.[index];
        const value = settled ? (settled.status === 'fulfilled' ? settled.value : undefined) : (text as string);
        if (value === undefined) return;
        if (!group.round) {
          group.round = { bodies: [], order: [], templates: new Map() };
          touched.push(group);
        }
        // Encoded once; every subscriber's message shares these bytes.
        group.round.bodies.push(Buffer.from(value));
        group.round.order.push(index);
      });
      for (const group of touched) {
        for (const subscriber of group.subscribers) {
          const { connection } = subscriber;
          if (connection.active.length === 0) dirty.push(connection);
          connection.active.push(subscriber);
        }
      }
      try {
        for (const connection of dirty) write(connection);
      } finally {
        // A write that threw must not leave this round's messages to the next.
        for (const connection of dirty) connection.active = [];
        dirty.length = 0;
        for (const group of touched) group.round = undefined;
      }
      deliveryMs += performance.now() - began;
    }
  };

  const schedule = () => {
    if (round) return;
    // One round per event-loop turn: everything the dispatcher publishes in a batch goes out together.
    round = new Promise<void>((resolve) => setImmediate(resolve))
      .then(deliver)
      .finally(() => {
        round = undefined;
        if (pending.length > 0) schedule();
      });
  };

  return {
    subscribe({ socket, topic, rendering, before, after }) {
      let connection = connections.get(socket);
      if (!connection) {
        const created: Connection = { socket, subscriptions: new Set(), active: [], unsent: 0, dropped: false };
        connection = created;
        connections.set(socket, created);
        socket.once('close', () => {
          for (const subscriber of [...created.subscriptions]) end(subscriber);
        });
      }
      if (connection.dropped) throw new ClientError('connection dropped as too slow');
      if (connection.subscriptions.size >= limits.maxSubscriptionsPerConnection) {
        throw new ClientError(`at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`);
      }
      let groups = topics.get(topic);
      if (!groups) topics.set(topic, (groups = new Map()));
      let group = groups.get(rendering.key);
      if (!group) groups.set(rendering.key, (group = { topic, rendering, subscribers: new Set() }));
      const subscriber: Subscriber = { connection, group, before, after, done: false };
      group.subscribers.add(subscriber);
      connection.subscriptions.add(subscriber);
      subscriptions++;
      return () => end(subscriber);
    },
    has: (topic) => topics.has(topic),
    publish(topic, payload) {
      if (!topics.has(topic)) return;
      pending.push([topic, payload]);
      schedule();
    },
    async flushed() {
      while (round) await round;
    },
    stats: () => ({ topics: topics.size, subscriptions, dropped, renders, frames, writes, rounds, deliveryMs: Math.round(deliveryMs) }),
    close() {
      pending = [];
      for (const groups of [...topics.values()]) for (const group of [...groups.values()]) for (const subscriber of [...group.subscribers]) end(subscriber);
      topics.clear();
    },
  };
}
