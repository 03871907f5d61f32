/** Splits and verifies owner signatures of a safeTxHash the way the Safe (and its Transaction Service) reads them. */
import { getAddress, hashMessage, isHex, recoverAddress, type Hex, type PublicClient } from 'viem';
import { ClientError } from '../server/errors.ts';
import { SAFE_ABI } from './safe-contracts.ts';

export type SafeSignatureType = 'EOA' | 'ETH_SIGN' | 'APPROVED_HASH';

export type VerifiedSignature = { owner: string; signature: string; signatureType: SafeSignatureType };

export type VerifySafeSignaturesParameters = {
  client: PublicClient;
  safe: string;
  safeTxHash: string;
  /** One or more 65-byte signatures, concatenated. */
  signatures: string;
  /** The Safe's current owners, read from chain. */
  owners: readonly string[];
};

/**
 * Each 65-byte item by its `v`: 27/28 EIP-712 (ecrecover of the safeTxHash), > 30 eth_sign (ecrecover of
 * the EIP-191 hash, v − 4), 1 approved hash (the owner in `r`, `approvedHashes` checked on chain).
 * Contract signatures (v = 0) are not supported. Throws a 422 ClientError for any invalid item or non-owner.
 */
export async function verifySafeSignatures({ client, safe, safeTxHash, signatures, owners }: VerifySafeSignaturesParameters): Promise<VerifiedSignature[]> {
  if (!isHex(signatures) || signatures.length < 132 || (signatures.length - 2) % 130 !== 0) {
    throw new ClientError('signature must be one or more 65-byte signatures', 422);
  }
  const ownerSet = new Set(owners.map((owner) => owner.toLowerCase()));
  const result: VerifiedSignature[] = [];
  for (let offset = 2; offset < signatures.length; offset += 130) {
    const item = `0x${signatures.slice(offset, offset + 130)}` as Hex;
    const r = item.slice(2, 66);
    const v = parseInt(item.slice(130, 132), 16);
    let owner: string;
    let signatureType: SafeSignatureType;
    try {
      if (v === 27 || v === 28) {
        owner = await recoverAddress({ hash: safeTxHash as Hex, signature: item });
        signatureType = 'EOA';
      } else if (v === 31 || v === 32) {
        const adjusted = `${item.slice(0, 130)}${(v - 4).toString(16)}` as Hex;
        owner = await recoverAddress({ hash: hashMessage({ raw: safeTxHash as Hex }), signature: adjusted });
        signatureType = 'ETH_SIGN';
      } else if (v === 1) {
        owner = getAddress(`0x${r.slice(24)}`);
        signatureType = 'APPROVED_HASH';
      } else if (v === 0) {
        throw new ClientError('contract signatures (EIP-1271 owners) are not supported', 422);
      } else {
        throw new ClientError(`signature has an unknown v = ${v}`, 422);
      }
    } catch (error) {
      if (error instanceof ClientError) throw error;
      throw new ClientError('signature is not valid', 422);
    }
    if (!ownerSet.has(owner.toLowerCase())) throw new ClientError(`signer ${owner} is not an owner of the Safe`, 422);
    if (signatureType === 'APPROVED_HASH') {
      const approved = await client.readContract({ address: safe as Hex, abi: SAFE_ABI, functionName: 'approvedHashes', args: [owner as Hex, safeTxHash as Hex] });
      if (approved === 0n) throw new ClientError(`owner ${owner} has not approved this hash on chain`, 422);
    }
    if (result.some((entry) => entry.owner === owner)) continue;
    result.push({ owner: getAddress(owner), signature: item, signatureType });
  }
  return result;
}
