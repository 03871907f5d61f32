/** Recovers the signer of a 32-byte digest: native libsecp256k1 by default, pure JS (elliptic) as a fallback. */
import { createRequire } from 'node:module';
import sha3 from 'js-sha3';
import secp256k1 from 'secp256k1';
import { checksumAddress } from './checksum-address.ts';

/** 'native' when the libsecp256k1 binding loaded, else the package has already fallen back to 'js'. */
export type SignatureBackend = 'native' | 'js';

const { keccak_256 } = sha3;
const require = createRequire(import.meta.url);
// Loaded on demand: elliptic takes ~60 ms to load, in every process and every verify-log worker.
const backends: Record<SignatureBackend, () => typeof secp256k1> = {
  native: () => secp256k1,
  js: () => require('secp256k1/elliptic') as typeof secp256k1,
};
let backend: typeof secp256k1 = secp256k1;

/** Chooses the implementation (`SIGNATURE_BACKEND`); the pure-JS one is what Snapshot's stack uses. */
export function useSignatureBackend(name: SignatureBackend): void {
  backend = backends[name]();
}

// Half the curve order: signatures with a larger s are malleated copies (EIP-2) and are refused.
const HALF_N = BigInt('0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');

/** Returns the checksummed signer, or null when the signature is malformed or not canonical. */
export function recoverSigner(digest: string, signature: string): string | null {
  const address = recoverAddressHex(digest, signature);
  return address === null ? null : checksumAddress(address);
}

/** Returns the signer as lowercase 0x-hex (no checksum work: the hot path compares), or null. */
export function recoverAddressHex(digest: string, signature: string): string | null {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return null;
  const bytes = Buffer.from(signature.slice(2), 'hex');
  const v = bytes[64];
  const recid = v >= 27 ? v - 27 : v;
  if (recid !== 0 && recid !== 1) return null;
  const s = BigInt(`0x${bytes.subarray(32, 64).toString('hex')}`);
  if (s === 0n || s > HALF_N) return null;
  try {
    const publicKey = backend.ecdsaRecover(bytes.subarray(0, 64), recid, Buffer.from(digest.slice(2), 'hex'), false);
    return `0x${keccak_256(publicKey.subarray(1)).slice(-40)}`;
  } catch {
    return null;
  }
}
