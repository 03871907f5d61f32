/** Stores (or, when a proposal update drops it, removes) a proposal's checked Safe payload, in the proposal's own write. */
import { eq } from 'drizzle-orm';
import { relayPayloads } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import type { CheckedSafePayload } from './check-proposal-payload.ts';

export type RecordProposalPayloadParameters = {
  proposal: string;
  space: string;
  payload: CheckedSafePayload | null;
  /** Seconds. */
  now: number;
};

/** Upserts the payload row of `proposal`, or deletes it when `payload` is null. */
export async function recordProposalPayload(tx: Db, { proposal, space, payload, now }: RecordProposalPayloadParameters): Promise<void> {
  if (!payload) {
    await tx.delete(relayPayloads).where(eq(relayPayloads.proposal, proposal));
    return;
  }
  const row = {
    proposal,
    space,
    source: payload.source,
    network: payload.network,
    safe: payload.safe,
    batches: payload.batches,
    warnings: payload.warnings,
    createdAt: now,
  };
  await tx.insert(relayPayloads).values(row).onConflictDoUpdate({ target: relayPayloads.proposal, set: row });
}
