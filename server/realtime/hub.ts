/**
 * This instance's live subscriptions, by topic (`votes:<proposal>`, `proposalUpdated:<id>`, …). Each
 * subscription is an async iterator over a bounded queue: a client whose queue or socket buffer passes
 * its limit is dropped (the socket is terminated), so a slow client never makes memory grow without bound.
 */
import { ClientError } from '../errors.ts';

/** The part of a websocket (ws) the hub needs. */
export type HubSocket = {
  readonly bufferedAmount: number;
  terminate(): void;
  once(event: 'close', listener: () => void): unknown;
};

export type HubLimits = {
  maxSubscriptionsPerConnection: number;
  maxQueuedEvents: number;
  maxBufferedBytes: number;
};

export type Hub = {
  /** Opens a subscription to `topic` for the client on `socket`; throws a ClientError past the per-connection limit. */
  subscribe<T>(socket: HubSocket | undefined, topic: string): AsyncIterableIterator<T>;
  /** Whether anyone on this instance listens to `topic` (so details are read only when needed). */
  has(topic: string): boolean;
  /** Queues `payload` for every subscriber of `topic`. */
  publish(topic: string, payload: unknown): void;
  /** Counters for health and benchmarks. */
  stats(): { topics: number; subscriptions: number; dropped: number };
  /** Ends every subscription. */
  close(): void;
};

type Subscription = {
  queue: unknown[];
  waiting: ((result: IteratorResult<unknown>) => void) | null;
  done: boolean;
  socket: HubSocket | undefined;
  end(): void;
};

/** Creates an empty hub with the given limits. */
export function createHub(limits: HubLimits): Hub {
  const topics = new Map<string, Set<Subscription>>();
  /** Each socket's open subscriptions; one close listener per socket ends them all. */
  const perSocket = new WeakMap<HubSocket, Set<Subscription>>();
  let dropped = 0;
  let subscriptions = 0;

  const drop = (subscription: Subscription) => {
    dropped++;
    // A client that does not read cannot take a close frame either: cut the connection, free its buffers.
    subscription.socket?.terminate();
    subscription.end();
  };

  return {
    subscribe<T>(socket: HubSocket | undefined, topic: string): AsyncIterableIterator<T> {
      let owned: Set<Subscription> | undefined;
      if (socket) {
        owned = perSocket.get(socket);
        if (!owned) {
          const set = new Set<Subscription>();
          owned = set;
          perSocket.set(socket, set);
          socket.once('close', () => {
            for (const subscription of [...set]) subscription.end();
          });
        }
        if (owned.size >= limits.maxSubscriptionsPerConnection) {
          throw new ClientError(`at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`);
        }
      }
      subscriptions++;
      const subscription: Subscription = {
        queue: [],
        waiting: null,
        done: false,
        socket,
        end() {
          if (subscription.done) return;
          subscription.done = true;
          subscriptions--;
          subscription.queue = [];
          const set = topics.get(topic);
          set?.delete(subscription);
          if (set && set.size === 0) topics.delete(topic);
          owned?.delete(subscription);
          const waiting = subscription.waiting;
          subscription.waiting = null;
          waiting?.({ value: undefined, done: true });
        },
      };
      let set = topics.get(topic);
      if (!set) topics.set(topic, (set = new Set()));
      set.add(subscription);
      owned?.add(subscription);
      const iterator: AsyncIterableIterator<T> = {
        next() {
          if (subscription.queue.length > 0) return Promise.resolve({ value: subscription.queue.shift() as T, done: false });
          if (subscription.done) return Promise.resolve({ value: undefined, done: true });
          return new Promise((resolve) => (subscription.waiting = resolve as (result: IteratorResult<unknown>) => void));
        },
        async return() {
          subscription.end();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    has: (topic) => topics.has(topic),
    publish(topic, payload) {
      const set = topics.get(topic);
      if (!set) return;
      for (const subscription of [...set]) {
        if ((subscription.socket?.bufferedAmount ?? 0) > limits.maxBufferedBytes) {
          drop(subscription);
          continue;
        }
        if (subscription.waiting) {
          const waiting = subscription.waiting;
          subscription.waiting = null;
          waiting({ value: payload, done: false });
          continue;
        }
        if (subscription.queue.length >= limits.maxQueuedEvents) {
          drop(subscription);
          continue;
        }
        subscription.queue.push(payload);
      }
    },
    stats: () => ({ topics: topics.size, subscriptions, dropped }),
    close() {
      for (const set of [...topics.values()]) for (const subscription of [...set]) subscription.end();
      topics.clear();
    },
  };
}
