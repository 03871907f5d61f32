/** ERC-6492 check of a signature by a contract account that may not be deployed yet (a counterfactual Safe). */
import {
  decodeAggregate3,
  encodeAggregate3,
  encodeIsValidSignature,
  encodeIsValidSignatureLegacy,
  SELECTORS,
  toBlockTag,
  type Call3Result,
} from '../chain/abi.ts';
import { RpcError } from '../chain/errors.ts';
import { MULTICALL3_ADDRESS } from '../chain/read-contracts.ts';
import type { RpcClient } from '../chain/rpc-client.ts';
import { verifyContractSignature } from './verify-contract-signature.ts';

export type VerifyErc6492SignatureParameters = {
  rpc: RpcClient;
  /** The contract account that claims to have signed (deployed or counterfactual). */
  address: string;
  /** The signed digest, 0x + 64 hex. */
  digest: string;
  /** The unwrapped parts (see parseErc6492Signature). */
  factory: string;
  factoryCalldata: string;
  signature: string;
  /** Block to evaluate at; default latest. */
  block?: number | 'latest';
  /** Multicall3 on the signer's chain; default its canonical address. */
  multicallAddress?: string;
};

export type VerifyErc6492SignatureReturnType = boolean;

/**
 * A deployed account is asked with EIP-1271 as usual (the wrapper is ignored). An undeployed one is deployed and
 * asked in one simulated `eth_call` through Multicall3 `aggregate3`: [factory call, isValidSignature (both
 * forms)]; nothing is sent to the chain. Valid only when the factory call succeeds and the signer, now with the
 * code that call put there, returns a magic value; a revert or a chain without Multicall3 means invalid;
 * transport failures throw.
 */
export async function verifyErc6492Signature(parameters: VerifyErc6492SignatureParameters): Promise<VerifyErc6492SignatureReturnType> {
  const { rpc, address, digest, factory, factoryCalldata, signature } = parameters;
  const blockTag = toBlockTag(parameters.block ?? 'latest');
  const code = await rpc.request<string>('eth_getCode', [address, blockTag]);
  if (code !== '0x') return verifyContractSignature({ rpc, address, digest, signature, block: parameters.block });

  const data = encodeAggregate3([
    { target: factory, allowFailure: true, callData: factoryCalldata },
    { target: address, allowFailure: true, callData: encodeIsValidSignature(digest, signature) },
    { target: address, allowFailure: true, callData: encodeIsValidSignatureLegacy(digest, signature) },
  ]);
  let returnData: string;
  try {
    returnData = await rpc.request<string>('eth_call', [{ to: parameters.multicallAddress ?? MULTICALL3_ADDRESS, data }, blockTag]);
  } catch (error) {
    if (error instanceof RpcError) return false;
    throw error;
  }
  // `0x`: no Multicall3 on this chain, so the deployment cannot be simulated here.
  if (returnData === '0x') return false;
  const [deployed, current, legacy] = decodeAggregate3(returnData);
  if (!deployed?.success) return false;
  // A call to an address without code succeeds with empty return data, so a factory call that deployed
  // anything other than the claimed signer (another salt, another owner set) can never produce the magic value.
  return returnsMagic(current, SELECTORS.isValidSignature) || returnsMagic(legacy, SELECTORS.isValidSignatureLegacy);
}

function returnsMagic(result: Call3Result | undefined, magic: string): boolean {
  return !!result && result.success && result.returnData.length >= 66 && result.returnData.slice(0, 10).toLowerCase() === magic;
}
