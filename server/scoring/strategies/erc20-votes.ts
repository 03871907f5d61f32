/**
 * `erc20-votes`: power = delegated votes of an ERC20Votes (OpenZeppelin) token / 10^decimals.
 * A snapshot block with later blocks reads `getPastVotes(account, block)` at `latest` (no archive node
 * needed); the head block itself reads `getVotes` at that block (`getPastVotes` requires block < clock);
 * a snapshot not yet mined reads `getVotes` at `latest` and is not cached. Many accounts at a mined block
 * are read from the token's `DelegateVotesChanged` logs instead, checked against the contract on a sample.
 */
import { encodeAddress, encodeCall, encodeUint, SELECTORS } from '../../chain/abi.ts';
import { readContracts } from '../../chain/read-contracts.ts';
import type { RpcClient } from '../../chain/rpc-client.ts';
import type { ResolvedSnapshot, StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { defineOnChainStrategy } from './on-chain-strategy.ts';
import { readVotesFromLogs } from './read-votes-from-logs.ts';
import { requireUint } from './token-params.ts';

/** From this many accounts on, one log query beats a checkpoint search per account (each costs the node ~0.4 ms). */
export const LOGS_MIN_ADDRESSES = 500;
/** Accounts whose log-derived votes are checked against the contract before the logs are trusted. */
const SAMPLE = 16;

/** Creates the strategy over the given RPC pool and cache (default: the shared ones). */
export function createErc20Votes(dependencies?: StrategyDependencies): Strategy {
  return defineOnChainStrategy(
    {
      name: 'erc20-votes',
      requireAddress: true,
      async read(rpc, at, addresses, params) {
        const target = params.address as string;
        if (at.final && addresses.length >= LOGS_MIN_ADDRESSES) {
          const fromLogs = await readVotesFromLogs({ rpc, token: target, block: at.block, addresses });
          // A token whose events do not mirror its checkpoints (not OpenZeppelin's) fails the sample: read every account.
          if (fromLogs && (await sampleAgrees(rpc, at, target, addresses, fromLogs))) return fromLogs;
        }
        return readByCalls(rpc, at, target, addresses);
      },
    },
    dependencies,
  );
}

/** `getPastVotes` / `getVotes` for each address through Multicall3. */
async function readByCalls(rpc: RpcClient, at: ResolvedSnapshot, target: string, addresses: readonly string[]): Promise<bigint[]> {
  const past = at.final && at.beforeHead;
  const calls = addresses.map((address) => ({
    target,
    callData: past
      ? encodeCall(SELECTORS.getPastVotes, encodeAddress(address), encodeUint(at.block))
      : encodeCall(SELECTORS.getVotes, encodeAddress(address)),
  }));
  const results = await readContracts({ rpc, block: past ? 'latest' : at.tag, calls });
  return results.map((result) => requireUint(result, past ? 'getPastVotes' : 'getVotes'));
}

/** Whether the contract gives the log-derived votes for a spread of accounts, half of them with votes. */
async function sampleAgrees(rpc: RpcClient, at: ResolvedSnapshot, target: string, addresses: readonly string[], votes: readonly bigint[]): Promise<boolean> {
  const withVotes = addresses.flatMap((_, i) => (votes[i] > 0n ? [i] : []));
  const picks = new Set<number>();
  for (let k = 0; k < SAMPLE / 2; k++) {
    if (withVotes.length > 0) picks.add(withVotes[Math.floor((k * withVotes.length) / (SAMPLE / 2))]);
    picks.add(Math.floor((k * addresses.length) / (SAMPLE / 2)));
  }
  const sample = [...picks];
  const read = await readByCalls(rpc, at, target, sample.map((i) => addresses[i]));
  return sample.every((i, k) => read[k] === votes[i]);
}

export const erc20Votes: Strategy = createErc20Votes();
