/** Loads what the AI overseer reads for one proposal: its whole vote log, the space's recent proposals and its settings. */
import { buildHistories } from '../ai/context.ts';
import type { Thresholds } from '../ai/thresholds.ts';
import type { ProposalHistory } from '../ai/types.ts';
import type { Db } from '../db/open-database.ts';
import { loadOtherProposals, loadRiskProposal, loadVoteVersions } from './risk-rows.ts';

export type LoadRiskInputParameters = {
  db: Db;
  proposalId: string;
  /** Other proposals of the space loaded for the cross-proposal context (baselines, voters' other votes). */
  otherProposals?: number;
};

export type RiskInput = {
  history: ProposalHistory;
  thresholds: Thresholds;
  rules: string[];
  /** The last vote-log entry included; 0 without votes. */
  lastMci: number;
};

/** The proposal's history with its cross-proposal context, the space's thresholds and rules; undefined for an unknown proposal. */
export async function loadRiskInput({ db, proposalId, otherProposals = 20 }: LoadRiskInputParameters): Promise<RiskInput | undefined> {
  const own = await loadRiskProposal(db, proposalId);
  if (!own) return undefined;
  const others = await loadOtherProposals(db, own.proposal, otherProposals);
  const items = [own.proposal, ...others];
  const votes = await loadVoteVersions(db, items.map((proposal) => proposal.id));
  const [history] = buildHistories({ items: items.map((proposal) => ({ proposal, votes: votes.get(proposal.id)! })) });
  const ownVotes = votes.get(proposalId)!;
  return { history, thresholds: own.thresholds, rules: own.rules, lastMci: ownVotes.length ? ownVotes[ownVotes.length - 1].mci : 0 };
}
