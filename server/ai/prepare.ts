/** Shared per-proposal view that every detector reads: versions, latest vote per voter, tally. */
import { addExactScores, applyChoiceExact, cloneExactScores, emptyExactScores, exactScoreValues, resultOf, outcomeOf } from './tally.ts';
import type { ExactScores, TallyResult } from './tally.ts';
import type { HistoryContext, ProposalHistory, ProposalInput, VoteVersion } from './types.ts';
import type { LateView } from './detectors/late-swing.ts';
import type { FlipIndex, FlipState } from './detectors/flip.ts';
import type { SybilGraph } from './sybil-graph.ts';
import type { ReasonIndex } from './reason-index.ts';
import type { Thresholds } from './thresholds.ts';

export type Prepared = {
  proposal: ProposalInput;
  context: HistoryContext;
  thresholds: Thresholds;
  /** All versions in log (mci) order. */
  versions: VoteVersion[];
  /** Versions of each voter in log order. */
  byVoter: Map<string, VoteVersion[]>;
  /** The counted (latest) vote of each voter, in (created, mci) order. */
  latest: VoteVersion[];
  result: TallyResult;
  /** Exact per-choice sums behind `result` (counterfactuals start from them, so no result depends on vote order). */
  exact: ExactScores;
  totalVp: number;
  /** Optional memo shared across runs by the incremental analyzer (pure caches: results never depend on it). */
  cache?: AnalysisCache;
  /** The batch run's ascending counted power, sorted on first use (sortedPower). */
  powerAscending?: Float64Array;
};

/** Caches of pure per-text and per-state computations, keyed so that a hit returns exactly what a recompute would. */
export type AnalysisCache = {
  /** Features of each raw reason text. */
  texts: Map<string, unknown>;
  /** The reason groups, when maintained incrementally. */
  reasonIndex?: ReasonIndex;
  /** Ascending max(0, vp) of the counted votes, when maintained incrementally. */
  sortedVp?: Float64Array;
  /** Counted voters per main choice, when maintained incrementally. */
  heads?: number[];
  /** Per voter with several versions: their vote changes, cached with the number of versions seen. */
  flips?: Map<string, { versions: number; changes: number; late: { voter: string; from: VoteVersion; to: VoteVersion } | undefined }>;
  /** Bumped whenever a voter with several versions gets one more (flip groups are kept until then). */
  flipVersion?: number;
  flipState?: FlipState & { version: number };
  /** Late changers per final choice in time order, kept as voters' changes are re-read (built on first use). */
  flipIndex?: FlipIndex;
  /** Late voters and their sums, when maintained incrementally. */
  late?: LateView;
  /** The sybil link graph, when maintained incrementally. */
  sybil?: SybilGraph;
  /** Voters with at least two versions, when maintained incrementally. */
  multiVersionVoters?: Set<string>;
};

/** Votes in time order (mci breaks ties). */
export const byCreated = (a: VoteVersion, b: VoteVersion): number => a.created - b.created || a.mci - b.mci;

/** Builds the shared view from a history (votes in any order). */
export function prepare(history: ProposalHistory, thresholds: Thresholds): Prepared {
  // the input is only read; it is copied only when it has to be sorted
  let ordered = true;
  const input = history.votes;
  for (let i = 1; i < input.length && ordered; i++) if (input[i].mci < input[i - 1].mci) ordered = false;
  const versions = ordered ? input : [...input].sort((a, b) => a.mci - b.mci);
  const byVoter = new Map<string, VoteVersion[]>();
  for (const v of versions) {
    const list = byVoter.get(v.voter);
    if (list) list.push(v);
    else byVoter.set(v.voter, [v]);
  }
  const latest: VoteVersion[] = [];
  for (const list of byVoter.values()) latest.push(list[list.length - 1]);
  let inOrder = true;
  for (let i = 1; i < latest.length && inOrder; i++) if (byCreated(latest[i - 1], latest[i]) > 0) inOrder = false;
  if (!inOrder) latest.sort(byCreated);
  return fromParts(history.proposal, history.context ?? {}, thresholds, versions, byVoter, latest);
}

/** Assembles a Prepared from already ordered parts (used by the incremental analyzer). */
export function fromParts(
  proposal: ProposalInput,
  context: HistoryContext,
  thresholds: Thresholds,
  versions: VoteVersion[],
  byVoter: Map<string, VoteVersion[]>,
  latest: VoteVersion[],
  exactScores?: ExactScores,
): Prepared {
  let exact = exactScores;
  if (!exact) {
    exact = emptyExactScores(proposal.choices.length);
    for (const v of latest) applyChoiceExact(exact, proposal.type, v.choice, v.vp, 1);
  }
  const result = resultOf(exactScoreValues(exact), proposal.quorum);
  let totalVp = 0;
  for (const x of result.scores) totalVp += x;
  return { proposal, context, thresholds, versions, byVoter, latest, result, exact, totalVp };
}

/** Ascending max(0, vp) of the counted votes: kept by the incremental analyzer, else sorted once per run. */
export function sortedPower(p: Prepared): Float64Array {
  return p.cache?.sortedVp ?? (p.powerAscending ??= Float64Array.from(p.latest, (v) => Math.max(0, v.vp)).sort());
}

/** Result after replacing some voters' counted votes (undefined = vote removed). */
export function counterfactual(p: Prepared, replace: Map<string, VoteVersion | undefined>): TallyResult {
  const exact = cloneExactScores(p.exact);
  for (const [voter, repl] of replace) {
    const list = p.byVoter.get(voter);
    if (!list) continue;
    const cur = list[list.length - 1];
    applyChoiceExact(exact, p.proposal.type, cur.choice, cur.vp, -1);
    if (repl) applyChoiceExact(exact, p.proposal.type, repl.choice, repl.vp, 1);
  }
  return resultOf(exactScoreValues(exact), p.proposal.quorum);
}

/** Result after adding `sign` times a per-choice contribution to the tally (exact sums, any order gives the same). */
export function resultShiftedBy(p: Prepared, contribution: ExactScores, sign: 1 | -1): TallyResult {
  const exact = cloneExactScores(p.exact);
  addExactScores(exact, contribution, sign);
  return resultOf(exactScoreValues(exact), p.proposal.quorum);
}

/** Whether a counterfactual result has another outcome (winner, or quorum) than the proposal's. */
export function changesOutcome(p: Prepared, result: TallyResult): boolean {
  return outcomeOf(result) !== outcomeOf(p.result);
}

/** Whether removing the given voters' votes changes the outcome (winner, or quorum). */
export function removalChangesOutcome(p: Prepared, voters: Iterable<string>): boolean {
  const m = new Map<string, VoteVersion | undefined>();
  for (const v of voters) m.set(v, undefined);
  return changesOutcome(p, counterfactual(p, m));
}

/** Margin between the winner and the runner-up, in VP. */
export function margin(p: Prepared): number {
  const s = [...p.result.scores].sort((a, b) => b - a);
  return (s[0] ?? 0) - (s[1] ?? 0);
}

/** Snapshot time of the proposal (snapshotTime, else start). */
export function snapshotTime(proposal: ProposalInput): number {
  return proposal.snapshotTime ?? proposal.start;
}
