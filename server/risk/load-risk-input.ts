/** Loads what the AI overseer reads for one proposal: its whole vote log, the space's recent proposals and its settings. */
import { sql } from 'drizzle-orm';
import type { SpaceAiSettings } from '../../schema/space-settings.ts';
import { buildHistories } from '../ai/context.ts';
import { mergeThresholds, type Thresholds } from '../ai/thresholds.ts';
import type { ProposalHistory, ProposalInput, VoteVersion } from '../ai/types.ts';
import { queryRows, type Db } from '../db/open-database.ts';

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

type ProposalRow = {
  id: string;
  space: string;
  type: string;
  choices: string[];
  start: string | number;
  end: string | number;
  snapshot: string | number;
  quorum: number;
  author: string;
  title: string;
  body: string;
  created: string | number;
};

type VoteRow = { id: string; proposal: string; mci: string | number; voter: string; choice: VoteVersion['choice']; vp: number; created: string | number; reason: string; app: string };

const proposalInput = (row: ProposalRow): ProposalInput => ({
  id: row.id,
  space: row.space,
  type: row.type,
  choices: row.choices,
  start: Number(row.start),
  end: Number(row.end),
  snapshot: Number(row.snapshot),
  quorum: Number(row.quorum),
  author: row.author,
  title: row.title,
  body: row.body,
  created: Number(row.created),
});

const voteVersion = (row: VoteRow): VoteVersion => ({
  id: row.id,
  mci: Number(row.mci),
  voter: row.voter,
  choice: row.choice,
  vp: Number(row.vp),
  created: Number(row.created),
  reason: row.reason,
  app: row.app,
});

/** The proposal's history with its cross-proposal context, the space's thresholds and rules; undefined for an unknown proposal. */
export async function loadRiskInput({ db, proposalId, otherProposals = 20 }: LoadRiskInputParameters): Promise<RiskInput | undefined> {
  const [row] = await queryRows<ProposalRow & { settings: { ai?: SpaceAiSettings } | null }>(
    db,
    sql`SELECT p.id, p.space, p.type, p.choices, p.start, p."end", p.snapshot, p.quorum, p.author, p.title, p.body, p.created, s.settings
          FROM proposals p LEFT JOIN spaces s ON s.id = p.space WHERE p.id = ${proposalId}`,
  );
  if (!row) return undefined;
  const others = await queryRows<ProposalRow>(
    db,
    sql`SELECT id, space, type, choices, start, "end", snapshot, quorum, author, title, body, created
          FROM proposals WHERE space = ${row.space} AND id <> ${proposalId} AND start <= ${row.end}
         ORDER BY start DESC, id LIMIT ${otherProposals}`,
  );
  const ids = [row.id, ...others.map((other) => other.id)];
  const voteRows = await queryRows<VoteRow>(
    db,
    sql`SELECT id, proposal, mci, voter, choice, vp::float8 AS vp, created, reason, app
          FROM vote_history WHERE proposal = ANY(${sql.param(ids)}::text[]) ORDER BY mci`,
  );
  const byProposal = new Map<string, VoteVersion[]>(ids.map((id) => [id, []]));
  for (const vote of voteRows) byProposal.get(vote.proposal)!.push(voteVersion(vote));
  const own = byProposal.get(row.id)!;
  const [history] = buildHistories({
    items: [row, ...others].map((proposal) => ({ proposal: proposalInput(proposal), votes: byProposal.get(proposal.id)! })),
  });
  const ai = row.settings?.ai;
  return {
    history,
    thresholds: mergeThresholds(ai?.thresholds ?? {}),
    rules: ai?.rules ?? [],
    lastMci: own.length ? own[own.length - 1].mci : 0,
  };
}
