/** `erc20-balance-of`: power = ERC-20 `balanceOf` at the snapshot block / 10^decimals. */
import { encodeAddress, encodeCall, SELECTORS } from '../../chain/abi.ts';
import { readContracts } from '../../chain/read-contracts.ts';
import type { StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { defineOnChainStrategy } from './on-chain-strategy.ts';
import { requireUint } from './token-params.ts';

/** Creates the strategy over the given RPC pool and cache (default: the shared ones). */
export function createErc20BalanceOf(dependencies?: StrategyDependencies): Strategy {
  return defineOnChainStrategy(
    {
      name: 'erc20-balance-of',
      requireAddress: true,
      async read(rpc, at, addresses, params) {
        const target = params.address as string;
        const results = await readContracts({
          rpc,
          block: at.tag,
          calls: addresses.map((address) => ({ target, callData: encodeCall(SELECTORS.balanceOf, encodeAddress(address)) })),
        });
        return results.map((result) => requireUint(result, 'balanceOf'));
      },
    },
    dependencies,
  );
}

export const erc20BalanceOf: Strategy = createErc20BalanceOf();
