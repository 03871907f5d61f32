/**
 * The live risk of an open proposal: feeds only the vote-log rows since the last sweep to the proposal's incremental
 * analyzer, so a sweep costs the new votes, not the whole history; an analyzer is built at once from the whole log
 * when there is none (restart, first sight, new thresholds) or when that is cheaper than adding the new votes one by
 * one. The report equals computeRisk's.
 */
import { sql } from 'drizzle-orm';
import { buildHistories } from '../ai/context.ts';
import { IncrementalAnalyzer } from '../ai/incremental.ts';
import type { StructuredLlm } from '../ai/llm/client.ts';
import type { HistoryContext, ProposalInput, VoteVersion } from '../ai/types.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import { latestByVoter, type LiveAnalyzers, type LiveEntry } from './live-analyzers.ts';
import { overseeRisk } from './oversee-risk.ts';
import { loadOtherProposals, loadRiskProposal, loadVoteVersions } from './risk-rows.ts';
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
  const [{ last }] = await queryRows<{ last: string | number | null }>(
    db,
    // One index probe per proposal (vote_history_proposal_mci), not a scan of their votes.
    sql`SELECT max(x.mci) AS last FROM unnest(${sql.param(otherIds)}::text[]) AS o(id),
          LATERAL (SELECT mci FROM vote_history WHERE proposal = o.id ORDER BY mci DESC LIMIT 1) x`,
  );
  const fingerprint = JSON.stringify([own.proposal, own.thresholds]);
  const contextFingerprint = JSON.stringify([others.map((other) => [other.id, other.space, other.start, other.end]), Number(last ?? 0)]);
  let entry = analyzers.get(proposalId);
  if (entry && entry.fingerprint !== fingerprint) entry = undefined;
  if (!entry) entry = await rebuild(db, own.proposal, own.thresholds, others, fingerprint, contextFingerprint, analyzers);
  else {
    let contextChanged = false;
    if (entry.contextFingerprint !== contextFingerprint) {
      entry.otherVotes = compact(await loadVoteVersions(db, otherIds));
      entry.others = others;
      entry.contextFingerprint = contextFingerprint;
      contextChanged = true;
    }
    const added = (await loadVoteVersions(db, [proposalId], entry.lastMci)).get(proposalId)!;
    const voters = entry.ownLatest.size;
    latestByVoter(added, entry.ownLatest);
    if (added.length) entry.lastMci = added[added.length - 1].mci;
    // The context depends on who voted here, not on how: only new voters or other proposals change it.
    const context = contextChanged || entry.ownLatest.size !== voters ? contextOf(own.proposal, entry) : undefined;
    if (analyzers.rebuildIsCheaper(entry, added.length)) {
      // Many new votes (a burst, a long debounce): one build over every vote costs less than adding them one by one.
      entry.analyzer = build(own.proposal, own.thresholds, context ?? entry.analyzer.context, [...entry.analyzer.votes, ...added], analyzers);
    } else {
      const started = performance.now();
      for (const vote of added) entry.analyzer.add(vote);
      analyzers.measureAdds(entry, added.length, performance.now() - started);
      if (context) entry.analyzer.context = context;
    }
  }
  analyzers.set(proposalId, entry);
  const report = entry.analyzer.report(now);
  return overseeRisk({ report, proposal: own.proposal, votes: entry.analyzer.votes, rules: own.rules, lastMci: entry.lastMci, llm });
}

/** A fresh entry from the whole vote log (no entry, or the proposal or thresholds changed). */
async function rebuild(
  db: Db,
  proposal: ProposalInput,
  thresholds: IncrementalAnalyzer['thresholds'],
  others: ProposalInput[],
  fingerprint: string,
  contextFingerprint: string,
  analyzers: LiveAnalyzers,
): Promise<LiveEntry> {
  const votes = await loadVoteVersions(db, [proposal.id, ...others.map((other) => other.id)]);
  const ownVotes = votes.get(proposal.id)!;
  votes.delete(proposal.id);
  const partial = { others, otherVotes: compact(votes), ownLatest: latestByVoter(ownVotes) };
  const analyzer = build(proposal, thresholds, contextOf(proposal, partial), ownVotes, analyzers);
  return { ...partial, analyzer, fingerprint, contextFingerprint, addMs: analyzers.costs.addMs, lastMci: ownVotes.length ? ownVotes[ownVotes.length - 1].mci : 0 };
}

/** Builds an analyzer over the votes at once, timing it for the next choice between adding and building. */
function build(proposal: ProposalInput, thresholds: IncrementalAnalyzer['thresholds'], context: HistoryContext, votes: VoteVersion[], analyzers: LiveAnalyzers): IncrementalAnalyzer {
  const started = performance.now();
  const analyzer = IncrementalAnalyzer.build(proposal, thresholds, context, votes);
  analyzers.measureBuild(votes.length, performance.now() - started);
  return analyzer;
}

/** The cross-proposal context exactly as loadRiskInput builds it (same items, same order). */
function contextOf(proposal: ProposalInput, entry: Pick<LiveEntry, 'others' | 'otherVotes' | 'ownLatest'>) {
  const items = [
    { proposal, votes: [...entry.ownLatest.values()] },
    ...entry.others.map((other) => ({ proposal: other, votes: entry.otherVotes.get(other.id)! })),
  ];
  return buildHistories({ items })[0].context ?? {};
}

/** Each proposal's votes reduced to the latest per voter in first-vote order, which is all buildHistories reads. */
function compact(votes: Map<string, VoteVersion[]>): Map<string, VoteVersion[]> {
  return new Map([...votes].map(([id, list]) => [id, [...latestByVoter(list).values()]]));
}
