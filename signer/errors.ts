/** Typed errors of the signer relay. */

/** The relay cannot reach a network's chain (no RPC URL configured for it). */
export class RelayNetworkError extends Error {
  override name = 'RelayNetworkError';
}
