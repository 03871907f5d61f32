/** Queues the Safe transaction of a decided proposal, once per decision, at the next unused nonce of its Safe. */
import { and, eq, gte, inArray, max, sql } from 'drizzle-orm';
import { decisions } from '../schema/decision-tables.ts';
import { relayDecisions, relayPayloads, safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { appendTrail } from './append-trail.ts';
import { buildSafeTransaction } from './build-safe-transaction.ts';
import { readSafeState } from './read-safe-state.ts';
import type { RelayChains } from './relay-chain.ts';

/** States in which a transaction still holds its nonce. */
export const OPEN_STATUSES = ['queued', 'confirming', 'ready', 'submitted'];

export type Decision = typeof decisions.$inferSelect;
export type RelayPayload = typeof relayPayloads.$inferSelect;

export type QueueDecisionParameters = {
  db: Db;
  chains: RelayChains;
  decision: Decision;
  payload: RelayPayload;
  /** Base of the proposal link written into the transaction's `origin`. */
  publicUrl: string;
};

export type QueueDecisionReturnType =
  | { result: 'queued'; safeTxHash: string; nonce: number }
  | { result: 'skipped'; note: string }
  | { result: 'already' };

/** The batch a decision runs: choice 1 of a passed basic vote, else the winning choice of a passed vote. */
export function decidedBatch(decision: Decision, payload: RelayPayload): { choice: string; calls: RelayPayload['batches'][string] } | null {
  if (decision.outcome !== 'passed') return null;
  const choice = decision.type === 'basic' ? '1' : decision.winningChoice === null ? null : String(decision.winningChoice);
  if (choice === null) return null;
  const calls = payload.batches[choice];
  return calls ? { choice, calls } : null;
}

/** Queues (or records why nothing is queued); idempotent: a decision already handled returns `already`. */
export async function queueDecision({ db, chains, decision, payload, publicUrl }: QueueDecisionParameters): Promise<QueueDecisionReturnType> {
  const [handled] = await db.select({ decision: relayDecisions.decision }).from(relayDecisions).where(eq(relayDecisions.decision, decision.id));
  if (handled) return { result: 'already' };
  const batch = decidedBatch(decision, payload);
  if (!batch) {
    const note =
      decision.outcome === 'passed' ? `no batch for the winning choice ${decision.winningChoice ?? '(tie)'}` : `outcome ${decision.outcome}: nothing to execute`;
    const done = await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(relayDecisions)
        .values({ decision: decision.id, proposal: decision.proposal, result: 'skipped', safeTxHash: null, note, handledAt: Date.now() })
        .onConflictDoNothing()
        .returning({ decision: relayDecisions.decision });
      if (inserted.length === 0) return false;
      await appendTrail(tx, { decision: decision.id, safeTxHash: null, step: 'not-queued', detail: { outcome: decision.outcome, reason: note } });
      return true;
    });
    return done ? { result: 'skipped', note } : { result: 'already' };
  }

  const chain = await chains(payload.network);
  const kit = await chain.kit(payload.safe);
  const [state, block] = await Promise.all([readSafeState({ client: chain.client, safe: payload.safe }), chain.client.getBlockNumber()]);
  const origin = JSON.stringify({ url: `${publicUrl}/api/proposals/${decision.proposal}/outcome`, name: 'conclave' });
  return db.transaction(async (tx) => {
    // One queuer per Safe at a time, so two decisions never take the same nonce.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`relay:${payload.network}:${payload.safe}`}))`);
    const [again] = await tx.select({ decision: relayDecisions.decision }).from(relayDecisions).where(eq(relayDecisions.decision, decision.id));
    if (again) return { result: 'already' } as const;
    const [{ highest }] = await tx
      .select({ highest: max(safeTransactions.nonce) })
      .from(safeTransactions)
      .where(
        and(
          eq(safeTransactions.network, payload.network),
          eq(safeTransactions.safe, payload.safe),
          inArray(safeTransactions.status, OPEN_STATUSES),
          gte(safeTransactions.nonce, state.nonce),
        ),
      );
    const nonce = highest === null ? state.nonce : Math.max(state.nonce, Number(highest) + 1);
    const { transaction, safeTxHash } = await buildSafeTransaction({ kit, calls: batch.calls, nonce });
    const data = transaction.data;
    const now = Date.now();
    await tx.insert(safeTransactions).values({
      safeTxHash,
      network: payload.network,
      chainId: chain.chainId,
      safe: payload.safe,
      to: data.to,
      value: String(data.value),
      data: data.data,
      operation: Number(data.operation),
      safeTxGas: String(data.safeTxGas),
      baseGas: String(data.baseGas),
      gasPrice: String(data.gasPrice),
      gasToken: data.gasToken,
      refundReceiver: data.refundReceiver,
      nonce,
      decision: decision.id,
      proposal: decision.proposal,
      space: decision.space,
      resultsHash: decision.resultsHash,
      calls: batch.calls,
      origin,
      proposer: 'conclave',
      owners: state.owners,
      threshold: state.threshold,
      status: 'queued',
      queuedBlock: Number(block),
      createdAt: now,
      modifiedAt: now,
    });
    await tx.insert(relayDecisions).values({ decision: decision.id, proposal: decision.proposal, result: 'queued', safeTxHash, note: `choice ${batch.choice}`, handledAt: now });
    await appendTrail(tx, {
      decision: decision.id,
      safeTxHash,
      step: 'queued',
      detail: {
        proposal: decision.proposal,
        outcome: decision.outcome,
        choice: Number(batch.choice),
        resultsHash: decision.resultsHash,
        decisionSignature: decision.signature,
        network: payload.network,
        safe: payload.safe,
        nonce,
        calls: batch.calls,
        owners: state.owners,
        threshold: state.threshold,
      },
    });
    return { result: 'queued', safeTxHash, nonce } as const;
  });
}
