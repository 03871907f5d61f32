/** The shared path of on-chain strategies: resolve the snapshot block, serve past blocks from cache, read the rest. */
import { sharedRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import type { RpcClient } from '../chain/rpc-client.ts';
import { VotingPowerError } from './errors.ts';
import { createPowerCache, powerCacheKey, type PowerCache } from './power-cache.ts';
import type { GetPowerParameters, GetPowerReturnType } from './strategy.ts';

/** What on-chain strategies share: RPC clients per URL, the past-block cache, the highest block seen per URL. */
export type StrategyDependencies = {
  rpcPool: RpcPool;
  cache: PowerCache;
  knownHeads: Map<string, number>;
};

/** Creates fresh dependencies (the exported strategies share one module-level set). */
export function createStrategyDependencies(parameters: Partial<StrategyDependencies> = {}): StrategyDependencies {
  return {
    rpcPool: parameters.rpcPool ?? sharedRpcPool,
    cache: parameters.cache ?? createPowerCache(),
    knownHeads: parameters.knownHeads ?? new Map(),
  };
}

export const defaultStrategyDependencies: StrategyDependencies = createStrategyDependencies();

/**
 * Where to read for a snapshot. `tag` is the block tag for state reads; `final` means the block is mined
 * (values never change, cacheable); `beforeHead` means a later block exists (so `getPastVotes(block)` works).
 * A snapshot block not yet mined is read at `latest` and is not final (Snapshot's rule: future → latest).
 */
export type ResolvedSnapshot =
  | { tag: number; block: number; final: true; beforeHead: boolean }
  | { tag: 'latest'; final: false; beforeHead: false };

/** Resolves `snapshot` against the chain head (one `eth_blockNumber` unless a later head was already seen). */
export async function resolveSnapshot(
  rpc: RpcClient,
  snapshot: number | 'latest',
  knownHeads: Map<string, number>,
): Promise<ResolvedSnapshot> {
  if (snapshot === 'latest') return { tag: 'latest', final: false, beforeHead: false };
  if (!Number.isSafeInteger(snapshot) || snapshot < 0) throw new TypeError(`invalid snapshot block: ${snapshot}`);
  const known = knownHeads.get(rpc.url) ?? -1;
  if (snapshot < known) return { tag: snapshot, block: snapshot, final: true, beforeHead: true };
  const head = Number(await rpc.request<string>('eth_blockNumber'));
  if (head > known) knownHeads.set(rpc.url, head);
  if (snapshot <= head) return { tag: snapshot, block: snapshot, final: true, beforeHead: snapshot < head };
  return { tag: 'latest', final: false, beforeHead: false };
}

export type ReadPowerParameters = GetPowerParameters & {
  strategy: string;
  /** A stable string of the params that change the result (part of the cache key). */
  paramsKey: string;
  decimals: number;
  dependencies: StrategyDependencies;
  /** Reads raw values (base units) for `addresses`, in order. */
  read(rpc: RpcClient, at: ResolvedSnapshot, addresses: readonly string[]): Promise<bigint[]>;
};

/** Runs a strategy's read with caching and error mapping; every failure becomes a VotingPowerError. */
export async function readPower(parameters: ReadPowerParameters): Promise<GetPowerReturnType> {
  const { strategy, network, addresses, dependencies, paramsKey } = parameters;
  try {
    const url = parameters.rpcUrls[network];
    if (!url) throw new Error(`no RPC URL for network ${network}`);
    const rpc = dependencies.rpcPool.get(url);
    const at = await resolveSnapshot(rpc, parameters.snapshot, dependencies.knownHeads);
    const power: GetPowerReturnType = {};
    const missing: string[] = [];
    for (const address of addresses) {
      const cached = at.final ? dependencies.cache.get(powerCacheKey(strategy, network, at.block, paramsKey, address)) : undefined;
      if (cached === undefined) missing.push(address);
      else power[address] = cached;
    }
    if (missing.length > 0) {
      const values = await parameters.read(rpc, at, missing);
      if (values.length !== missing.length) throw new Error('strategy read returned the wrong number of values');
      for (let i = 0; i < missing.length; i++) {
        const value = toUnits(values[i], parameters.decimals);
        power[missing[i]] = value;
        if (at.final) dependencies.cache.set(powerCacheKey(strategy, network, at.block, paramsKey, missing[i]), value);
      }
    }
    return power;
  } catch (error) {
    if (error instanceof VotingPowerError) throw error;
    throw new VotingPowerError(strategy, { cause: error });
  }
}

/** `value / 10^decimals` as the nearest float (exact decimal string first, then one parse). */
export function toUnits(value: bigint, decimals: number): number {
  if (decimals === 0) return Number(value);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return Number.parseFloat(negative ? `-${text}` : text);
}
