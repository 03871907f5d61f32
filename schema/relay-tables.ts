/** The signer relay: proposal payloads, queued Safe transactions, owner confirmations and the audit trail. */
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** One call of a Safe batch, as proposals carry it (oSnap / SafeSnap shape). */
export type SafeCall = { to: string; value: string; data: string; operation: 0 | 1 };

/** What a proposal asks its Safe to do, validated when the proposal was accepted. */
export const relayPayloads = pgTable('relay_payloads', {
  proposal: text('proposal').primaryKey(),
  space: text('space').notNull(),
  /** 'safe' (conclave, one batch per choice) or 'oSnap' (read-only variant: one batch, run on pass). */
  source: text('source').notNull(),
  network: text('network').notNull(),
  safe: text('safe').notNull(),
  /** Choice number (1-based, as a string) → batch. */
  batches: jsonb('batches').$type<Record<string, SafeCall[]>>().notNull(),
  /** Dry-run findings (e.g. "batch for choice 1 would revert: …"); they never refuse the proposal. */
  warnings: jsonb('warnings').$type<string[]>().notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

/** Each decision the relay has handled, once: queued a transaction, or nothing to queue and why. */
export const relayDecisions = pgTable('relay_decisions', {
  decision: text('decision').primaryKey(),
  proposal: text('proposal').notNull(),
  /** 'queued' | 'skipped' | 'error'. */
  result: text('result').notNull(),
  safeTxHash: text('safe_tx_hash'),
  note: text('note').notNull(),
  handledAt: bigint('handled_at', { mode: 'number' }).notNull(),
});

/**
 * Safe multisig transactions the relay knows: those it queued for decisions, and those proposed to its
 * Transaction Service API. Status: queued → confirming → ready → submitted → executed | failed | replaced.
 */
export const safeTransactions = pgTable(
  'safe_transactions',
  {
    safeTxHash: text('safe_tx_hash').primaryKey(),
    network: text('network').notNull(),
    chainId: integer('chain_id').notNull(),
    safe: text('safe').notNull(),
    to: text('to').notNull(),
    value: text('value').notNull(),
    data: text('data').notNull(),
    operation: integer('operation').notNull(),
    safeTxGas: text('safe_tx_gas').notNull(),
    baseGas: text('base_gas').notNull(),
    gasPrice: text('gas_price').notNull(),
    gasToken: text('gas_token').notNull(),
    refundReceiver: text('refund_receiver').notNull(),
    nonce: bigint('nonce', { mode: 'number' }).notNull(),
    /** The decision this transaction carries out; null for transactions proposed through the API. */
    decision: text('decision'),
    proposal: text('proposal'),
    space: text('space'),
    /** The decision's resultsHash: what the vote decided, as signed by the service key. */
    resultsHash: text('results_hash'),
    /** The calls of the batch before encoding. */
    calls: jsonb('calls').$type<SafeCall[]>().notNull(),
    origin: text('origin').notNull(),
    proposer: text('proposer').notNull(),
    /** Owners and threshold read from chain when queued. */
    owners: jsonb('owners').$type<string[]>().notNull(),
    threshold: integer('threshold').notNull(),
    status: text('status').notNull(),
    statusReason: text('status_reason'),
    /** The execTransaction transaction: hash, signed bytes (so a restart resends, never re-signs), sender. */
    executionTxHash: text('execution_tx_hash'),
    executionRawTx: text('execution_raw_tx'),
    executor: text('executor'),
    blockNumber: bigint('block_number', { mode: 'number' }),
    gasUsed: text('gas_used'),
    /** Block of the chain when queued: logs are searched from there. */
    queuedBlock: bigint('queued_block', { mode: 'number' }).notNull(),
    submittedAt: bigint('submitted_at', { mode: 'number' }),
    executedAt: bigint('executed_at', { mode: 'number' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    modifiedAt: bigint('modified_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('safe_transactions_decision').on(t.decision),
    index('safe_transactions_safe_nonce').on(t.network, t.safe, t.nonce),
    index('safe_transactions_status').on(t.status),
  ],
);

/** One owner's confirmation of a Safe transaction, verified when received. */
export const safeConfirmations = pgTable(
  'safe_confirmations',
  {
    safeTxHash: text('safe_tx_hash').notNull(),
    owner: text('owner').notNull(),
    signature: text('signature').notNull(),
    /** 'EOA' (EIP-712), 'ETH_SIGN', 'APPROVED_HASH'. */
    signatureType: text('signature_type').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.safeTxHash, t.owner] })],
);

/** The audit trail: every step the relay took, linked to the decision (and the Safe transaction). */
export const relayTrail = pgTable(
  'relay_trail',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    decision: text('decision'),
    safeTxHash: text('safe_tx_hash'),
    step: text('step').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [index('relay_trail_decision').on(t.decision, t.id), index('relay_trail_safe_tx').on(t.safeTxHash, t.id)],
);
