/** `eth-balance`: power = native balance at the snapshot block / 10^decimals (default 18). */
import { encodeAddress, encodeCall, encodeUint, SELECTORS } from '../../chain/abi.ts';
import { MULTICALL3_ADDRESS, readContracts } from '../../chain/read-contracts.ts';
import type { StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { defineOnChainStrategy } from './on-chain-strategy.ts';
import { requireUint } from './token-params.ts';

/** Creates the strategy over the given RPC pool and cache (default: the shared ones). */
export function createEthBalance(dependencies?: StrategyDependencies): Strategy {
  return defineOnChainStrategy(
    {
      name: 'eth-balance',
      requireAddress: false,
      defaultDecimals: 18,
      async read(rpc, at, addresses) {
        // Multicall3.getEthBalance in chunks; eth_getBalance per address (batched) where Multicall3 is absent.
        const results = await readContracts({
          rpc,
          block: at.tag,
          calls: addresses.map((address) => ({
            target: MULTICALL3_ADDRESS,
            callData: encodeCall(SELECTORS.getEthBalance, encodeAddress(address)),
          })),
          async fallback(call, blockTag) {
            const address = '0x' + call.callData.slice(10 + 24, 10 + 64);
            const balance = await rpc.request<string>('eth_getBalance', [address, blockTag]);
            return { success: true, returnData: '0x' + encodeUint(BigInt(balance)) };
          },
        });
        return results.map((result) => requireUint(result, 'getEthBalance'));
      },
    },
    dependencies,
  );
}

export const ethBalance: Strategy = createEthBalance();
