/** Many read-only contract calls at one block: Multicall3 in chunks, or batched eth_calls where it is absent. */
import { decodeAggregate3, encodeAggregate3, toBlockTag, type Call3Result } from './abi.ts';
import { RpcError } from './errors.ts';
import type { RpcClient } from './rpc-client.ts';

/** Multicall3's address on nearly every EVM chain (deterministic deployment). */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11';

export type ContractRead = { target: string; callData: string };

export type ReadContractsParameters = {
  rpc: RpcClient;
  calls: readonly ContractRead[];
  block: number | 'latest';
  /** Calls per aggregate3 eth_call; default 500. */
  chunkSize?: number;
  multicallAddress?: string;
  /** How to read one call where Multicall3 is absent; default an `eth_call` of it. */
  fallback?: (call: ContractRead, blockTag: string) => Promise<Call3Result>;
};

export type ReadContractsReturnType = Call3Result[];

/**
 * Runs the calls at `block`. Each chunk goes through Multicall3 `aggregate3` (failures allowed per call);
 * where Multicall3 has no code at that block (the call returns `0x`), the chunk falls back to one
 * `eth_call` per read, which the client sends as one JSON-RPC batch. A reverted read is
 * `{success: false}`; transport errors reject.
 */
export async function readContracts(parameters: ReadContractsParameters): Promise<ReadContractsReturnType> {
  const { rpc, calls, block } = parameters;
  const chunkSize = Math.max(1, parameters.chunkSize ?? 500);
  const multicall = parameters.multicallAddress ?? MULTICALL3_ADDRESS;
  const blockTag = toBlockTag(block);
  const chunks: Promise<Call3Result[]>[] = [];
  for (let i = 0; i < calls.length; i += chunkSize) {
    chunks.push(readChunk(rpc, calls.slice(i, i + chunkSize), blockTag, multicall, parameters.fallback));
  }
  return (await Promise.all(chunks)).flat();
}

async function readChunk(
  rpc: RpcClient,
  calls: readonly ContractRead[],
  blockTag: string,
  multicall: string,
  fallback: ReadContractsParameters['fallback'],
): Promise<Call3Result[]> {
  const data = encodeAggregate3(calls.map((call) => ({ target: call.target, allowFailure: true, callData: call.callData })));
  const returnData = await rpc.request<string>('eth_call', [{ to: multicall, data }, blockTag]);
  if (returnData !== '0x') {
    const results = decodeAggregate3(returnData);
    if (results.length !== calls.length) {
      throw new RpcError('eth_call', -32603, `aggregate3 returned ${results.length} results for ${calls.length} calls`);
    }
    return results;
  }
  const readSingle = fallback ?? ((call: ContractRead, tag: string) => readOne(rpc, call, tag));
  return Promise.all(calls.map((call) => readSingle(call, blockTag)));
}

async function readOne(rpc: RpcClient, call: ContractRead, blockTag: string): Promise<Call3Result> {
  try {
    const returnData = await rpc.request<string>('eth_call', [{ to: call.target, data: call.callData }, blockTag]);
    return { success: true, returnData };
  } catch (error) {
    if (error instanceof RpcError && isRevert(error)) return { success: false, returnData: revertData(error) };
    throw error;
  }
}

/** Whether a JSON-RPC error reports a reverted call (geth code 3, or an `execution reverted`/`revert` message). */
export function isRevert(error: RpcError): boolean {
  return error.code === 3 || /revert|invalid opcode|VM Exception/i.test(error.message);
}

function revertData(error: RpcError): string {
  const data = error.data;
  if (typeof data === 'string' && data.startsWith('0x')) return data;
  if (data && typeof data === 'object' && 'data' in data && typeof data.data === 'string') return data.data;
  return '0x';
}
