/**
 * `erc20-votes`: power = delegated votes of an ERC20Votes (OpenZeppelin) token / 10^decimals.
 * A snapshot block with later blocks reads `getPastVotes(account, block)` at `latest` (no archive node
 * needed); the head block itself reads `getVotes` at that block (`getPastVotes` requires block < clock);
 * a snapshot not yet mined reads `getVotes` at `latest` and is not cached.
 */
import { encodeAddress, encodeCall, encodeUint, SELECTORS } from '../../chain/abi.ts';
import { readContracts } from '../../chain/read-contracts.ts';
import { defaultStrategyDependencies, readPower, type StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { parseTokenParams, requireUint } from './token-params.ts';

const NAME = 'erc20-votes';

/** Creates the strategy over the given RPC pool and cache. */
export function createErc20Votes(dependencies: StrategyDependencies = defaultStrategyDependencies): Strategy {
  return {
    name: NAME,
    validateParams(params) {
      parseTokenParams(NAME, params, { requireAddress: true });
    },
    async getPower(parameters) {
      const token = parseTokenParams(NAME, parameters.params, { requireAddress: true });
      const target = token.address as string;
      return readPower({
        ...parameters,
        strategy: NAME,
        paramsKey: `${target.toLowerCase()}:${token.decimals}`,
        decimals: token.decimals,
        dependencies,
        async read(rpc, at, addresses) {
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
      });
    },
  };
}

export const erc20Votes: Strategy = createErc20Votes();
