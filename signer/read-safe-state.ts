/** A Safe's owners, threshold, nonce and version, read from chain in one round of calls. */
import { getAddress, type Hex, type PublicClient } from 'viem';
import { SAFE_ABI } from './safe-contracts.ts';

export type SafeState = { owners: string[]; threshold: number; nonce: number; version: string };

export type ReadSafeStateParameters = { client: PublicClient; safe: string; blockNumber?: bigint };

/** Reads the Safe's state; throws when the address is not a Safe (no code, or the calls revert). */
export async function readSafeState({ client, safe, blockNumber }: ReadSafeStateParameters): Promise<SafeState> {
  const address = safe as Hex;
  const at = blockNumber === undefined ? {} : { blockNumber };
  const [owners, threshold, nonce, version] = await Promise.all([
    client.readContract({ address, abi: SAFE_ABI, functionName: 'getOwners', ...at }),
    client.readContract({ address, abi: SAFE_ABI, functionName: 'getThreshold', ...at }),
    client.readContract({ address, abi: SAFE_ABI, functionName: 'nonce', ...at }),
    client.readContract({ address, abi: SAFE_ABI, functionName: 'VERSION', ...at }),
  ]);
  return { owners: owners.map((owner) => getAddress(owner)), threshold: Number(threshold), nonce: Number(nonce), version };
}
