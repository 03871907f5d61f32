/** Unwraps an ERC-6492 signature: `abi.encode(address factory, bytes factoryCalldata, bytes signature) ++ magic`. */

/** The 32-byte suffix that marks an ERC-6492 wrapped signature. */
export const ERC6492_MAGIC_SUFFIX = '6492'.repeat(16);

export type ParseErc6492SignatureReturnType =
  | { factory: string; factoryCalldata: string; signature: string }
  | undefined;

/**
 * Returns the factory (lower-case 0x address), its calldata and the inner signature when `signature` ends with
 * the ERC-6492 suffix; undefined when it does not. A suffixed signature whose body is not a well-formed
 * `(address, bytes, bytes)` encoding throws a TypeError (it can never be valid).
 */
export function parseErc6492Signature(signature: string): ParseErc6492SignatureReturnType {
  const hex = signature.startsWith('0x') || signature.startsWith('0X') ? signature.slice(2) : signature;
  if (hex.length <= 64 || !hex.toLowerCase().endsWith(ERC6492_MAGIC_SUFFIX)) return undefined;
  const body = hex.slice(0, -64).toLowerCase();
  if (!/^[0-9a-f]*$/.test(body) || body.length % 64 !== 0 || body.length < 3 * 64) {
    throw new TypeError('malformed ERC-6492 signature');
  }
  const addressWord = body.slice(0, 64);
  if (!addressWord.startsWith('0'.repeat(24))) throw new TypeError('malformed ERC-6492 factory address');
  return {
    factory: '0x' + addressWord.slice(24),
    factoryCalldata: readBytes(body, word(body, 1)),
    signature: readBytes(body, word(body, 2)),
  };
}

/** The `index`-th head word as a byte offset (bounded: anything past the body is malformed anyway). */
function word(body: string, index: number): number {
  const value = BigInt('0x' + body.slice(index * 64, index * 64 + 64));
  if (value > BigInt(body.length / 2)) throw new TypeError('malformed ERC-6492 offset');
  return Number(value);
}

/** `bytes` at a byte offset: its length word, then the data, which must lie inside the body. */
function readBytes(body: string, offset: number): string {
  const start = offset * 2;
  if (start + 64 > body.length) throw new TypeError('malformed ERC-6492 bytes');
  const length = BigInt('0x' + body.slice(start, start + 64));
  if (length > BigInt(body.length / 2)) throw new TypeError('malformed ERC-6492 bytes length');
  const end = start + 64 + Number(length) * 2;
  if (end > body.length) throw new TypeError('malformed ERC-6492 bytes length');
  return '0x' + body.slice(start + 64, end);
}
