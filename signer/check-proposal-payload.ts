/** Proposal-time checks of a Safe payload: the Safe exists on the space's network, batches encode, dry runs. */
import type { SpaceSettings } from '../schema/space-settings.ts';
import { ClientError } from '../server/errors.ts';
import { RelayNetworkError } from './errors.ts';
import { parseSafePayload, type SafePayload } from './parse-safe-payload.ts';
import { createRelayChains, type RelayChains } from './relay-chain.ts';
import { relaySettings } from './relay-settings.ts';
import { readSafeState } from './read-safe-state.ts';
import { simulateSafeCall } from './simulate-safe-call.ts';
import { buildSafeTransaction } from './build-safe-transaction.ts';

export type CheckedSafePayload = SafePayload & { warnings: string[] };

export type CheckProposalPayloadParameters = {
  plugins: Record<string, unknown>;
  type: string;
  choices: readonly string[];
  settings: SpaceSettings;
  rpcUrls: Record<string, string>;
};

const chainsByConfig = new WeakMap<Record<string, string>, RelayChains>();

/**
 * Checks a proposal's Safe payload (null when it has none). Refuses with a ClientError what can never
 * run; a batch that would revert today is accepted with a warning (the Safe may be funded by the end).
 */
export async function checkProposalPayload({ plugins, type, choices, settings, rpcUrls }: CheckProposalPayloadParameters): Promise<CheckedSafePayload | null> {
  const payload = parseSafePayload({ plugins, type, choices });
  if (!payload) return null;
  if (payload.network !== String(settings.network)) {
    throw new ClientError(`wrong proposal format: the Safe payload is on network ${payload.network}, the space on ${settings.network}`);
  }
  const { allowDelegateCall } = relaySettings(settings);
  for (const [choice, calls] of Object.entries(payload.batches)) {
    if (!allowDelegateCall && calls.some((call) => call.operation === 1)) {
      throw new ClientError(`wrong proposal format: batch for choice ${choice} has a delegatecall, which this space does not allow`);
    }
  }
  let chains = chainsByConfig.get(rpcUrls);
  if (!chains) {
    chains = createRelayChains(rpcUrls);
    chainsByConfig.set(rpcUrls, chains);
  }
  let chain;
  try {
    chain = await chains(payload.network);
  } catch (error) {
    if (error instanceof RelayNetworkError) throw new ClientError(`the Safe payload names network ${payload.network}, which this service cannot reach`);
    throw error;
  }
  const state = await readSafeState({ client: chain.client, safe: payload.safe }).catch(() => null);
  if (!state) throw new ClientError(`wrong proposal format: no Safe at ${payload.safe} on network ${payload.network}`);
  const kit = await chain.kit(payload.safe);
  const warnings: string[] = [];
  for (const [choice, calls] of Object.entries(payload.batches)) {
    let built;
    try {
      built = await buildSafeTransaction({ kit, calls, nonce: state.nonce });
    } catch (error) {
      throw new ClientError(`wrong proposal format: batch for choice ${choice} does not encode (${(error as Error).message})`);
    }
    const result = await simulateSafeCall({ client: chain.client, safe: payload.safe, ...built.transaction.data });
    if (!result.success) warnings.push(`batch for choice ${choice} would revert if executed now: ${result.reason}`);
  }
  return { ...payload, warnings };
}
