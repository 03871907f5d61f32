/** The event bus over Redis pub/sub (`REDIS_URL`): ioredis reconnects and resubscribes by itself. */
import { Redis } from 'ioredis';
import { chunkEvents, deliver, parseEvents, type BusListener, type EventBus } from './event-bus.ts';

export type CreateRedisBusParameters = {
  redisUrl: string;
  /** Channel shared by the instances of one deployment (derived from the database name). */
  channel: string;
  log?: { warn(object: object, message: string): void };
};

/** Creates the bus with one publishing and one subscribed connection. */
export function createRedisBus({ redisUrl, channel, log }: CreateRedisBusParameters): EventBus {
  const listeners = new Set<BusListener>();
  const publisher = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(redisUrl, { lazyConnect: false });
  const onError = (error: unknown) => log?.warn({ err: error }, 'event listener failed');
  publisher.on('error', (error) => log?.warn({ err: error }, 'redis publisher error'));
  subscriber.on('error', (error) => log?.warn({ err: error }, 'redis subscriber error'));
  subscriber.on('message', (from: string, payload: string) => {
    if (from !== channel) return;
    const events = parseEvents(payload);
    if (events.length > 0) deliver(listeners, events, onError);
  });
  const subscribed = subscriber.subscribe(channel).then(() => undefined);
  subscribed.catch(() => {});

  return {
    kind: 'redis',
    async publish(events) {
      // Redis has no small payload limit; chunks only keep messages bounded.
      for (const chunk of chunkEvents(events, 64 * 1024)) await publisher.publish(channel, chunk);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => subscribed,
    async close() {
      listeners.clear();
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
