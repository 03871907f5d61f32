/**
 * Replays checked log entries through the kind modules (the same `verify` and `apply` as ingest) into the
 * replay schema. Votes, the bulk of a log, are verified one by one and applied in large batches, as the
 * log writer's group commit applies them; any other kind is applied at once, since later messages may
 * depend on it. A full batch is applied while the next one is verified: a vote's verification reads no
 * row that votes write, and the statements run on the one connection in the order they were issued.
 */
import crypto from 'node:crypto';
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { checkSender } from '../ingest/check-sender.ts';
import type { KindModule } from '../ingest/kind-module.ts';
import { KIND_MODULES } from '../ingest/kinds/index.ts';
import type { LogRow } from '../ingest/log-writer.ts';
import type { ParsedEnvelope } from '../ingest/parse-envelope.ts';
import { loadProposal, loadSpace, type ProposalRecord, type SpaceRecord } from '../ingest/records.ts';
import { createMembership } from '../membership/create-membership.ts';
import { createServiceKey } from '../service-key.ts';
import type { Divergence } from './check-entry.ts';

export type CreateReplayerParameters = {
  /** The replay transaction (unqualified names are the replay schema's). */
  db: Db;
  config: Config;
  /** Most votes applied in one statement. */
  maxBatch?: number;
};

/** An entry whose hash, envelope and EOA signature were checked (`row.address` is the recovered signer). */
export type CheckedEntry = { mci: number; row: LogRow; parsed: ParsedEnvelope };

export type Replayer = {
  /** Replays one entry, in log order; the divergence when the replay refuses it (or a vote batch before it). */
  add(entry: CheckedEntry): Promise<Divergence | null>;
  /** Applies the votes still queued. */
  finish(): Promise<Divergence | null>;
  /** How many of the last entries added are queued or being applied (their refusal is reported later). */
  queued(): number;
};

const VOTE_KINDS = new Set(['vote', 'vote-array', 'vote-string']);

/** Creates a replayer writing into `db`. */
export function createReplayer({ db, config, maxBatch = 5000 }: CreateReplayerParameters): Replayer {
  // Credentials are submitted outside the log, so the replay's membership service has none: votes of
  // identity-required spaces cannot be re-checked from the log alone (see docs/reliability.md).
  const membership = createMembership({ db, config, serviceKey: createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`) });
  // Spaces and proposals are cached until a non-vote message may change them.
  const spaces = new Map<string, Promise<SpaceRecord | null>>();
  const proposals = new Map<string, Promise<ProposalRecord | null>>();
  type QueuedVote = { prepared: unknown; row: LogRow; mci: number };
  let votes: QueuedVote[] = [];
  // The batch being applied, if any, and its outcome.
  let applying: { size: number; outcome: Promise<Divergence | null> } | undefined;

  const applyBatch = async (batch: QueuedVote[]): Promise<Divergence | null> => {
    const refused = await KIND_MODULES.vote.apply(db, batch);
    // The earliest refused vote, whatever the order the applier reports them in.
    const first = Math.min(...refused.keys());
    if (Number.isFinite(first)) {
      return { mci: batch[first].mci, check: 'replay', detail: `replaying the log refuses this vote: ${refused.get(first)!.message}` };
    }
    return null;
  };
  /** Waits for the batch being applied; its divergence, if any. */
  const settle = async (): Promise<Divergence | null> => {
    if (!applying) return null;
    const { outcome } = applying;
    try {
      return await outcome;
    } finally {
      applying = undefined;
    }
  };
  /** Starts applying the queued votes once the batch before them is applied (`wait`: and waits for them too). */
  const flushVotes = async (wait: boolean): Promise<Divergence | null> => {
    const before = await settle();
    if (before || votes.length === 0) return before;
    const batch = votes;
    votes = [];
    const outcome = applyBatch(batch);
    // Awaited by the next settle; a failure must not go unhandled meanwhile.
    outcome.catch(() => {});
    applying = { size: batch.length, outcome };
    return wait ? settle() : null;
  };

  return {
    async add({ mci, row, parsed }) {
      const kind = parsed.kind;
      const isVote = VOTE_KINDS.has(kind);
      if (!isVote || votes.length >= maxBatch) {
        // Any other kind is applied after every vote before it, and may read what they wrote.
        const divergence = await flushVotes(!isVote);
        if (divergence) return divergence;
      }
      try {
        const { from, signer, space } = await checkSender({
          db,
          config,
          now: row.received,
          parsed,
          getSpace: (id) => cached(spaces, id, () => loadSpace(db, id)),
          // The entry check recovered this exact digest and signature to `row.address`.
          verify: async ({ digest, signature, signer }) => digest === parsed.id && signature === row.sig && signer === row.address,
        });
        if (signer !== row.address) throw new ClientError(`the signer is ${signer}, the log says ${row.address}`);
        const module = KIND_MODULES[kind] as KindModule<unknown>;
        const prepared = await module.verify({
          db,
          config,
          now: row.received,
          parsed,
          from,
          space,
          loadProposal: (id) => cached(proposals, id, () => loadProposal(db, id)),
          membership,
        });
        if (isVote) {
          votes.push({ prepared, row, mci });
          return null;
        }
        // No savepoint: a refusal ends the replay, and the whole replay is rolled back anyway.
        const refused = await module.apply(db, [{ prepared, row, mci }]);
        const [error] = refused.values();
        if (error) throw error;
        spaces.clear();
        proposals.clear();
        return null;
      } catch (error) {
        if (!(error instanceof ClientError)) {
          // A batch that failed aborts the transaction, and with it the later statements: report its error.
          await settle();
          throw error;
        }
        // A vote queued or being applied before this message may be refused too, and it comes first.
        const earlier = await flushVotes(true);
        return earlier ?? { mci, check: 'replay', detail: `replaying the log refuses this message: ${error.message}` };
      }
    },
    finish: () => flushVotes(true),
    queued: () => votes.length + (applying?.size ?? 0),
  };
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = load();
    cache.set(key, value);
  }
  return value;
}
