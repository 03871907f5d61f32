/** Whether `signer` signed the digest: an EOA by recovery, else a contract account (Safe) by EIP-1271 / ERC-6492. */
import type { RpcUrls } from '../scoring/strategy.ts';
import { sharedRpcPool } from '../chain/rpc-pool.ts';
import { UnavailableError } from '../errors.ts';
import { parseErc6492Signature } from '../identity/parse-erc6492-signature.ts';
import { verifyContractSignature } from '../identity/verify-contract-signature.ts';
import { verifyErc6492Signature } from '../identity/verify-erc6492-signature.ts';
import type { RecoverAddress } from './create-signature-pool.ts';
import { recoverAddressHex } from './recover-signer.ts';

export type VerifySignatureParameters = {
  digest: string;
  signature: string;
  signer: string;
  /** The network the signer's contract lives on (the space's); contract signatures need its RPC URL. */
  network: string | undefined;
  rpcUrls: RpcUrls;
  /** EOA recovery (default `recoverAddressHex` on this thread; the ingest path passes its worker pool's). */
  recover?: RecoverAddress | undefined;
};

/**
 * Checks an EOA signature locally; otherwise asks the signer's contract (`isValidSignature`, both forms;
 * `0x` for messages a Safe approved on chain). A signature with the ERC-6492 suffix may come from a contract
 * not deployed yet: its deployment is simulated in the same `eth_call`. A chain that cannot be reached is a
 * 503, not a refusal.
 */
export async function verifySignature({ digest, signature, signer, network, rpcUrls, recover }: VerifySignatureParameters): Promise<boolean> {
  const recovered = recover ? await recover(digest, signature) : recoverAddressHex(digest, signature);
  if (recovered === signer.toLowerCase()) return true;
  const url = network ? rpcUrls[network] : undefined;
  if (!url) return false;
  let wrapped;
  try {
    wrapped = parseErc6492Signature(signature);
  } catch {
    return false;
  }
  const rpc = sharedRpcPool.get(url);
  try {
    return wrapped
      ? await verifyErc6492Signature({ rpc, address: signer, digest, ...wrapped })
      : await verifyContractSignature({ rpc, address: signer, digest, signature });
  } catch (error) {
    throw new UnavailableError('could not reach the chain to check a contract signature', 5, { cause: error });
  }
}
