/**
 * The relay's state machine for one Safe transaction: queued → confirming → ready → submitted →
 * executed | failed | replaced. Each call reads the chain, moves the transaction as far as it can, and
 * records every step in the trail. Transitions are conditional updates on the stored status, so two
 * callers (or instances) never both take the same step, and a transaction is sent at most once: its
 * signed bytes and hash are stored as `submitted` before they are broadcast, and a restart re-broadcasts
 * those same bytes instead of signing again.
 */
import { and, eq } from 'drizzle-orm';
import { decodeAbiParameters, getAddress, keccak256, parseEventLogs, type Hex, type LocalAccount, type Log, type PublicClient } from 'viem';
import { safeConfirmations, safeTransactions } from '../schema/relay-tables.ts';
import { spaces } from '../schema/tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { appendTrail } from './append-trail.ts';
import { readSafeState, type SafeState } from './read-safe-state.ts';
import { EthSafeSignature, EthSafeTransaction, type RelayChain, type RelayChains } from './relay-chain.ts';
import { relaySettings } from './relay-settings.ts';
import { SAFE_ABI } from './safe-contracts.ts';

export type SafeTransactionRow = typeof safeTransactions.$inferSelect;
export const TERMINAL_STATUSES = ['executed', 'failed', 'replaced'];

export type AdvanceSafeTransactionParameters = {
  db: Db;
  chains: RelayChains;
  safeTxHash: string;
  /** The executor account (RELAY_EXECUTOR_KEY); without it the relay never executes. */
  executor: LocalAccount | undefined;
  /** Broadcasts signed transaction bytes; a test may replace it to stop "the process" before sending. */
  sendRawTransaction?: (client: PublicClient, raw: Hex) => Promise<unknown>;
};

/** Moves the transaction along; returns its status afterwards (undefined when unknown). */
export async function advanceSafeTransaction(parameters: AdvanceSafeTransactionParameters): Promise<string | undefined> {
  const { db, chains, safeTxHash } = parameters;
  const [row] = await db.select().from(safeTransactions).where(eq(safeTransactions.safeTxHash, safeTxHash));
  if (!row || TERMINAL_STATUSES.includes(row.status)) return row?.status;
  const chain = await chains(row.network);
  const state = await readSafeState({ client: chain.client, safe: row.safe });
  const step = new Steps(db, row);
  if (row.status === 'submitted') return reconcileSubmitted(parameters, chain, row, state, step);
  if (state.nonce > row.nonce) return settleUsedNonce(chain, row, step);

  if (!sameOwners(row.owners, state.owners) || row.threshold !== state.threshold) {
    await db
      .update(safeTransactions)
      .set({ owners: state.owners, threshold: state.threshold, modifiedAt: Date.now() })
      .where(eq(safeTransactions.safeTxHash, safeTxHash));
    await step.trail('owners-changed', { ownersBefore: row.owners, ownersAfter: state.owners, thresholdBefore: row.threshold, thresholdAfter: state.threshold });
  }
  const owners = new Set(state.owners.map((owner) => owner.toLowerCase()));
  const confirmations = (await db.select().from(safeConfirmations).where(eq(safeConfirmations.safeTxHash, safeTxHash))).filter((c) =>
    owners.has(c.owner.toLowerCase()),
  );
  const target = confirmations.length >= state.threshold ? 'ready' : confirmations.length > 0 ? 'confirming' : 'queued';
  let status = row.status;
  if (target !== status) {
    const moved = await step.move(status, target, {}, 'status', {
      from: status,
      to: target,
      confirmations: confirmations.map((c) => c.owner),
      threshold: state.threshold,
    });
    if (!moved) return (await current(db, safeTxHash)) ?? status;
    status = target;
  }
  if (status !== 'ready' || !row.decision || !parameters.executor || state.nonce !== row.nonce) return status;
  const [space] = row.space ? await db.select({ settings: spaces.settings }).from(spaces).where(eq(spaces.id, row.space)) : [];
  if (!relaySettings(space?.settings as { plugins?: unknown }).autoExecute) return status;
  return submit(parameters, chain, { ...row, status }, confirmations, step);
}

/** Pre-flight, sign, persist as submitted, then broadcast. */
async function submit(
  parameters: AdvanceSafeTransactionParameters,
  chain: RelayChain,
  row: SafeTransactionRow,
  confirmations: { owner: string; signature: string }[],
  step: Steps,
): Promise<string> {
  const executor = parameters.executor as LocalAccount;
  const kit = await chain.kit(row.safe);
  const transaction = new EthSafeTransaction({
    to: row.to,
    value: row.value,
    data: row.data,
    operation: row.operation,
    safeTxGas: row.safeTxGas,
    baseGas: row.baseGas,
    gasPrice: row.gasPrice,
    gasToken: row.gasToken,
    refundReceiver: row.refundReceiver,
    nonce: row.nonce,
  });
  for (const confirmation of confirmations) transaction.addSignature(new EthSafeSignature(confirmation.owner, confirmation.signature));
  const valid = await kit.isValidTransaction(transaction, { from: executor.address }).catch(() => false);
  if (!valid) {
    await step.move('ready', 'failed', { statusReason: 'pre-flight: execTransaction would revert' }, 'preflight-failed', {
      reason: 'execTransaction would revert (eth_call simulation)',
    });
    return (await current(parameters.db, row.safeTxHash)) ?? 'failed';
  }
  const data = (await kit.getEncodedTransaction(transaction)) as Hex;
  const request = await chain.client.prepareTransactionRequest({ account: executor, to: row.safe as Hex, data, chain: null });
  const raw = await executor.signTransaction(request as Parameters<LocalAccount['signTransaction']>[0]);
  const hash = keccak256(raw);
  const moved = await step.move(
    'ready',
    'submitted',
    { executionTxHash: hash, executionRawTx: raw, executor: executor.address, submittedAt: Date.now() },
    'submitted',
    { transactionHash: hash, executor: executor.address, nonce: row.nonce, confirmations: confirmations.map((c) => c.owner) },
  );
  if (!moved) return (await current(parameters.db, row.safeTxHash)) ?? row.status;
  await broadcast(parameters, chain, raw, step);
  return 'submitted';
}

async function broadcast(parameters: AdvanceSafeTransactionParameters, chain: RelayChain, raw: Hex, step: Steps): Promise<boolean> {
  const send = parameters.sendRawTransaction ?? ((client: PublicClient, serializedTransaction: Hex) => client.sendRawTransaction({ serializedTransaction }));
  try {
    await send(chain.client, raw);
    return true;
  } catch (error) {
    await step.trail('send-error', { message: (error as { shortMessage?: string }).shortMessage ?? (error as Error).message });
    return false;
  }
}

/** A submitted transaction: its receipt decides; without one, the same bytes are broadcast again. */
async function reconcileSubmitted(
  parameters: AdvanceSafeTransactionParameters,
  chain: RelayChain,
  row: SafeTransactionRow,
  state: SafeState,
  step: Steps,
): Promise<string> {
  const hash = row.executionTxHash as Hex;
  const receipt = await chain.client.getTransactionReceipt({ hash }).catch(() => null);
  if (receipt) {
    const events = parseEventLogs({ abi: SAFE_ABI, logs: receipt.logs }).filter(
      (log) => log.address.toLowerCase() === row.safe.toLowerCase() && 'txHash' in log.args && log.args.txHash === row.safeTxHash,
    );
    const fields = { blockNumber: Number(receipt.blockNumber), gasUsed: String(receipt.gasUsed) };
    await step.trail('receipt', { transactionHash: hash, status: receipt.status, blockNumber: Number(receipt.blockNumber), gasUsed: String(receipt.gasUsed) });
    if (receipt.status === 'success' && events.some((log) => log.eventName === 'ExecutionSuccess')) {
      const moved = await step.move('submitted', 'executed', { ...fields, executedAt: Date.now() }, 'executed', { transactionHash: hash, by: getAddress(receipt.from) });
      if (moved) await checkEffects(row, step, hash, receipt.logs);
      return 'executed';
    }
    if (events.some((log) => log.eventName === 'ExecutionFailure')) {
      await step.move('submitted', 'failed', { ...fields, statusReason: 'the Safe transaction failed (ExecutionFailure)' }, 'failed', { transactionHash: hash });
      return 'failed';
    }
    if (state.nonce > row.nonce) return settleUsedNonce(chain, row, step);
    await step.move('submitted', 'failed', { ...fields, statusReason: 'execTransaction reverted' }, 'failed', { transactionHash: hash });
    return 'failed';
  }
  if (state.nonce > row.nonce) return settleUsedNonce(chain, row, step);
  const known = await chain.client.getTransaction({ hash }).catch(() => null);
  if (!known && row.executionRawTx) {
    // Stored as submitted but never seen by the node (stopped before or while sending): the same bytes again.
    if (await broadcast(parameters, chain, row.executionRawTx as Hex, step)) {
      await step.trail('resent', { transactionHash: hash });
    } else {
      // The executor's account nonce moved on: these bytes can never be mined; the next pass signs anew.
      const moved = await step.move('submitted', 'ready', { executionTxHash: null, executionRawTx: null, submittedAt: null }, 'submission-dropped', {
        transactionHash: hash,
      });
      if (moved) return (await advanceSafeTransaction(parameters)) ?? 'ready';
    }
  }
  return 'submitted';
}

/** The Safe's nonce passed ours: executed (ExecutionSuccess for our safeTxHash) or replaced by another transaction. */
async function settleUsedNonce(chain: RelayChain, row: SafeTransactionRow, step: Steps): Promise<string> {
  const logs = await chain.client.getLogs({
    address: row.safe as Hex,
    event: SAFE_ABI.find((item) => item.type === 'event' && item.name === 'ExecutionSuccess') as Extract<(typeof SAFE_ABI)[number], { name: 'ExecutionSuccess' }>,
    args: { txHash: row.safeTxHash as Hex },
    fromBlock: BigInt(row.queuedBlock),
  });
  const status = row.status;
  if (logs.length > 0) {
    const log = logs[0];
    const receipt = await chain.client.getTransactionReceipt({ hash: log.transactionHash });
    const moved = await step.move(
      status,
      'executed',
      { executionTxHash: log.transactionHash, blockNumber: Number(receipt.blockNumber), gasUsed: String(receipt.gasUsed), executedAt: Date.now() },
      'executed',
      { transactionHash: log.transactionHash, by: getAddress(receipt.from), executedElsewhere: true },
    );
    if (moved) await checkEffects(row, step, log.transactionHash, receipt.logs);
    return 'executed';
  }
  await step.move(status, 'replaced', { statusReason: `nonce ${row.nonce} was used by another transaction` }, 'replaced', { nonce: row.nonce });
  return 'replaced';
}

/**
 * What happened is what was decided: the mined execution emitted ExecutionSuccess for our safeTxHash,
 * and (SafeL2) its SafeMultiSigTransaction event carries the queued to, value, data, operation and nonce.
 */
async function checkEffects(row: SafeTransactionRow, step: Steps, hash: string, logs: Log[]): Promise<void> {
  const events = parseEventLogs({ abi: SAFE_ABI, logs }).filter((log) => log.address.toLowerCase() === row.safe.toLowerCase());
  const success = events.some((log) => log.eventName === 'ExecutionSuccess' && log.args.txHash === row.safeTxHash);
  const executed = events.find((log) => log.eventName === 'SafeMultiSigTransaction');
  const detail: Record<string, unknown> = { transactionHash: hash, safeTxHash: row.safeTxHash, executionSuccess: success, resultsHash: row.resultsHash };
  let matches = success;
  if (executed && executed.eventName === 'SafeMultiSigTransaction') {
    const { to, value, data, operation, additionalInfo } = executed.args;
    const [nonce] = decodeAbiParameters([{ type: 'uint256' }, { type: 'address' }, { type: 'uint256' }], additionalInfo);
    const same =
      to.toLowerCase() === row.to.toLowerCase() && value === BigInt(row.value) && data.toLowerCase() === row.data.toLowerCase() && operation === row.operation && nonce === BigInt(row.nonce);
    detail.executedCall = { to, value: String(value), operation, nonce: Number(nonce), dataHash: keccak256(data) };
    detail.sameAsQueued = same;
    matches = matches && same;
  }
  await step.trail(matches ? 'effects-checked' : 'effects-mismatch', detail);
}

class Steps {
  readonly db: Db;
  readonly row: SafeTransactionRow;
  constructor(db: Db, row: SafeTransactionRow) {
    this.db = db;
    this.row = row;
  }
  trail(step: string, detail: Record<string, unknown>): Promise<void> {
    return appendTrail(this.db, { decision: this.row.decision, safeTxHash: this.row.safeTxHash, step, detail });
  }
  /** Conditional transition: only from `from`; the trail entry is written in the same transaction. */
  async move(from: string, to: string, fields: Partial<SafeTransactionRow>, step: string, detail: Record<string, unknown>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const updated = await tx
        .update(safeTransactions)
        .set({ ...fields, status: to, modifiedAt: Date.now() })
        .where(and(eq(safeTransactions.safeTxHash, this.row.safeTxHash), eq(safeTransactions.status, from)))
        .returning({ safeTxHash: safeTransactions.safeTxHash });
      if (updated.length === 0) return false;
      await appendTrail(tx, { decision: this.row.decision, safeTxHash: this.row.safeTxHash, step, detail });
      return true;
    });
  }
}

async function current(db: Db, safeTxHash: string): Promise<string | undefined> {
  const [row] = await db.select({ status: safeTransactions.status }).from(safeTransactions).where(eq(safeTransactions.safeTxHash, safeTxHash));
  return row?.status;
}

function sameOwners(a: readonly string[], b: readonly string[]): boolean {
  const left = a.map((x) => x.toLowerCase()).sort();
  const right = b.map((x) => x.toLowerCase()).sort();
  return left.length === right.length && left.every((x, i) => x === right[i]);
}
