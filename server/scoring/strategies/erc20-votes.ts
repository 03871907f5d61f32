/**
 * `erc20-votes`: power = delegated votes of an ERC20Votes (OpenZeppelin) token / 10^decimals.
 * A snapshot block with later blocks reads `getPastVotes(account, block)` at `latest` (no archive node
 * needed); the head block itself reads `getVotes` at that block (`getPastVotes` requires block < clock);
 * a snapshot not yet mined reads `getVotes` at `latest` and is not cached.
 */
import { encodeAddress, encodeCall, encodeUint, SELECTORS } from '../../chain/abi.ts';
import { readContracts } from '../../chain/read-contracts.ts';
import type { StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { defineOnChainStrategy } from './on-chain-strategy.ts';
import { requireUint } from './token-params.ts';

/** Creates the strategy over the given RPC pool and cache (default: the shared ones). */
export function createErc20Votes(dependencies?: StrategyDependencies): Strategy {
  return defineOnChainStrategy(
    {
      name: 'erc20-votes',
      requireAddress: true,
      async read(rpc, at, addresses, params) {
        const target = params.address as string;
        const past = at.final && at.beforeHead;
        const calls = addresses.map((address) => ({
          target,
          callData: past
            ? encodeCall(SELECTORS.getPastVotes, encodeAddress(address), encodeUint(at.block))
            : encodeCall(SELECTORS.getVotes, encodeAddress(address)),
        }));
        const results = await readContracts({ rpc, block: past ? 'latest' : at.tag, calls });
        return results.map((result) => requireUint(result, past ? 'getPastVotes' : 'getVotes'));
      },
    },
    dependencies,
  );
}

export const erc20Votes: Strategy = createErc20Votes();
