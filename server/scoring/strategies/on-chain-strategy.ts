/** The common shape of strategies that read one number per address from chain. */
import type { RpcClient } from '../../chain/rpc-client.ts';
import { VotingPowerError } from '../errors.ts';
import { defaultStrategyDependencies, readPower, resolveSnapshot, type ResolvedSnapshot, type StrategyDependencies } from '../read-power.ts';
import type { Strategy } from '../strategy.ts';
import { parseTokenParams, type TokenParams } from './token-params.ts';

export type OnChainStrategyDefinition = {
  name: string;
  /** Whether params must name a contract (`address`). */
  requireAddress: boolean;
  defaultDecimals?: number;
  /** Reads raw values (base units) for `addresses`, in order. */
  read(rpc: RpcClient, at: ResolvedSnapshot, addresses: readonly string[], params: TokenParams): Promise<bigint[]>;
};

/** Builds a Strategy from a definition: params validation, snapshot resolution, cache and error mapping. */
export function defineOnChainStrategy(
  definition: OnChainStrategyDefinition,
  dependencies: StrategyDependencies = defaultStrategyDependencies,
): Strategy {
  const { name } = definition;
  const options = { requireAddress: definition.requireAddress, defaultDecimals: definition.defaultDecimals };
  return {
    name,
    validateParams(params) {
      parseTokenParams(name, params, options);
    },
    async isFinal({ snapshot, network, rpcUrls }) {
      const url = rpcUrls[network];
      if (!url) throw new VotingPowerError(name, { cause: new Error(`no RPC endpoint for network ${network}`) });
      try {
        return (await resolveSnapshot(dependencies.rpcPool.get(url), snapshot, dependencies.knownHeads)).final;
      } catch (error) {
        throw new VotingPowerError(name, { cause: error });
      }
    },
    async getPower(parameters) {
      const token = parseTokenParams(name, parameters.params, options);
      return readPower({
        ...parameters,
        strategy: name,
        paramsKey: `${token.address?.toLowerCase() ?? ''}:${token.decimals}`,
        decimals: token.decimals,
        dependencies,
        read: (rpc, at, addresses) => definition.read(rpc, at, addresses, token),
      });
    },
  };
}
