/** The queries both risk paths share: the proposal with its AI settings, the space's other proposals, vote-log rows. */
import { sql } from 'drizzle-orm';
import type { SpaceAiSettings } from '../../schema/space-settings.ts';
import { mergeThresholds, type Thresholds } from '../ai/thresholds.ts';
import type { ProposalInput, VoteVersion } from '../ai/types.ts';
import { queryRows, type Db } from '../db/open-database.ts';

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

export type RiskProposal = { proposal: ProposalInput; thresholds: Thresholds; rules: string[] };

/** The proposal with its space's merged AI thresholds and rules; undefined for an unknown proposal. */
export async function loadRiskProposal(db: Db, proposalId: string): Promise<RiskProposal | undefined> {
  const [row] = await queryRows<ProposalRow & { settings: { ai?: SpaceAiSettings } | null }>(
    db,
    sql`SELECT p.id, p.space, p.type, p.choices, p.start, p."end", p.snapshot, p.quorum, p.author, p.title, p.body, p.created, s.settings
          FROM proposals p LEFT JOIN spaces s ON s.id = p.space WHERE p.id = ${proposalId}`,
  );
  if (!row) return undefined;
  const ai = row.settings?.ai;
  return { proposal: proposalInput(row), thresholds: mergeThresholds(ai?.thresholds ?? {}), rules: ai?.rules ?? [] };
}

/** The space's other proposals read for the cross-proposal context, newest first (the order the context depends on). */
export async function loadOtherProposals(db: Db, proposal: ProposalInput, limit: number): Promise<ProposalInput[]> {
  const rows = await queryRows<ProposalRow>(
    db,
    sql`SELECT id, space, type, choices, start, "end", snapshot, quorum, author, title, body, created
          FROM proposals WHERE space = ${proposal.space} AND id <> ${proposal.id} AND start <= ${proposal.end}
         ORDER BY start DESC, id LIMIT ${limit}`,
  );
  return rows.map(proposalInput);
}

/** The vote-log rows of the proposals after `afterMci`, grouped by proposal in mci order (every id gets a list). */
export async function loadVoteVersions(db: Db, ids: string[], afterMci = 0): Promise<Map<string, VoteVersion[]>> {
  const rows = await queryRows<VoteRow>(
    db,
    sql`SELECT id, proposal, mci, voter, choice, vp::float8 AS vp, created, reason, app
          FROM vote_history WHERE proposal = ANY(${sql.param(ids)}::text[]) AND mci > ${afterMci} ORDER BY mci`,
  );
  const byProposal = new Map<string, VoteVersion[]>(ids.map((id) => [id, []]));
  for (const row of rows) byProposal.get(row.proposal)!.push(voteVersion(row));
  return byProposal;
}

/** The last vote-log entry among the proposals' votes; 0 without any. One index probe per proposal, not a scan of their votes. */
export async function loadLastVoteMci(db: Db, ids: string[]): Promise<number> {
  const [{ last }] = await queryRows<{ last: string | number | null }>(
    db,
    sql`SELECT max(x.mci) AS last FROM unnest(${sql.param(ids)}::text[]) AS o(id),
          LATERAL (SELECT mci FROM vote_history WHERE proposal = o.id ORDER BY mci DESC LIMIT 1) x`,
  );
  return Number(last ?? 0);
}
