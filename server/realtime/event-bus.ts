/**
 * The event bus: small events (kinds and ids, never row data) from the instance that caused them to every
 * instance, whose subscribers then read the details from the tables. Three implementations behind one
 * interface: in-process (PGlite, one instance), PostgreSQL LISTEN/NOTIFY, Redis pub/sub.
 */

/** One event. `kind` names what happened; new features add kinds (see server/realtime/README.md). */
export type BusEvent = {
  /** `vote`, `proposal`, `update-proposal`, `flag-proposal`, `delete-proposal`, `proposal-started`,
   *  `proposal-ended`, … (message kinds are the log's `type`). */
  kind: string;
  /** Log sequence number, for events that come from the message log. */
  mci?: number;
  space?: string;
  id: string;
  proposal?: string;
};

/** Receives events in batches, in the order published by any one instance. Must not throw. */
export type BusListener = (events: BusEvent[]) => void;

export type EventBus = {
  readonly kind: 'in-process' | 'postgres' | 'redis';
  /** Sends events to every instance, this one included. Resolves once handed to the transport. */
  publish(events: BusEvent[]): Promise<void>;
  /** Listens to every instance's events; returns the removal. */
  subscribe(listener: BusListener): () => void;
  /** Resolves once the bus receives (a subscription on another instance sees what is published here). */
  ready(): Promise<void>;
  close(): Promise<void>;
};

/** Delivers a batch to listeners, isolating their faults. */
export function deliver(listeners: Iterable<BusListener>, events: BusEvent[], onError: (error: unknown) => void): void {
  for (const listener of listeners) {
    try {
      listener(events);
    } catch (error) {
      onError(error);
    }
  }
}

/** Splits events into JSON arrays of at most `maxBytes` each (PostgreSQL NOTIFY payloads stay under 8000 bytes). */
export function chunkEvents(events: BusEvent[], maxBytes: number): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const event of events) {
    const text = JSON.stringify(event);
    if (current.length > 0 && size + text.length + 1 > maxBytes) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(text);
    size += text.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** Parses one published chunk, dropping anything that is not an event. */
export function parseEvents(payload: string): BusEvent[] {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (event): event is BusEvent => typeof event === 'object' && event !== null && typeof event.kind === 'string' && typeof event.id === 'string',
    );
  } catch {
    return [];
  }
}
