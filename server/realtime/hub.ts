/**
 * This instance's live subscriptions, by topic (`votes:<proposal>`, `proposalUpdated:<id>`, …). Delivery is
 * shared: the subscribers of a topic are grouped by rendering (same GraphQL document and variables), each
 * published event is rendered once per group and serialized once, and each subscriber's frame only wraps
 * that text with its own id. Frames for one connection are collected over an event-loop turn and written
 * together. A client whose socket holds more than the limits unsent is dropped (its socket terminated), so
 * a slow client never makes memory grow without bound.
 */
import { ClientError } from '../errors.ts';

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
   * Counters for health and benchmarks: `dropped` counts connections cut as too slow, `deliveryMs` the
   * time spent rendering, framing and writing (its synchronous part, on this process' event loop).
   */
  stats(): { topics: number; subscriptions: number; dropped: number; renders: number; frames: number; deliveryMs: number };
  /** Ends every subscription. */
  close(): void;
};

type Connection = {
  socket: HubSocket;
  subscriptions: Set<Subscriber>;
  /** Messages collected this turn (three parts each, see HubSocket.write). */
  parts: Buffer[];
  /** Frames written but not yet out of the process. */
  unsent: number;
  dropped: boolean;
};

type Subscriber = { connection: Connection; group: Group; before: Buffer; after: Buffer; done: boolean };

type Group = { topic: string; rendering: Rendering; subscribers: Set<Subscriber> };

/** Creates an empty hub with the given limits. */
export function createHub(limits: HubLimits): Hub {
  /** topic → rendering key → group. */
  const topics = new Map<string, Map<string, Group>>();
  const connections = new WeakMap<HubSocket, Connection>();
  let subscriptions = 0;
  let dropped = 0;
  let renders = 0;
  let frames = 0;
  let deliveryMs = 0;

  let pending: Array<[string, unknown]> = [];
  const dirty = new Set<Connection>();
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
    connection.parts = [];
    for (const subscriber of [...connection.subscriptions]) end(subscriber);
    // A client that does not read cannot take a close frame either: cut the connection, free its buffers.
    connection.socket.terminate();
  };

  const write = (connection: Connection) => {
    const out = connection.parts;
    connection.parts = [];
    const count = out.length / 3;
    if (connection.dropped || count === 0) return;
    if (connection.socket.bufferedAmount > limits.maxBufferedBytes || connection.unsent + count > limits.maxQueuedEvents) {
      drop(connection);
      return;
    }
    connection.unsent += count;
    frames += count;
    connection.socket.write(out, () => (connection.unsent -= count));
  };

  /** One delivery round: renders what was published (once per group), then writes each connection's frames. */
  const deliver = async () => {
    while (pending.length > 0) {
      const events = pending;
      pending = [];
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
      rendered.forEach(({ group, text }, index) => {
        const settled = texts?.[index];
        const value = settled ? (settled.status === 'fulfilled' ? settled.value : undefined) : (text as string);
        if (value === undefined) return;
        // Encoded once; every subscriber's message shares these bytes.
        const body = Buffer.from(value);
        for (const subscriber of group.subscribers) {
          subscriber.connection.parts.push(subscriber.before, body, subscriber.after);
          dirty.add(subscriber.connection);
        }
      });
      for (const connection of dirty) write(connection);
      dirty.clear();
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
        const created: Connection = { socket, subscriptions: new Set(), parts: [], unsent: 0, dropped: false };
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
    stats: () => ({ topics: topics.size, subscriptions, dropped, renders, frames, deliveryMs: Math.round(deliveryMs) }),
    close() {
      pending = [];
      for (const groups of [...topics.values()]) for (const group of [...groups.values()]) for (const subscriber of [...group.subscribers]) end(subscriber);
      topics.clear();
    },
  };
}
