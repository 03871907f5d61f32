/** Chain access per network for the relay: a viem client, the chain id, and protocol-kit instances per Safe. */
import * as protocolKit from '@safe-global/protocol-kit';
import { createPublicClient, http, type PublicClient } from 'viem';
import { RelayNetworkError } from './errors.ts';
import { SAFE_141_CONTRACTS } from './safe-contracts.ts';

// protocol-kit ships one CJS-flavoured index.d.ts: under NodeNext the default import is typed as the
// module namespace, while at run time the ESM default export is the Safe class itself.
export const Safe = protocolKit.default as unknown as typeof protocolKit.default.default;
export type SafeKit = Awaited<ReturnType<typeof Safe.init>>;
export const { EthSafeTransaction, EthSafeSignature } = protocolKit;

export type RelayChain = {
  network: string;
  rpcUrl: string;
  chainId: number;
  client: PublicClient;
  /** A protocol-kit instance on `safe` (read-only unless `signer`, a private key, is given); cached. */
  kit(safe: string, signer?: string): Promise<SafeKit>;
};

export type RelayChains = (network: string) => Promise<RelayChain>;

/** Chain accessors for the configured RPC URLs; a network without one throws RelayNetworkError. */
export function createRelayChains(rpcUrls: Record<string, string>): RelayChains {
  const chains = new Map<string, Promise<RelayChain>>();
  return (network) => {
    let chain = chains.get(network);
    if (!chain) {
      chain = openChain(network, rpcUrls[network]);
      chains.set(network, chain);
      // A failed lookup (node down) is retried on the next call.
      chain.catch(() => chains.delete(network));
    }
    return chain;
  };
}

async function openChain(network: string, rpcUrl: string | undefined): Promise<RelayChain> {
  if (!rpcUrl) throw new RelayNetworkError(`no RPC URL configured for network ${network}`);
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 2, timeout: 30_000 }) }) as PublicClient;
  const chainId = await client.getChainId();
  const kits = new Map<string, Promise<SafeKit>>();
  return {
    network,
    rpcUrl,
    chainId,
    client,
    kit(safe, signer) {
      const key = `${safe.toLowerCase()}:${signer ?? ''}`;
      let kit = kits.get(key);
      if (!kit) {
        kit = Safe.init({
          provider: rpcUrl,
          safeAddress: safe,
          ...(signer ? { signer } : {}),
          contractNetworks: { [String(chainId)]: SAFE_141_CONTRACTS },
        });
        kits.set(key, kit);
        kit.catch(() => kits.delete(key));
      }
      return kit;
    },
  };
}
