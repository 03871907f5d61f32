/** The did:ethr networks this server can resolve: one per numeric RPC_URLS entry, with its ERC-1056 registry. */
import type { EthrNetwork } from './resolver.ts';

export type EthrNetworksParameters = {
  /** Network id (decimal chain id) → JSON-RPC URL, as in RPC_URLS. */
  rpcUrls: Record<string, string>;
  /** Network id → ERC-1056 registry address where it is not ethr-did-resolver's default deployment. */
  registries?: Record<string, string>;
};

export type EthrNetworksReturnType = EthrNetwork[];

/**
 * DIDs name the network by hex chain id (`did:ethr:0x7a69:0x…`); chain 1 is also `mainnet`, the network of
 * `did:ethr:0x…` without one. Only http(s) endpoints: ethr-did-resolver reads through an ethers JsonRpcProvider.
 */
export function ethrNetworks({ rpcUrls, registries = {} }: EthrNetworksParameters): EthrNetworksReturnType {
  const networks: EthrNetwork[] = [];
  for (const [network, rpcUrl] of Object.entries(rpcUrls)) {
    if (!/^[1-9][0-9]{0,17}$/.test(network) || !/^https?:\/\//.test(rpcUrl)) continue;
    const chainId = Number(network);
    if (!Number.isSafeInteger(chainId)) continue;
    networks.push({
      ...(chainId === 1 ? { name: 'mainnet' } : {}),
      chainId,
      rpcUrl,
      ...(registries[network] ? { registry: registries[network] } : {}),
    });
  }
  return networks;
}
