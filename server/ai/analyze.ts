/** analyzeProposal: runs every detector over a proposal's vote history and assembles the risk report. */
import { detectBorrowedPower } from './detectors/borrowed.ts';
import { detectDelegationSpike } from './detectors/delegation-spike.ts';
import { detectFarming } from './detectors/farming.ts';
import { detectVoteFlips } from './detectors/flip.ts';
import { detectLateSwing } from './detectors/late-swing.ts';
import { detectLowParticipation } from './detectors/low-participation.ts';
import { detectReasonCoordination, findReasonGroups } from './detectors/reasons.ts';
import { detectRentedPower } from './detectors/rented.ts';
import { detectSybilClusters } from './detectors/sybil.ts';
import { fairnessSummary } from './fairness.ts';
import { severityRank } from './flag.ts';
import type { Prepared } from './prepare.ts';
import { counterfactual, prepare } from './prepare.ts';
import { defaultThresholds } from './thresholds.ts';
import type { Thresholds } from './thresholds.ts';
import type { Flag, ProposalHistory, RiskLevel, RiskReport, VoteVersion } from './types.ts';

export type AnalyzeOptions = {
  /** Report time, unix seconds (default: now). */
  now?: number;
};

/** Runs all detectors on a prepared view (shared by the batch and the incremental analyzer). */
export function runDetectors(p: Prepared): Flag[] {
  const reasonGroups = findReasonGroups(p);
  const flags = [
    ...detectSybilClusters(p, reasonGroups),
    ...detectBorrowedPower(p),
    ...detectDelegationSpike(p),
    ...detectLateSwing(p),
    ...detectVoteFlips(p),
    ...detectLowParticipation(p),
    ...detectRentedPower(p),
    ...detectFarming(p),
    ...detectReasonCoordination(p, reasonGroups),
  ];
  return sortFlags(flags);
}

/** Orders flags by severity, score, kind and first evidence id (deterministic). */
export function sortFlags(flags: Flag[]): Flag[] {
  return flags.sort(
    (a, b) =>
      severityRank[b.severity] - severityRank[a.severity] ||
      b.score - a.score ||
      (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
      ((a.evidence.voters[0] ?? '') < (b.evidence.voters[0] ?? '') ? -1 : (a.evidence.voters[0] ?? '') > (b.evidence.voters[0] ?? '') ? 1 : 0),
  );
}

/** Builds the report from a prepared view and its flags. */
export function buildReport(p: Prepared, flags: Flag[], now: number): RiskReport {
  let level: RiskLevel = 'none';
  for (const f of flags) if (level === 'none' || severityRank[f.severity] > severityRank[level]) level = f.severity;
  const flaggedVoters = new Map<string, VoteVersion | undefined>();
  for (const f of flags) {
    if (f.severity === 'low') continue;
    for (const v of f.evidence.voters) if (p.byVoter.has(v)) flaggedVoters.set(v, undefined);
  }
  return {
    proposal: p.proposal.id,
    level,
    flags,
    fairness: fairnessSummary(p),
    result: p.result,
    resultWithoutFlagged: counterfactual(p, flaggedVoters),
    computedAt: now,
    votesAnalyzed: p.versions.length,
  };
}

/** Analyses one proposal's full vote history (every version) with the given thresholds. */
export function analyzeProposal(history: ProposalHistory, thresholds: Thresholds = defaultThresholds, options: AnalyzeOptions = {}): RiskReport {
  const p = prepare(history, thresholds);
  return buildReport(p, runDetectors(p), options.now ?? Math.floor(Date.now() / 1000));
}
