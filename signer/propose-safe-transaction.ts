/** `proposeTransaction` of the Transaction Service API: an owner proposes a Safe transaction with their signature. */
import { getAddress, hashTypedData, isAddress, type Hex } from 'viem';
import { safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { ClientError } from '../server/errors.ts';
import { appendTrail } from './append-trail.ts';
import { storeConfirmations, type Relay } from './create-relay.ts';
import { readSafeState } from './read-safe-state.ts';
import { loadSafeTransaction } from './safe-transaction-response.ts';
import { verifySafeSignatures } from './verify-safe-signatures.ts';
import { SAFE_TX_TYPES } from './safe-contracts.ts';

export type ProposalBody = {
  to: string;
  value: string | number;
  data?: string | null;
  operation: number;
  safeTxGas: string | number;
  baseGas: string | number;
  gasPrice: string | number;
  gasToken?: string | null;
  refundReceiver?: string | null;
  nonce: string | number;
  contractTransactionHash: string;
  sender: string;
  signature?: string | null;
  origin?: string | null;
};

const ZERO = '0x0000000000000000000000000000000000000000';

export type ProposeSafeTransactionParameters = { db: Db; relay: Relay; network: string; safe: string; body: ProposalBody };

/**
 * Mirrors the service's checks: the hash recomputed from the fields (Safe ≥ 1.3 domain) must match, the
 * nonce must not be executed, the sender must be an owner and among the valid owner signatures. A known
 * safeTxHash gets the signatures as confirmations (get-or-create).
 */
export async function proposeSafeTransaction({ db, relay, network, safe: rawSafe, body }: ProposeSafeTransactionParameters): Promise<void> {
  if (!isAddress(rawSafe, { strict: false })) throw new ClientError('invalid Safe address', 422);
  const safe = getAddress(rawSafe);
  const chain = await relay.chains(network);
  const fields = {
    to: addr(body.to, 'to'),
    value: whole(body.value, 'value'),
    data: (body.data || '0x') as Hex,
    operation: Number(body.operation),
    safeTxGas: whole(body.safeTxGas, 'safeTxGas'),
    baseGas: whole(body.baseGas, 'baseGas'),
    gasPrice: whole(body.gasPrice, 'gasPrice'),
    gasToken: addr(body.gasToken || ZERO, 'gasToken'),
    refundReceiver: addr(body.refundReceiver || ZERO, 'refundReceiver'),
    nonce: whole(body.nonce, 'nonce'),
  };
  if (fields.operation !== 0 && fields.operation !== 1) throw new ClientError('operation must be 0 or 1', 422);
  const safeTxHash = hashTypedData({ domain: { chainId: chain.chainId, verifyingContract: safe as Hex }, types: SAFE_TX_TYPES, primaryType: 'SafeTx', message: fields });
  if (safeTxHash.toLowerCase() !== String(body.contractTransactionHash).toLowerCase()) {
    throw new ClientError(`contractTransactionHash ${body.contractTransactionHash} does not match the computed ${safeTxHash}`, 422);
  }
  const state = await readSafeState({ client: chain.client, safe }).catch(() => null);
  if (!state) throw new ClientError(`no Safe at ${safe} on network ${network}`, 422);
  if (fields.nonce < BigInt(state.nonce)) throw new ClientError(`nonce ${fields.nonce} was already executed`, 422);
  const sender = addr(body.sender, 'sender');
  if (!state.owners.some((owner) => owner.toLowerCase() === sender.toLowerCase())) throw new ClientError(`sender ${sender} is not an owner`, 422);
  if (!body.signature) throw new ClientError('a signature of the sender is required', 422);
  const verified = await verifySafeSignatures({ client: chain.client, safe, safeTxHash, signatures: body.signature, owners: state.owners });
  if (!verified.some((v) => v.owner.toLowerCase() === sender.toLowerCase())) throw new ClientError('sender is not among the signers', 422);

  let row = await loadSafeTransaction(db, safeTxHash);
  if (!row) {
    const now = Date.now();
    const block = await chain.client.getBlockNumber();
    const inserted = await db
      .insert(safeTransactions)
      .values({
        safeTxHash,
        network,
        chainId: chain.chainId,
        safe,
        to: fields.to,
        value: fields.value.toString(),
        data: fields.data.toLowerCase(),
        operation: fields.operation,
        safeTxGas: fields.safeTxGas.toString(),
        baseGas: fields.baseGas.toString(),
        gasPrice: fields.gasPrice.toString(),
        gasToken: fields.gasToken,
        refundReceiver: fields.refundReceiver,
        nonce: Number(fields.nonce),
        calls: [{ to: fields.to, value: fields.value.toString(), data: fields.data.toLowerCase(), operation: fields.operation as 0 | 1 }],
        origin: String(body.origin ?? '').slice(0, 200),
        proposer: sender,
        owners: state.owners,
        threshold: state.threshold,
        status: 'queued',
        queuedBlock: Number(block),
        createdAt: now,
        modifiedAt: now,
      })
      .onConflictDoNothing()
      .returning({ safeTxHash: safeTransactions.safeTxHash });
    if (inserted.length > 0) await appendTrail(db, { decision: null, safeTxHash, step: 'proposed', detail: { proposer: sender, nonce: Number(fields.nonce) } });
    row = await loadSafeTransaction(db, safeTxHash);
  }
  if (!row) throw new ClientError('Safe transaction not stored', 500);
  if (['executed', 'failed', 'replaced', 'submitted'].includes(row.status)) throw new ClientError(`Safe transaction is ${row.status}`, 422);
  const added = await storeConfirmations(db, row.decision, safeTxHash, verified);
  if (added.length > 0) await relay.advance(safeTxHash);
}

function addr(value: unknown, name: string): Hex {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new ClientError(`${name} must be an address`, 422);
  return getAddress(value);
}

function whole(value: unknown, name: string): bigint {
  const text = String(value);
  if (!/^\d{1,78}$/.test(text)) throw new ClientError(`${name} must be a whole number`, 422);
  return BigInt(text);
}
