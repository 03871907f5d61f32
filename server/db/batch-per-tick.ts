/** Coalesces the reads requested in one event-loop turn into one `loadMany` call: one query for many requests. */

export type BatchPerTickParameters<K, V> = {
  /** Loads every key at once; returns one value per key, in the order of `keys`. */
  loadMany(keys: K[]): Promise<V[]>;
  /** Most keys in one call; a larger turn is split into several calls. */
  maxBatch?: number;
};

/** Returns `load(key)`: requests made before the next `setImmediate` share one `loadMany` call. */
export function batchPerTick<K, V>({ loadMany, maxBatch = 500 }: BatchPerTickParameters<K, V>): (key: K) => Promise<V> {
  let queue: Array<{ key: K; resolve(value: V): void; reject(error: unknown): void }> = [];
  const flush = () => {
    const taken = queue;
    queue = [];
    for (let start = 0; start < taken.length; start += maxBatch) {
      const part = taken.slice(start, start + maxBatch);
      loadMany(part.map((item) => item.key)).then(
        (values) => part.forEach((item, index) => item.resolve(values[index])),
        (error: unknown) => part.forEach((item) => item.reject(error)),
      );
    }
  };
  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ key, resolve, reject });
    });
}
