/**
 * The live risk of an open proposal: feeds only the vote-log rows since the last sweep to the proposal's incremental
 * analyzer, so a sweep costs the new votes, not the whole history; an analyzer is built at once from the whole log
 * when there is none (restart, first sight, new thresholds) or when that is cheaper than adding the new votes one by
 * one. The report equals computeRisk's.
 */
import type { StructuredLlm } from '../ai/llm/client.ts';
import type { VoteVersion } from '../ai/types.ts';
import type { Db } from '../db/open-database.ts';
import { latestByVoter, type HostResult } from './analyzer-host.ts';
import type { LiveAnalyzers, LiveEntry } from './live-analyzers.ts';
import { overseeRisk } from './oversee-risk.ts';
import { loadLastVoteMci, loadOtherProposals, loadRiskProposal, loadVoteVersions } from './risk-rows.ts';
import type { StoredRisk } from './types.ts';

export type ComputeLiveRiskParameters = {
  db: Db;
  proposalId: string;
  /** Server time, unix seconds. */
  now: number;
  analyzers: LiveAnalyzers;
  llm?: StructuredLlm;
  /** Other proposals of the space in the cross-proposal context (as loadRiskInput). */
  otherProposals?: number;
};

/** The risk of the proposal as of now, updating its cached analyzer; undefined (and no entry) for an unknown proposal. */
export async function computeLiveRisk({ db, proposalId, now, analyzers, llm, otherProposals = 20 }: ComputeLiveRiskParameters): Promise<StoredRisk | undefined> {
  const own = await loadRiskProposal(db, proposalId);
  if (!own) {
    analyzers.delete(proposalId);
    return undefined;
  }
  const others = await loadOtherProposals(db, own.proposal, otherProposals);
  const otherIds = others.map((other) => other.id);
  // The vote log is append-only with a cluster-wide mci, so the others' last mci tells whether any of their votes changed.
  const last = await loadLastVoteMci(db, otherIds);
  const fingerprint = JSON.stringify([own.proposal, own.thresholds]);
  const contextFingerprint = JSON.stringify([others.map((other) => [other.id, other.space, other.start, other.end]), last]);
  let entry = analyzers.get(proposalId);
  if (entry && entry.fingerprint !== fingerprint) entry = undefined;
  let result: HostResult | undefined;
  if (entry) {
    try {
      const contextChanged = entry.contextFingerprint !== contextFingerprint;
      const otherVotes = contextChanged ? compact(await loadVoteVersions(db, otherIds)) : undefined;
      const added = (await loadVoteVersions(db, [proposalId], entry.lastMci)).get(proposalId)!;
      const rebuild = analyzers.rebuildIsCheaper(entry, added.length);
      result = await analyzers.host.update({ proposal: proposalId, added, others: contextChanged ? others : undefined, otherVotes, rebuild, now });
      if (rebuild) analyzers.measureBuild(result.size, result.ms);
      else analyzers.measureAdds(entry, added.length, result.ms);
      entry.contextFingerprint = contextFingerprint;
      if (added.length) entry.lastMci = added[added.length - 1].mci;
    } catch (error) {
      // The host lost it (a worker that stopped and started again): built below like a first sight.
      if ((error as Error).name !== 'UnknownAnalyzerError') throw error;
      entry = undefined;
    }
  }
  if (!entry || !result) {
    // No analyzer (restart, first sight, eviction, failure) or the proposal or thresholds changed: built from the whole log.
    const votes = await loadVoteVersions(db, [proposalId, ...otherIds]);
    const ownVotes = votes.get(proposalId)!;
    votes.delete(proposalId);
    result = await analyzers.host.build({ proposal: own.proposal, thresholds: own.thresholds, others, otherVotes: compact(votes), votes: ownVotes, now });
    analyzers.measureBuild(result.size, result.ms);
    entry = { lastMci: ownVotes.length ? ownVotes[ownVotes.length - 1].mci : 0, size: 0, builds: 0, fingerprint, contextFingerprint, addMs: analyzers.seedAddMs(result.size) };
  }
  entry.size = result.size;
  if (result.built) entry.builds++;
  analyzers.set(proposalId, entry);
  return overseeRisk({ report: result.report, proposal: own.proposal, reasons: result.reasons, rules: own.rules, lastMci: entry.lastMci, llm });
}

/** Each proposal's votes reduced to the latest per voter in first-vote order, which is all buildHistories reads. */
function compact(votes: Map<string, VoteVersion[]>): Map<string, VoteVersion[]> {
  return new Map([...votes].map(([id, list]) => [id, [...latestByVoter(list).values()]]));
}
