/** EIP-55 checksummed addresses on the ingest hot path, equal to ethers' `getAddress` (a differential test keeps them so). */
import { getAddress } from '@ethersproject/address';
import sha3 from 'js-sha3';

const { keccak_256 } = sha3;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MIXED_CASE = /([A-F].*[a-f])|([a-f].*[A-F])/;

/**
 * The checksummed form of `address`; throws ethers' error when it is not an address or its mixed case is a
 * wrong checksum. A plain 0x-hex address is checksummed here with one keccak over its text (ethers converts it
 * to bytes and back, about 4x slower); any other form is left to ethers.
 */
export function checksumAddress(address: string): string {
  if (!HEX_ADDRESS.test(address)) return getAddress(address);
  const lower = address.slice(2).toLowerCase();
  const hash = keccak_256(lower);
  let checksummed = '0x';
  for (let index = 0; index < 40; index++) {
    const char = lower[index];
    checksummed += hash.charCodeAt(index) >= 0x38 /* '8'..'f' */ ? char.toUpperCase() : char;
  }
  // A mixed-case address must carry the right checksum: ethers says why not.
  if (checksummed !== address && MIXED_CASE.test(address)) return getAddress(address);
  return checksummed;
}
