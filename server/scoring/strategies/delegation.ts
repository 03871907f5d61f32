/**
 * `delegation` (Snapshot semantics): an address's power is the sub-strategies' power of the accounts that
 * delegated to it in Gnosis' DelegateRegistry (space-specific delegation over the global one, id 0x0),
 * **except delegators that are themselves among `addresses`**: scored over the proposal's voters, a
 * delegator who voted keeps their own power (override). The result therefore depends on the voter set and
 * stays pending until the proposal closes. Own power is not included (a space lists it as another strategy).
 * Delegations are replayed from the registry's logs (`eth_getLogs` from `fromBlock`, default 0).
 */
import { getAddress } from '@ethersproject/address';
import { id as eventTopic } from '@ethersproject/hash';
import { toBlockTag } from '../../chain/abi.ts';
import type { RpcClient } from '../../chain/rpc-client.ts';
import { StrategyParamsError, VotingPowerError } from '../errors.ts';
import { defaultStrategyDependencies, resolveSnapshot, type ResolvedSnapshot, type StrategyDependencies } from '../read-power.ts';
import type { GetPowerReturnType, Strategy, StrategyConfig } from '../strategy.ts';
import { erc20BalanceOf } from './erc20-balance-of.ts';
import { erc20Votes } from './erc20-votes.ts';
import { ethBalance } from './eth-balance.ts';

const NAME = 'delegation';
/** Gnosis DelegateRegistry, same address on mainnet and most chains. */
export const DELEGATE_REGISTRY_ADDRESS = '0x469788fE6E9E9681C6ebF3bF78e7Fd26Fc015446';
const SET_DELEGATE = eventTopic('SetDelegate(address,bytes32,address)');
const CLEAR_DELEGATE = eventTopic('ClearDelegate(address,bytes32,address)');
const GLOBAL_ID = '0x' + '0'.repeat(64);
const MAX_SUB_STRATEGIES = 8;

type DelegationParams = {
  /** bytes32 delegation id of the space (Snapshot: the space id as a bytes32 string), if any. */
  spaceId?: string;
  strategies: StrategyConfig[];
  registry: string;
  fromBlock: number;
};

export type CreateDelegationParameters = {
  /** Sub-strategies by name (default: eth-balance, erc20-balance-of, erc20-votes). */
  strategies?: Record<string, Strategy>;
  dependencies?: StrategyDependencies;
};

/** Creates the delegation strategy over the given sub-strategies and RPC pool. */
export function createDelegation(parameters: CreateDelegationParameters = {}): Strategy {
  const subStrategies = parameters.strategies ?? {
    [ethBalance.name]: ethBalance,
    [erc20BalanceOf.name]: erc20BalanceOf,
    [erc20Votes.name]: erc20Votes,
  };
  const dependencies = parameters.dependencies ?? defaultStrategyDependencies;
  const delegationMemo = new Map<string, Map<string, string>>();

  function parse(params: Record<string, unknown>): DelegationParams {
    const strategies = params.strategies;
    if (!Array.isArray(strategies) || strategies.length === 0 || strategies.length > MAX_SUB_STRATEGIES) {
      throw new StrategyParamsError(NAME, `strategies must list 1 to ${MAX_SUB_STRATEGIES} sub-strategies`);
    }
    for (const config of strategies as StrategyConfig[]) {
      const sub = config && typeof config.name === 'string' ? subStrategies[config.name] : undefined;
      if (!sub || config.name === NAME) throw new StrategyParamsError(NAME, `unknown sub-strategy ${String(config?.name)}`);
      sub.validateParams(config.params ?? {});
    }
    let registry = DELEGATE_REGISTRY_ADDRESS;
    if (params.registry !== undefined) {
      try {
        registry = getAddress(String(params.registry));
      } catch {
        throw new StrategyParamsError(NAME, 'registry is not a valid address');
      }
    }
    const fromBlock = params.fromBlock ?? 0;
    if (typeof fromBlock !== 'number' || !Number.isSafeInteger(fromBlock) || fromBlock < 0) {
      throw new StrategyParamsError(NAME, 'fromBlock must be a block number');
    }
    let spaceId: string | undefined;
    if (params.space !== undefined) {
      if (typeof params.space !== 'string' || params.space === '') throw new StrategyParamsError(NAME, 'space must be a string');
      const bytes = Buffer.from(params.space, 'utf8');
      if (bytes.length > 31) throw new StrategyParamsError(NAME, 'space id is longer than 31 bytes');
      spaceId = '0x' + bytes.toString('hex').padEnd(64, '0');
    }
    return { spaceId, strategies: strategies as StrategyConfig[], registry, fromBlock };
  }

  async function delegationsAt(rpc: RpcClient, params: DelegationParams, at: ResolvedSnapshot): Promise<Map<string, string>> {
    const key = `${rpc.url}|${params.registry}|${params.spaceId ?? ''}|${params.fromBlock}|${at.final ? at.block : 'latest'}`;
    const memo = at.final ? delegationMemo.get(key) : undefined;
    if (memo) return memo;
    const ids = params.spaceId ? [params.spaceId, GLOBAL_ID] : [GLOBAL_ID];
    const logs = await rpc.request<{ topics: string[]; blockNumber: string; logIndex: string }[]>('eth_getLogs', [
      {
        address: params.registry,
        fromBlock: toBlockTag(params.fromBlock),
        toBlock: toBlockTag(at.final ? at.block : 'latest'),
        topics: [[SET_DELEGATE, CLEAR_DELEGATE], null, ids],
      },
    ]);
    logs.sort((a, b) => Number(a.blockNumber) - Number(b.blockNumber) || Number(a.logIndex) - Number(b.logIndex));
    const byId = new Map<string, Map<string, string>>(ids.map((id) => [id, new Map()]));
    for (const log of logs) {
      const [topic, delegatorTopic, idTopic, delegateTopic] = log.topics;
      const table = byId.get(idTopic.toLowerCase());
      if (!table || !delegatorTopic || !delegateTopic) continue;
      const delegator = topicAddress(delegatorTopic);
      if (topic === SET_DELEGATE) table.set(delegator, topicAddress(delegateTopic));
      else if (table.get(delegator) === topicAddress(delegateTopic)) table.delete(delegator);
    }
    // Global delegations first, then the space's own ones override them.
    const result = new Map<string, string>(byId.get(GLOBAL_ID));
    if (params.spaceId) for (const [delegator, delegate] of byId.get(params.spaceId) ?? []) result.set(delegator, delegate);
    if (at.final) {
      if (delegationMemo.size >= 256) delegationMemo.clear();
      delegationMemo.set(key, result);
    }
    return result;
  }

  return {
    name: NAME,
    validateParams(params) {
      parse(params);
    },
    async getPower(parameters) {
      const params = parse(parameters.params);
      try {
        const url = parameters.rpcUrls[parameters.network];
        if (!url) throw new Error(`no RPC URL for network ${parameters.network}`);
        const rpc = dependencies.rpcPool.get(url);
        const at = await resolveSnapshot(rpc, parameters.snapshot, dependencies.knownHeads);
        const delegations = await delegationsAt(rpc, params, at);

        const voters = new Set(parameters.addresses.map((address) => address.toLowerCase()));
        const delegatorsOf = new Map<string, string[]>();
        for (const [delegator, delegate] of delegations) {
          if (!voters.has(delegate) || voters.has(delegator)) continue;
          const list = delegatorsOf.get(delegate) ?? [];
          list.push(getAddress(delegator));
          delegatorsOf.set(delegate, list);
        }
        const delegators = [...delegatorsOf.values()].flat();
        const subPowers: GetPowerReturnType[] =
          delegators.length === 0
            ? []
            : await Promise.all(
                params.strategies.map((config) =>
                  subStrategies[config.name].getPower({
                    addresses: delegators,
                    snapshot: parameters.snapshot,
                    network: config.network ?? parameters.network,
                    params: config.params ?? {},
                    rpcUrls: parameters.rpcUrls,
                  }),
                ),
              );
        const power: GetPowerReturnType = {};
        for (const address of parameters.addresses) {
          let total = 0;
          for (const delegator of delegatorsOf.get(address.toLowerCase()) ?? []) {
            for (const sub of subPowers) total += sub[delegator] ?? 0;
          }
          power[address] = total;
        }
        return power;
      } catch (error) {
        throw new VotingPowerError(NAME, { cause: error });
      }
    },
  };
}

function topicAddress(topic: string): string {
  return '0x' + topic.slice(-40).toLowerCase();
}

export const delegation: Strategy = createDelegation();
