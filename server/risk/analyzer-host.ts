/**
 * Where the live sweep's incremental analyzers live: their state per open proposal (the analyzer, the voters and the
 * context's inputs) and the operations the sweep asks of them. `LocalAnalyzerHost` runs them on the calling thread;
 * `WorkerAnalyzerHost` (worker-analyzer-host.ts) runs a LocalAnalyzerHost in a worker thread.
 */
import { buildHistories } from '../ai/context.ts';
import { IncrementalAnalyzer } from '../ai/incremental.ts';
import type { Thresholds } from '../ai/thresholds.ts';
import type { HistoryContext, ProposalInput, RiskReport, VoteVersion } from '../ai/types.ts';

/** A first build (or a build after the proposal row or thresholds changed) from the whole vote log. */
export type HostBuild = {
  proposal: ProposalInput;
  thresholds: Thresholds;
  /** The space's other proposals of the context, newest first (as loadRiskInput reads them). */
  others: ProposalInput[];
  /** Their votes, each list the latest per voter in first-vote order (all buildHistories reads). */
  otherVotes: Map<string, VoteVersion[]>;
  /** The proposal's vote log in mci order. */
  votes: VoteVersion[];
  /** Report time, unix seconds. */
  now: number;
};

/** The votes after the analyzer's last one; the context's inputs when they changed; build again rather than add. */
export type HostUpdate = {
  proposal: string;
  added: VoteVersion[];
  others?: ProposalInput[];
  otherVotes?: Map<string, VoteVersion[]>;
  rebuild: boolean;
  now: number;
};

export type HostResult = {
  report: RiskReport;
  /** Reasons of the votes the report's flags cite (all the overseer shows the model). */
  reasons: Record<string, string>;
  /** Vote versions the analyzer holds. */
  size: number;
  /** Time spent adding the votes or building the analyzer, ms (the sweep's cost model learns from it). */
  ms: number;
  built: boolean;
};

export interface AnalyzerHost {
  build(request: HostBuild): Promise<HostResult>;
  update(request: HostUpdate): Promise<HostResult>;
  /** Forgets a proposal's analyzer. */
  drop(proposal: string): void;
  close(): Promise<void>;
}

/** Thrown by `update` for a proposal without an analyzer (dropped, or the worker restarted): the sweep builds again. */
export class UnknownAnalyzerError extends Error {
  constructor(proposal: string) {
    super(`no live analyzer for proposal ${proposal}`);
    this.name = 'UnknownAnalyzerError';
  }
}

type HostState = {
  analyzer: IncrementalAnalyzer;
  others: ProposalInput[];
  otherVotes: Map<string, VoteVersion[]>;
};

/** Analyzers on the calling thread. */
export class LocalAnalyzerHost implements AnalyzerHost {
  private readonly states = new Map<string, HostState>();

  async build(request: HostBuild): Promise<HostResult> {
    return this.buildNow(request);
  }

  async update(request: HostUpdate): Promise<HostResult> {
    return this.updateNow(request);
  }

  drop(proposal: string): void {
    this.states.delete(proposal);
  }

  async close(): Promise<void> {
    this.states.clear();
  }

  buildNow({ proposal, thresholds, others, otherVotes, votes, now }: HostBuild): HostResult {
    const context = contextOf(proposal, [...latestByVoter(votes).values()], others, otherVotes);
    const started = performance.now();
    const state: HostState = { analyzer: IncrementalAnalyzer.build(proposal, thresholds, context, votes), others, otherVotes };
    const ms = performance.now() - started;
    this.states.set(proposal.id, state);
    return result(state.analyzer, now, ms, true);
  }

  updateNow({ proposal, added, others, otherVotes, rebuild, now }: HostUpdate): HostResult {
    const state = this.states.get(proposal);
    if (!state) throw new UnknownAnalyzerError(proposal);
    const { analyzer } = state;
    if (others) state.others = others;
    if (otherVotes) state.otherVotes = otherVotes;
    const voters = analyzer.voters;
    const started = performance.now();
    if (rebuild) {
      // Many new votes (a burst, a long debounce): one build over every vote costs less than adding them one by one.
      state.analyzer = IncrementalAnalyzer.build(analyzer.proposal, analyzer.thresholds, analyzer.context, [...analyzer.votes, ...added]);
    } else {
      for (const vote of added) analyzer.add(vote);
    }
    // The context depends on who voted here, not on how: only new voters or other proposals change it.
    if (others || otherVotes || state.analyzer.voters !== voters) {
      state.analyzer.context = contextOf(analyzer.proposal, state.analyzer.latestByVoter(), state.others, state.otherVotes);
    }
    return result(state.analyzer, now, performance.now() - started, rebuild);
  }
}

function result(analyzer: IncrementalAnalyzer, now: number, ms: number, built: boolean): HostResult {
  const report = analyzer.report(now);
  return { report, reasons: citedReasons(report, analyzer.votes), size: analyzer.size, ms, built };
}

/** The reasons of the votes a report's flags cite (only those are shown to the model, as untrusted data). */
export function citedReasons(report: RiskReport, votes: readonly VoteVersion[]): Record<string, string> {
  const cited = new Set(report.flags.flatMap((flag) => flag.evidence.votes));
  const reasons: Record<string, string> = {};
  for (const vote of votes) if (vote.reason && cited.has(vote.id)) reasons[vote.id] = vote.reason;
  return reasons;
}

/** Keeps the latest version per voter in first-vote order: Map.set on a known key keeps its position. */
export function latestByVoter(votes: readonly VoteVersion[], into = new Map<string, VoteVersion>()): Map<string, VoteVersion> {
  for (const vote of votes) into.set(vote.voter, vote);
  return into;
}

/** The cross-proposal context exactly as loadRiskInput builds it (same items, same order; only the latest vote per voter is read). */
function contextOf(proposal: ProposalInput, ownLatest: VoteVersion[], others: ProposalInput[], otherVotes: Map<string, VoteVersion[]>): HistoryContext {
  const items = [
    { proposal, votes: ownLatest },
    ...others.map((other) => ({ proposal: other, votes: otherVotes.get(other.id)! })),
  ];
  return buildHistories({ items })[0].context ?? {};
}
