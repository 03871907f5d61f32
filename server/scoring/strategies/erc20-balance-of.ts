/** `erc20-balance-of`: power = ERC-20 `balanceOf` at the snapshot block / 10^decimals. */
import { encodeAddress, encodeCall, SELECTORS } from '../../chain/abi.ts';
import { readContracts } from '../../chain/read-contracts.ts';
import { defaultStrategyDependencies, readPower, type StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { parseTokenParams, requireUint } from './token-params.ts';

const NAME = 'erc20-balance-of';

/** Creates the strategy over the given RPC pool and cache. */
export function createErc20BalanceOf(dependencies: StrategyDependencies = defaultStrategyDependencies): Strategy {
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
          const results = await readContracts({
            rpc,
            block: at.tag,
            calls: addresses.map((address) => ({ target, callData: encodeCall(SELECTORS.balanceOf, encodeAddress(address)) })),
          });
          return results.map((result) => requireUint(result, 'balanceOf'));
        },
      });
    },
  };
}

export const erc20BalanceOf: Strategy = createErc20BalanceOf();
