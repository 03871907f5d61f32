/** A bounded in-memory cache of voting power at past (immutable) blocks. */

export type PowerCache = {
  get(key: string): number | undefined;
  set(key: string, value: number): void;
  clear(): void;
  readonly size: number;
};

export type CreatePowerCacheParameters = { maxEntries?: number };

/** Creates a cache that forgets its oldest entries beyond `maxEntries` (default 1,000,000). */
export function createPowerCache(parameters: CreatePowerCacheParameters = {}): PowerCache {
  const maxEntries = parameters.maxEntries ?? 1_000_000;
  const entries = new Map<string, number>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}

/** The cache key of one address's power: strategy, network, block, params and address. */
export function powerCacheKey(strategy: string, network: string, block: number, paramsKey: string, address: string): string {
  return `${strategy}|${network}|${block}|${paramsKey}|${address.toLowerCase()}`;
}
