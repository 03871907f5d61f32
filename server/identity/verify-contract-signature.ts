/** EIP-1271 check of a signature made by a contract account (e.g. a Safe) over a 32-byte digest. */
import { encodeIsValidSignature, encodeIsValidSignatureLegacy, SELECTORS } from '../chain/abi.ts';
import { RpcError } from '../chain/errors.ts';
import type { RpcClient } from '../chain/rpc-client.ts';

export type VerifyContractSignatureParameters = {
  rpc: RpcClient;
  /** The contract account that claims to have signed. */
  address: string;
  /** The signed digest (e.g. the EIP-712 hash of a Snapshot message), 0x + 64 hex. */
  digest: string;
  signature: string;
  /** Block to evaluate at (the result depends on chain state: owners, approved messages); default latest. */
  block?: number | 'latest';
};

export type VerifyContractSignatureReturnType = boolean;

/**
 * Calls `isValidSignature(bytes32,bytes)` (magic 0x1626ba7e), then the legacy `isValidSignature(bytes,bytes)`
 * with `_data = digest` (magic 0x20c13b0b). A revert, an empty answer or another value means invalid;
 * transport failures and timeouts throw.
 */
export async function verifyContractSignature(
  parameters: VerifyContractSignatureParameters,
): Promise<VerifyContractSignatureReturnType> {
  const { rpc, address, digest, signature } = parameters;
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest)) throw new TypeError('digest must be 32 bytes of hex');
  if (!/^0x([0-9a-fA-F]{2})*$/.test(signature)) throw new TypeError('signature must be hex');
  const blockTag = parameters.block === undefined || parameters.block === 'latest' ? 'latest' : '0x' + parameters.block.toString(16);

  const current = encodeIsValidSignature(digest, signature);
  if (await returnsMagic(rpc, address, current, blockTag, SELECTORS.isValidSignature)) return true;

  const legacy = encodeIsValidSignatureLegacy(digest, signature);
  return returnsMagic(rpc, address, legacy, blockTag, SELECTORS.isValidSignatureLegacy);
}

async function returnsMagic(rpc: RpcClient, to: string, data: string, blockTag: string, magic: string): Promise<boolean> {
  let result: string;
  try {
    result = await rpc.request<string>('eth_call', [{ to, data }, blockTag]);
  } catch (error) {
    if (error instanceof RpcError) return false;
    throw error;
  }
  return result.length >= 66 && result.slice(0, 10).toLowerCase() === magic;
}
