/** `vote`, `vote-array`, `vote-string`: a ballot on a proposal; latest wins, written in bulk. */
import { sql } from 'drizzle-orm';
import { ClientError } from '../../errors.ts';
import { isValidChoice } from '../../scoring/tally.ts';
import { VotingPowerError } from '../../scoring/errors.ts';
import { getVotingPower } from '../../scoring/get-voting-power.ts';
import { queryRows, type Db } from '../../db/open-database.ts';
import { checkVoteIdentity } from '../../membership/check-vote-identity.ts';
import type { KindModule } from '../kind-module.ts';
import type { BatchApplier } from '../log-writer.ts';

/** Snapshot's limits on a vote's free-text fields. */
export const VOTE_LIMITS = { reason: 5000, app: 24, metadata: 2000 };

export type PreparedVote = {
  id: string;
  voter: string;
  space: string;
  proposal: string;
  choice: unknown;
  reason: string;
  app: string;
  metadata: unknown;
  created: number;
  vp: number;
  vpByStrategy: number[];
  vpState: string;
  /** The membership credential (jti) checked, and the status list hash, when the space requires identity. */
  credentialId: string | null;
  statusListHash: string | null;
};

export const vote: KindModule<PreparedVote> = {
  async verify({ parsed, from, space, now, loadProposal, config, membership }) {
    if (!space) throw new ClientError('unknown space');
    const message = parsed.message;
    const reason = message.reason as string;
    const app = message.app as string;
    const metadataText = message.metadata as string;
    if (metadataText.length > VOTE_LIMITS.metadata) throw new ClientError('too large metadata');
    if (reason.length > VOTE_LIMITS.reason || app.length > VOTE_LIMITS.app) throw new ClientError('wrong vote format');
    let metadata: unknown = {};
    if (metadataText !== '') {
      try {
        metadata = JSON.parse(metadataText);
      } catch {
        throw new ClientError('wrong vote format');
      }
    }
    const target = await loadProposal(message.proposal as string);
    if (!target || target.space !== space.id) throw new ClientError('unknown proposal');
    if (message.timestamp < target.start || message.timestamp > target.end || now < target.start || now > target.end) {
      throw new ClientError('not in voting window');
    }
    let choice: unknown = message.choice;
    if (parsed.kind === 'vote-string') {
      try {
        choice = JSON.parse(message.choice as string);
      } catch {
        throw new ClientError('invalid choice');
      }
    }
    if (!isValidChoice(target.type, choice, target.choices)) throw new ClientError('invalid choice');
    // Valid at the proposal start and now (the acceptance time recorded in the log as `received`), not revoked.
    const identity = await checkVoteIdentity(membership, {
      policy: space.settings.identity,
      space: space.id,
      voter: from,
      proposalStart: target.start,
      voteTime: now,
    });
    let power;
    try {
      power = await getVotingPower({
        address: from,
        strategies: target.strategies,
        network: target.network,
        snapshot: target.snapshot,
        rpcUrls: config.rpcUrls,
      });
    } catch (error) {
      if (error instanceof VotingPowerError) throw new ClientError(error.message);
      throw error;
    }
    if (power.vp <= 0) throw new ClientError('no voting power');
    const { voteValidation } = target;
    if (voteValidation.name === 'basic' && power.vp < (voteValidation.params.minScore as number)) {
      throw new ClientError('failed vote validation');
    }
    return {
      id: parsed.id,
      voter: from,
      space: space.id,
      proposal: target.id,
      choice,
      reason,
      app,
      metadata,
      created: message.timestamp,
      vp: power.vp,
      vpByStrategy: power.vpByStrategy,
      vpState: power.vpState,
      credentialId: identity.credentialId,
      statusListHash: identity.statusListHash,
    };
  },
  apply: applyVotes,
};

type Item = Parameters<BatchApplier<PreparedVote>>[1][number];

/**
 * Writes votes with one upsert per round: a newer ballot replaces the voter's current one in the same
 * statement that checks it is newer (timestamp, then id), so concurrent writers cannot both win.
 * The tally triggers subtract the replaced ballots and add the new ones at the end of that statement.
 */
async function applyVotes(tx: Db, items: ReadonlyArray<Item>): Promise<Map<number, ClientError>> {
  const refused = new Map<number, ClientError>();
  // One statement cannot touch a row twice: a voter's second ballot in the batch goes to a later round.
  const rounds: number[][] = [];
  const roundOf = new Map<string, number>();
  items.forEach((item, position) => {
    const key = `${item.prepared.proposal}\u0000${item.prepared.voter}`;
    const round = (roundOf.get(key) ?? -1) + 1;
    roundOf.set(key, round);
    (rounds[round] ??= []).push(position);
  });
  for (const positions of rounds) {
    const batch = positions.map((position) => items[position]);
    const col = <T>(pick: (item: Item) => T) => sql.param(batch.map(pick));
    // The written ballots go to the history in the same statement (one round trip under the log lock).
    const result = await queryRows<{ id: string }>(tx, sql`
      WITH written AS (
        INSERT INTO votes (id, ipfs, voter, space, proposal, choice, reason, app, metadata, created, vp, vp_by_strategy, vp_state,
                           credential_id, status_list_hash, mci)
        SELECT u.id, u.ipfs, u.voter, u.space, u.proposal, u.choice::jsonb, u.reason, u.app, u.metadata::jsonb,
               u.created, u.vp, u.vp_by_strategy::jsonb, u.vp_state, u.credential_id, u.status_list_hash, u.mci
          FROM unnest(${col((i) => i.prepared.id)}::text[], ${col((i) => i.row.ipfs)}::text[],
                      ${col((i) => i.prepared.voter)}::text[], ${col((i) => i.prepared.space)}::text[],
                      ${col((i) => i.prepared.proposal)}::text[], ${col((i) => JSON.stringify(i.prepared.choice))}::text[],
                      ${col((i) => i.prepared.reason)}::text[], ${col((i) => i.prepared.app)}::text[],
                      ${col((i) => JSON.stringify(i.prepared.metadata))}::text[], ${col((i) => i.prepared.created)}::bigint[],
                      ${col((i) => String(i.prepared.vp))}::numeric[], ${col((i) => JSON.stringify(i.prepared.vpByStrategy))}::text[],
                      ${col((i) => i.prepared.vpState)}::text[], ${col((i) => i.prepared.credentialId)}::text[],
                      ${col((i) => i.prepared.statusListHash)}::text[], ${col((i) => i.mci)}::bigint[])
            AS u(id, ipfs, voter, space, proposal, choice, reason, app, metadata, created, vp, vp_by_strategy, vp_state,
                 credential_id, status_list_hash, mci)
          JOIN proposals p ON p.id = u.proposal AND p.scores_state <> 'final'
        ON CONFLICT (proposal, voter) DO UPDATE
           SET id = EXCLUDED.id, ipfs = EXCLUDED.ipfs, choice = EXCLUDED.choice, reason = EXCLUDED.reason,
               app = EXCLUDED.app, metadata = EXCLUDED.metadata, created = EXCLUDED.created, vp = EXCLUDED.vp,
               vp_by_strategy = EXCLUDED.vp_by_strategy, vp_state = EXCLUDED.vp_state, credential_id = EXCLUDED.credential_id,
               status_list_hash = EXCLUDED.status_list_hash, mci = EXCLUDED.mci
         WHERE (votes.created, votes.id) < (EXCLUDED.created, EXCLUDED.id)
           AND NOT (SELECT lock_votes FROM proposals WHERE id = EXCLUDED.proposal)
        RETURNING id, voter, space, proposal, choice, reason, app, created, vp, credential_id, status_list_hash, mci
      ), history AS (
        INSERT INTO vote_history (id, voter, space, proposal, choice, reason, app, created, vp, credential_id, status_list_hash, mci)
        SELECT id, voter, space, proposal, choice, reason, app, created, vp, credential_id, status_list_hash, mci FROM written
      )
      SELECT id FROM written`);
    const written = new Set(result.map((row) => row.id));
    const losers = positions.filter((position) => !written.has(items[position].prepared.id));
    if (losers.length > 0) {
      const reasons = await refusalReasons(tx, losers.map((position) => items[position]));
      losers.forEach((position, index) => refused.set(position, reasons[index]));
    }
  }
  return refused;
}

/** Explains, from the rows that beat them, why ballots were not written (the rare path). */
async function refusalReasons(tx: Db, losers: Item[]): Promise<ClientError[]> {
  const rows = await queryRows<{ proposal_exists: boolean; decided: boolean | null; lock_votes: boolean | null; id: string | null; created: string | number | null }>(tx, sql`
    SELECT u.position, p.id IS NOT NULL AS proposal_exists, p.scores_state = 'final' AS decided, p.lock_votes, v.id, v.created
      FROM unnest(${sql.param(losers.map((item) => item.prepared.proposal))}::text[],
                  ${sql.param(losers.map((item) => item.prepared.voter))}::text[]) WITH ORDINALITY AS u(proposal, voter, position)
      LEFT JOIN proposals p ON p.id = u.proposal
      LEFT JOIN votes v ON v.proposal = u.proposal AND v.voter = u.voter
     ORDER BY u.position`);
  return losers.map((item, index) => {
    const row = rows[index];
    if (!row.proposal_exists) return new ClientError('unknown proposal');
    // Decided while this vote was on its way (it passed the window check an instant before the end).
    if (row.decided) return new ClientError('not in voting window');
    if (row.id === item.prepared.id) return new ClientError('duplicate message');
    if (row.lock_votes) return new ClientError('votes are locked in this space: a vote cannot be changed');
    if (Number(row.created) > item.prepared.created) return new ClientError('already voted at later time');
    return new ClientError('already voted same time with lower index');
  });
}
