/**
 * Caps how far V8 grows the old generation past the live heap before its next full GC. V8's default factor
 * (up to 4x on a large machine, under a steady allocation-heavy load such as ingest plus fan-out) lets the heap
 * fill with garbage to several times the live size, and RSS keeps that high-water mark.
 */
import v8 from 'node:v8';

export type LimitHeapGrowthParameters = {
  /** Growth in percent of the live heap (`HEAP_GROWING_PERCENT`); 0 leaves V8's own factor. */
  percent: number;
  /** Sets V8 flags (a stand-in in tests). */
  setFlags?: (flags: string) => void;
};

/** Sets V8's `--heap-growing-percent` for the whole process (its worker threads too). */
export function limitHeapGrowth({ percent, setFlags = v8.setFlagsFromString }: LimitHeapGrowthParameters): void {
  // V8 reads the flag each time it sets the next limit, so setting it at startup applies from the first GC on.
  if (percent > 0) setFlags(`--heap-growing-percent=${percent}`);
}
