/** Identical reads share one query, and never one sent before the reader asked. */

/** Runs `read` for `key`, or shares the result of a run of the same key that had not been sent yet. */
export type SharedReads = <T>(key: string, read: () => Promise<T>) => Promise<T>;

const ignore = () => {};

/**
 * Coalesces identical reads (same statement, same values) without answering with anything older than the
 * request: a reader joins a run that is waiting to be sent, never one already sent (it may have started
 * before a write the reader saw acknowledged). While a key's run is in flight, new readers of that key
 * wait for it and then share the next run. Under a burst on one page (everyone watching a live proposal)
 * the database answers one query per key per round trip instead of one per request; a lone reader waits
 * for nothing.
 */
export function sharedReads(): SharedReads {
  const sent = new Map<string, Promise<unknown>>();
  const waiting = new Map<string, Promise<unknown>>();

  function send<T>(key: string, read: () => Promise<T>): Promise<T> {
    const run = read();
    sent.set(key, run);
    const forget = () => {
      if (sent.get(key) === run) sent.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  return function share<T>(key: string, read: () => Promise<T>): Promise<T> {
    const queued = waiting.get(key);
    if (queued) return queued as Promise<T>;
    const running = sent.get(key);
    if (!running) return send(key, read);
    const next = running.then(ignore, ignore).then(() => {
      waiting.delete(key);
      return send(key, read);
    });
    waiting.set(key, next);
    return next;
  };
}
