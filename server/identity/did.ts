/** DID string helpers: did:pkh (eip155) parsing and the canonical form used to compare issuers. */
import { getAddress } from 'ethers';

/** `did:<method>:<method-specific-id>` as in DID Core §3.1 (method lower-case alphanumerics, id without spaces). */
const DID_PATTERN = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$/;
const PKH_EIP155_PATTERN = /^did:pkh:eip155:([1-9][0-9]{0,17}):(0x[0-9a-fA-F]{40})$/;

/** True when `value` is syntactically a DID (no path, query or fragment). */
export function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && DID_PATTERN.test(value);
}

/** The DID method (`key`, `pkh`, `web`, `ethr`, …) of a syntactically valid DID. */
export function didMethod(did: string): string {
  return did.split(':', 2)[1] ?? '';
}

export type PkhDid = { chainId: number; address: string };

/**
 * Parses `did:pkh:eip155:<chainId>:<address>`; the address comes back EIP-55 checksummed.
 * Returns undefined for anything else, including a mixed-case address with a wrong checksum.
 */
export function parsePkhDid(did: string): PkhDid | undefined {
  const match = PKH_EIP155_PATTERN.exec(did);
  if (!match) return undefined;
  const chainId = Number(match[1]);
  if (!Number.isSafeInteger(chainId)) return undefined;
  try {
    return { chainId, address: getAddress(match[2]) };
  } catch {
    return undefined;
  }
}

export type EthrDid = { network: string | undefined; address: string };
const ETHR_ADDRESS_PATTERN = /^did:ethr:(?:([A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*):)?(0x[0-9a-fA-F]{40})$/;

/**
 * Parses the address form `did:ethr:[<network>:]0x<address>` (network: a name or a hex chain id; absent means
 * mainnet); the address comes back checksummed. Undefined for the public-key form and anything else.
 */
export function parseEthrDid(did: string): EthrDid | undefined {
  const match = ETHR_ADDRESS_PATTERN.exec(did);
  if (!match) return undefined;
  try {
    return { network: match[1], address: getAddress(match[2].toLowerCase()) };
  } catch {
    return undefined;
  }
}

/** `did:pkh:eip155:<chainId>:<checksummed address>`. */
export function toPkhDid(address: string, chainId: number): string {
  return `did:pkh:eip155:${chainId}:${getAddress(address)}`;
}

/** The form used to compare DIDs: did:pkh addresses checksummed (they are case-insensitive), other DIDs as given. */
export function canonicalDid(did: string): string {
  const pkh = parsePkhDid(did);
  return pkh ? toPkhDid(pkh.address, pkh.chainId) : did;
}
