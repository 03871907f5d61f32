/** Hand-rolled ABI encoding for the few fixed-shape calls conclave makes (hex strings, 0x-prefixed). */

export const SELECTORS = {
  /** balanceOf(address) */
  balanceOf: '0x70a08231',
  /** totalSupply() */
  totalSupply: '0x18160ddd',
  /** getVotes(address) */
  getVotes: '0x9ab24eb0',
  /** getPastVotes(address,uint256) */
  getPastVotes: '0x3a46b1a8',
  /** Multicall3 getEthBalance(address) */
  getEthBalance: '0x4d2301cc',
  /** Multicall3 aggregate3((address,bool,bytes)[]) */
  aggregate3: '0x82ad56cb',
  /** EIP-1271 isValidSignature(bytes32,bytes); also its magic value */
  isValidSignature: '0x1626ba7e',
  /** legacy EIP-1271 isValidSignature(bytes,bytes); also its magic value */
  isValidSignatureLegacy: '0x20c13b0b',
} as const;

/** A 32-byte word for an address. */
export function encodeAddress(address: string): string {
  const hex = strip(address).toLowerCase();
  if (hex.length !== 40 || !/^[0-9a-f]*$/.test(hex)) throw new TypeError(`not an address: ${address}`);
  return hex.padStart(64, '0');
}

/** A 32-byte word for a non-negative integer. */
export function encodeUint(value: number | bigint): string {
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 256n) throw new RangeError(`uint256 out of range: ${value}`);
  return big.toString(16).padStart(64, '0');
}

/** Dynamic `bytes`: length word + data right-padded to 32 bytes (no offset). */
export function encodeBytesTail(data: string): string {
  const hex = strip(data);
  if (hex.length % 2 !== 0) throw new TypeError('odd-length hex');
  const padded = hex.length % 64 === 0 ? hex : hex + '0'.repeat(64 - (hex.length % 64));
  return encodeUint(hex.length / 2) + padded;
}

/** Calldata of EIP-1271 `isValidSignature(bytes32 hash, bytes signature)`. */
export function encodeIsValidSignature(digest: string, signature: string): string {
  return SELECTORS.isValidSignature + strip(digest) + encodeUint(0x40) + encodeBytesTail(signature);
}

/** Calldata of the legacy EIP-1271 `isValidSignature(bytes data, bytes signature)` with `data = digest`. */
export function encodeIsValidSignatureLegacy(digest: string, signature: string): string {
  return SELECTORS.isValidSignatureLegacy + encodeUint(0x40) + encodeUint(0x80) + encodeBytesTail(digest) + encodeBytesTail(signature);
}

/** Calldata `selector ++ words` (each argument already a 32-byte hex word without 0x). */
export function encodeCall(selector: string, ...words: string[]): string {
  return selector + words.join('');
}

export type Call3 = { target: string; allowFailure: boolean; callData: string };
export type Call3Result = { success: boolean; returnData: string };

/** Calldata of Multicall3 `aggregate3(Call3[])`. */
export function encodeAggregate3(calls: readonly Call3[]): string {
  const tuples: string[] = [];
  for (const call of calls) {
    tuples.push(
      encodeAddress(call.target) +
        encodeUint(call.allowFailure ? 1 : 0) +
        encodeUint(0x60) +
        encodeBytesTail(call.callData),
    );
  }
  const offsets: string[] = [];
  let offset = calls.length * 32;
  for (const tuple of tuples) {
    offsets.push(encodeUint(offset));
    offset += tuple.length / 2;
  }
  return SELECTORS.aggregate3 + encodeUint(0x20) + encodeUint(calls.length) + offsets.join('') + tuples.join('');
}

/** Return data of `aggregate3` → `(bool success, bytes returnData)[]`. */
export function decodeAggregate3(returnData: string): Call3Result[] {
  const hex = strip(returnData);
  const arrayStart = readWord(hex, 0) * 2;
  const length = readWord(hex, arrayStart);
  const base = arrayStart + 64;
  const results: Call3Result[] = [];
  for (let i = 0; i < length; i++) {
    const tupleStart = base + readWord(hex, base + i * 64) * 2;
    const success = readWord(hex, tupleStart) !== 0;
    const bytesStart = tupleStart + readWord(hex, tupleStart + 64) * 2;
    const bytesLength = readWord(hex, bytesStart);
    const dataStart = bytesStart + 64;
    if (dataStart + bytesLength * 2 > hex.length) throw new RangeError('aggregate3 result out of bounds');
    results.push({ success, returnData: '0x' + hex.slice(dataStart, dataStart + bytesLength * 2) });
  }
  return results;
}

/** The first 32-byte word of return data as a bigint (uint256). */
export function decodeUint(returnData: string): bigint {
  const hex = strip(returnData);
  if (hex.length < 64) throw new RangeError(`expected a uint256, got ${hex.length / 2} bytes`);
  return BigInt('0x' + hex.slice(0, 64));
}

/** A block tag for JSON-RPC. */
export function toBlockTag(block: number | 'latest'): string {
  return block === 'latest' ? 'latest' : '0x' + block.toString(16);
}

function readWord(hex: string, at: number): number {
  if (at + 64 > hex.length) throw new RangeError('ABI data out of bounds');
  const value = Number.parseInt(hex.slice(at, at + 64), 16);
  if (!Number.isSafeInteger(value)) throw new RangeError('ABI offset too large');
  return value;
}

function strip(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
}
