/**
 * ERC20Votes power of many accounts at a past block from the token's `DelegateVotesChanged` logs: one
 * `eth_getLogs` instead of one `getPastVotes` checkpoint search per account. Exact for OpenZeppelin's
 * ERC20Votes (and Compound-style tokens): every checkpoint write emits the event with the new value, so
 * the votes at block B are the `newVotes` of the delegate's last event at or before B, 0 without one.
 */
import { id } from '@ethersproject/hash';
import { toBlockTag } from '../../chain/abi.ts';
import type { RpcClient } from '../../chain/rpc-client.ts';

/** topic0 of `DelegateVotesChanged(address indexed delegate, uint256 previousVotes, uint256 newVotes)`. */
export const DELEGATE_VOTES_CHANGED = id('DelegateVotesChanged(address,uint256,uint256)');

export type ReadVotesFromLogsParameters = {
  rpc: RpcClient;
  token: string;
  /** A mined block. */
  block: number;
  addresses: readonly string[];
};

type Log = { topics: string[]; data: string; blockNumber: string; logIndex: string; removed?: boolean };

/** Votes per address (base units, in order), or undefined when the logs cannot be read (the node refuses the range or size). */
export async function readVotesFromLogs({ rpc, token, block, addresses }: ReadVotesFromLogsParameters): Promise<bigint[] | undefined> {
  let logs: Log[];
  try {
    logs = await rpc.request<Log[]>('eth_getLogs', [{ address: token, topics: [DELEGATE_VOTES_CHANGED], fromBlock: '0x0', toBlock: toBlockTag(block) }]);
  } catch {
    return undefined;
  }
  if (!Array.isArray(logs)) return undefined;
  // Nodes return logs in chain order; sorting costs little and does not rely on it.
  const ordered = logs
    .filter((log) => !log.removed && log.topics.length === 2 && log.data.length === 2 + 128)
    .map((log) => ({ log, block: Number(log.blockNumber), index: Number(log.logIndex) }))
    .sort((a, b) => a.block - b.block || a.index - b.index);
  const votes = new Map<string, string>();
  for (const { log } of ordered) votes.set(`0x${log.topics[1].slice(-40).toLowerCase()}`, log.data.slice(66));
  return addresses.map((address) => {
    const newVotes = votes.get(address.toLowerCase());
    return newVotes === undefined ? 0n : BigInt(`0x${newVotes}`);
  });
}
