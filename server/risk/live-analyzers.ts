/** The per-instance cache of incremental analyzers of open proposals, bounded by least-recent use. */
import type { IncrementalAnalyzer } from '../ai/incremental.ts';
import type { ProposalInput, VoteVersion } from '../ai/types.ts';

/** One open proposal's live state: what its analyzer has seen and what its report's inputs were. */
export type LiveEntry = {
  analyzer: IncrementalAnalyzer;
  /** The last vote-log entry of the proposal added; 0 without votes. */
  lastMci: number;
  /** The proposal row and the space's thresholds the analyzer was built for; any change rebuilds it. */
  fingerprint: string;
  /** The other proposals and the last vote-log entry among them when their votes were loaded. */
  contextFingerprint: string;
  others: ProposalInput[];
  /** Each other proposal's latest vote per voter, in order of first vote: all the context reads of them. */
  otherVotes: Map<string, VoteVersion[]>;
  /** The proposal's latest vote per voter, in order of first vote (the context depends on who voted only). */
  ownLatest: Map<string, VoteVersion>;
};

/** A Map in least-recently-used order that drops the oldest entry past its capacity. */
export class LiveAnalyzers {
  readonly capacity: number;
  private entries = new Map<string, LiveEntry>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`live analyzers capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
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
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(proposal: string): void {
    this.entries.delete(proposal);
  }

  clear(): void {
    this.entries.clear();
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}

/** Keeps the latest version per voter in first-vote order: Map.set on a known key keeps its position. */
export function latestByVoter(votes: readonly VoteVersion[], into = new Map<string, VoteVersion>()): Map<string, VoteVersion> {
  for (const vote of votes) into.set(vote.voter, vote);
  return into;
}
