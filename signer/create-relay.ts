/** The relay: queues decided batches, takes confirmations, and advances each Safe transaction, one step at a time per process. */
import { eq, isNull, notInArray } from 'drizzle-orm';
import { privateKeyToAccount } from 'viem/accounts';
import type { Hex, LocalAccount, PublicClient } from 'viem';
import { decisions } from '../schema/decision-tables.ts';
import { relayDecisions, relayPayloads, safeConfirmations, safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { ClientError } from '../server/errors.ts';
import { advanceSafeTransaction, TERMINAL_STATUSES } from './advance-safe-transaction.ts';
import { appendTrail } from './append-trail.ts';
import { queueDecision } from './queue-decision.ts';
import { readSafeState } from './read-safe-state.ts';
import { createRelayChains, type RelayChains } from './relay-chain.ts';
import { verifySafeSignatures, type VerifiedSignature } from './verify-safe-signatures.ts';

export type CreateRelayParameters = {
  db: Db;
  rpcUrls: Record<string, string>;
  /** Hex private key of the executor; a secret, never logged. */
  executorKey?: string | undefined;
  publicUrl: string;
  log?: { error(object: object, message: string): void; warn(object: object, message: string): void };
  /** Told of each transaction's status after every step (live subscriptions and webhooks). */
  onStatus?: (safeTxHash: string, status: string | undefined) => void;
  /** Broadcast override (tests stop "the process" between persisting and sending). */
  sendRawTransaction?: (client: PublicClient, raw: Hex) => Promise<unknown>;
};

export type Relay = {
  chains: RelayChains;
  /** Address of the executor key, if configured. */
  executor: string | undefined;
  /** Queues new decisions and advances every open transaction; returns how many decisions were handled. */
  sweep(): Promise<number>;
  /** Queues new decisions only (the frequent, database-only half of the sweep). */
  queuePending(): Promise<number>;
  /** Advances one transaction now (after a confirmation). */
  advance(safeTxHash: string): Promise<string | undefined>;
  /** Verifies and stores owner confirmations; duplicates are ignored. Returns the new ones. */
  confirm(safeTxHash: string, signatures: string): Promise<VerifiedSignature[]>;
  /** Waits for the work in flight. */
  idle(): Promise<void>;
};

/** Creates the relay over a database and the configured chains. */
export function createRelay({ db, rpcUrls, executorKey, publicUrl, log, sendRawTransaction, onStatus }: CreateRelayParameters): Relay {
  const chains = createRelayChains(rpcUrls);
  const executor: LocalAccount | undefined = executorKey ? privateKeyToAccount(executorKey as Hex) : undefined;
  // One step at a time in this process: no two executions race for the executor's account nonce.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  }

  const advance = async (safeTxHash: string) => {
    const status = await serial(() => advanceSafeTransaction({ db, chains, safeTxHash, executor, sendRawTransaction }));
    onStatus?.(safeTxHash, status);
    return status;
  };

  async function queuePending(): Promise<number> {
    const due = await db
      .select({ decision: decisions, payload: relayPayloads })
      .from(decisions)
      .innerJoin(relayPayloads, eq(relayPayloads.proposal, decisions.proposal))
      .leftJoin(relayDecisions, eq(relayDecisions.decision, decisions.id))
      .where(isNull(relayDecisions.decision))
      .limit(100);
    let handled = 0;
    for (const { decision, payload } of due) {
      try {
        const result = await serial(() => queueDecision({ db, chains, decision, payload, publicUrl }));
        if (result.result !== 'already') handled++;
        if (result.result === 'queued') await advance(result.safeTxHash);
      } catch (error) {
        log?.error({ err: error, decision: decision.id }, 'could not queue the decision yet; will retry');
      }
    }
    return handled;
  }

  async function sweep(): Promise<number> {
    const handled = await queuePending();
    const open = await db
      .select({ safeTxHash: safeTransactions.safeTxHash })
      .from(safeTransactions)
      .where(notInArray(safeTransactions.status, TERMINAL_STATUSES))
      .limit(500);
    for (const { safeTxHash } of open) {
      try {
        await advance(safeTxHash);
      } catch (error) {
        log?.error({ err: error, safeTxHash }, 'could not advance the Safe transaction; will retry');
      }
    }
    return handled;
  }

  async function confirm(safeTxHash: string, signatures: string): Promise<VerifiedSignature[]> {
    const [row] = await db.select().from(safeTransactions).where(eq(safeTransactions.safeTxHash, safeTxHash));
    if (!row) throw new ClientError('Safe transaction not found', 404);
    if (TERMINAL_STATUSES.includes(row.status) || row.status === 'submitted') {
      throw new ClientError(`Safe transaction is ${row.status}: no more confirmations`, 422);
    }
    const chain = await chains(row.network);
    const { owners } = await readSafeState({ client: chain.client, safe: row.safe });
    const verified = await verifySafeSignatures({ client: chain.client, safe: row.safe, safeTxHash, signatures, owners });
    const added = await storeConfirmations(db, row.decision, safeTxHash, verified);
    if (added.length > 0) await advance(safeTxHash).catch((error) => log?.error({ err: error, safeTxHash }, 'could not advance after a confirmation'));
    return added;
  }

  return { chains, executor: executor?.address, sweep, queuePending, advance, confirm, idle: () => serial(async () => undefined) };
}

/** Inserts verified confirmations (get-or-create per owner) and writes a trail entry for each new one. */
export async function storeConfirmations(db: Db, decision: string | null, safeTxHash: string, verified: VerifiedSignature[]): Promise<VerifiedSignature[]> {
  if (verified.length === 0) return [];
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(safeConfirmations)
      .values(verified.map((v) => ({ safeTxHash, owner: v.owner, signature: v.signature, signatureType: v.signatureType, createdAt: Date.now() })))
      .onConflictDoNothing()
      .returning({ owner: safeConfirmations.owner });
    const added = verified.filter((v) => inserted.some((row) => row.owner === v.owner));
    for (const confirmation of added) {
      await appendTrail(tx, { decision, safeTxHash, step: 'confirmation', detail: { owner: confirmation.owner, signatureType: confirmation.signatureType } });
    }
    return added;
  });
}

