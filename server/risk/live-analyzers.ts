/**
 * The per-instance index of the live analyzers of open proposals, bounded by least-recent use and by the votes held;
 * the analyzers themselves live in an AnalyzerHost (a worker thread in the service), told of every entry dropped.
 */
import { LocalAnalyzerHost, type AnalyzerHost } from './analyzer-host.ts';

/** One open proposal's live state as the sweep sees it: what its analyzer has seen and what it was built for. */
export type LiveEntry = {
  /** The last vote-log entry of the proposal added; 0 without votes. */
  lastMci: number;
  /** Vote versions its analyzer holds. */
  size: number;
  /** How many times its analyzer was built (at once, from the whole log). */
  builds: number;
  /** The proposal row and the space's thresholds the analyzer was built for; any change rebuilds it. */
  fingerprint: string;
  /** The other proposals and the last vote-log entry among them when their votes were loaded. */
  contextFingerprint: string;
  /** Measured cost of one `add` on this analyzer, ms (it grows with the proposal's size). */
  addMs: number;
};

/**
 * What a sweep weighs to choose between adding the new votes one by one and building the analyzer again at once.
 * Seeded with the figures of bench/detect.ts at 100k votes (docs/benchmarks.md), then measured (moving averages).
 */
export type AnalyzerCosts = {
  /** One `add` at 100k votes, ms: the seed of a new entry, scaled to its size (each entry then measures its own). */
  addMs: number;
  /** `IncrementalAnalyzer.build`, ms per vote. */
  buildMsPerVote: number;
  /** Whether measured timings update the figures (off: a fixed choice, for tests). */
  adaptive: boolean;
};

export const defaultAnalyzerCosts: AnalyzerCosts = { addMs: 0.3, buildMsPerVote: 0.012, adaptive: true };

/** A Map in least-recently-used order that drops the oldest entry past its capacity. */
export class LiveAnalyzers {
  readonly capacity: number;
  readonly host: AnalyzerHost;
  /** Most vote versions held by all analyzers together (an analyzer takes ~1 KB per vote besides the votes). */
  readonly maxVotes: number;
  readonly costs: AnalyzerCosts;
  private entries = new Map<string, LiveEntry>();

  constructor(capacity: number, costs: Partial<AnalyzerCosts> = {}, maxVotes = Infinity, host: AnalyzerHost = new LocalAnalyzerHost()) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`live analyzers capacity must be a positive integer, got ${capacity}`);
    if (!(maxVotes >= 0)) throw new RangeError(`live analyzers vote bound must be a non-negative number, got ${maxVotes}`);
    this.capacity = capacity;
    this.maxVotes = maxVotes;
    this.host = host;
    this.costs = { ...defaultAnalyzerCosts, ...costs };
  }

  /** Vote versions held by all analyzers. */
  get votes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.size;
    return total;
  }

  /** Whether adding `added` votes one by one would cost more than building the analyzer from all its votes. */
  rebuildIsCheaper(entry: LiveEntry, added: number): boolean {
    return added * entry.addMs > (entry.size + added) * this.costs.buildMsPerVote;
  }

  /**
   * The first estimate of one `add` on a new analyzer of `size` votes: the seed is the cost at 100k votes, and an add
   * costs about in proportion to the proposal's size (the sybil buckets it rescans), so small ones start cheap.
   */
  seedAddMs(size: number): number {
    return this.costs.adaptive ? Math.max(0.005, (this.costs.addMs * size) / 100_000) : this.costs.addMs;
  }

  /** Records how long adding `count` votes took on the entry (small batches say little: skipped). */
  measureAdds(entry: LiveEntry, count: number, ms: number): void {
    if (this.costs.adaptive && count >= 20) entry.addMs = 0.7 * entry.addMs + 0.3 * (ms / count);
  }

  /** Records how long building an analyzer of `count` votes took. */
  measureBuild(count: number, ms: number): void {
    if (this.costs.adaptive && count >= 1000) this.costs.buildMsPerVote = 0.7 * this.costs.buildMsPerVote + 0.3 * (ms / count);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The proposal's entry, now the most recently used; undefined when absent. */
  get(proposal: string): LiveEntry | undefined {
    const entry = this.entries.get(proposal);
    if (entry) {
      this.entries.delete(proposal);
      this.entries.set(proposal, entry);
    }
    return entry;
  }

  set(proposal: string, entry: LiveEntry): void {
    this.entries.delete(proposal);
    this.entries.set(proposal, entry);
    while (this.entries.size > this.capacity) this.delete(this.entries.keys().next().value!);
    // the entry just used stays even alone over the bound: its next sweep would only build it again
    let total = this.votes;
    for (const [id, other] of this.entries) {
      if (total <= this.maxVotes || id === proposal) break;
      this.delete(id);
      total -= other.size;
    }
  }

  /** Drops the entry and its analyzer. */
  delete(proposal: string): void {
    this.entries.delete(proposal);
    this.host.drop(proposal);
  }

  /** Drops every entry and analyzer (as a restart would). */
  clear(): void {
    for (const proposal of this.keys()) this.delete(proposal);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
