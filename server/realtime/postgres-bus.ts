/**
 * The event bus over PostgreSQL LISTEN/NOTIFY: no extra infrastructure. One dedicated connection listens
 * and reconnects with backoff when it drops; NOTIFY goes through the pool. Payloads are small JSON arrays
 * of events (ids only), split to stay under PostgreSQL's 8000-byte limit.
 */
import pg from 'pg';
import { chunkEvents, deliver, parseEvents, type BusListener, type EventBus } from './event-bus.ts';

export type CreatePostgresBusParameters = {
  /** Connection string of the database every instance shares. */
  databaseUrl: string;
  /** Pool used for NOTIFY. */
  pool: pg.Pool;
  channel?: string;
  log?: { warn(object: object, message: string): void; info(object: object, message: string): void };
};

const MAX_PAYLOAD = 7000;

/** Creates the bus and starts listening (see `ready`). */
export function createPostgresBus({ databaseUrl, pool, channel = 'conclave_events', log }: CreatePostgresBusParameters): EventBus {
  const listeners = new Set<BusListener>();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  let readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  const onError = (error: unknown) => log?.warn({ err: error }, 'event listener failed');

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'conclave-events' });
    next.on('notification', (message) => {
      if (message.channel !== channel || !message.payload) return;
      const events = parseEvents(message.payload);
      if (events.length > 0) deliver(listeners, events, onError);
    });
    const lost = (error?: unknown) => {
      if (client !== next) return;
      client = null;
      next.removeAllListeners('error');
      next.on('error', () => {});
      next.end().catch(() => {});
      if (closed) return;
      log?.warn({ err: error, retryMs }, 'event connection lost, reconnecting');
      readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
      schedule();
    };
    next.on('error', lost);
    next.on('end', () => lost(new Error('connection ended')));
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (closed) {
        await next.end().catch(() => {});
        return;
      }
      retryMs = 100;
      resolveReady();
    } catch (error) {
      lost(error);
    }
  };
  const schedule = () => {
    timer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
  void connect();

  return {
    kind: 'postgres',
    async publish(events) {
      const chunks = chunkEvents(events, MAX_PAYLOAD);
      if (chunks.length === 0) return;
      await pool.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) WITH ORDINALITY AS u(payload, n) ORDER BY n', [channel, chunks]);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: () => readyPromise,
    async close() {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
      const current = client;
      client = null;
      if (current) {
        current.on('error', () => {});
        await current.end().catch(() => {});
      }
    },
  };
}
