/**
 * A short-lived in-process cache of the space and proposal rows the vote path reads on every message.
 * Writes through this process invalidate at once; writes by other instances are seen within `ttlMs`.
 * That bounded staleness is safe: a proposal can only change before voting starts, and the vote write
 * itself re-checks that the proposal still exists.
 */
export type RecordCache<T> = {
  get(id: string, load: (id: string) => Promise<T | null>): Promise<T | null>;
  invalidate(id: string): void;
};

export type CreateRecordCacheParameters = { ttlMs?: number; maxEntries?: number; now?: () => number };

/** Creates a TTL cache that also shares one in-flight load per id. */
export function createRecordCache<T>({ ttlMs = 2000, maxEntries = 10_000, now = Date.now }: CreateRecordCacheParameters = {}): RecordCache<T> {
  const entries = new Map<string, { value: Promise<T | null>; expires: number }>();
  return {
    get(id, load) {
      const time = now();
      const hit = entries.get(id);
      if (hit && hit.expires > time) return hit.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = load(id);
      entries.set(id, { value, expires: time + ttlMs });
      // A failed load is not remembered.
      value.catch(() => entries.delete(id));
      return value;
    },
    invalidate(id) {
      entries.delete(id);
    },
  };
}
