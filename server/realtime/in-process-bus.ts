/** The event bus inside one process: the embedded database serves one instance only. */
import { deliver, type BusListener, type EventBus } from './event-bus.ts';

export type CreateInProcessBusParameters = { onError?: (error: unknown) => void };

/** Creates a bus whose events reach this process's listeners on the next turn of the event loop. */
export function createInProcessBus({ onError = () => {} }: CreateInProcessBusParameters = {}): EventBus {
  const listeners = new Set<BusListener>();
  return {
    kind: 'in-process',
    async publish(events) {
      if (events.length === 0) return;
      setImmediate(() => deliver(listeners, events, onError));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready: async () => {},
    async close() {
      listeners.clear();
    },
  };
}
