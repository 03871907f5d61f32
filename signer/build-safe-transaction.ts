/** Builds the Safe transaction of a batch with protocol-kit at an explicit nonce, and its safeTxHash. */
import type { SafeCall } from '../schema/relay-tables.ts';
import type { SafeKit } from './relay-chain.ts';

export type BuildSafeTransactionParameters = { kit: SafeKit; calls: readonly SafeCall[]; nonce: number };

export type BuiltSafeTransaction = {
  transaction: Awaited<ReturnType<SafeKit['createTransaction']>>;
  safeTxHash: string;
};

/**
 * One call stays as it is; several become a delegatecall to MultiSendCallOnly, or to MultiSend when a
 * call is itself a delegatecall (only where the space allows delegatecalls).
 */
export async function buildSafeTransaction({ kit, calls, nonce }: BuildSafeTransactionParameters): Promise<BuiltSafeTransaction> {
  const transaction = await kit.createTransaction({
    transactions: calls.map((call) => ({ to: call.to, value: call.value, data: call.data, operation: call.operation })),
    onlyCalls: calls.every((call) => call.operation === 0),
    options: { nonce },
  });
  return { transaction, safeTxHash: await kit.getTransactionHash(transaction) };
}
