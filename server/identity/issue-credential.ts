/** Issues a membership VC-JWT (VCDM 1.1) for an address in a space; used by the issuer CLI and tests. */
import { randomUUID } from 'node:crypto';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import type { JwtCredentialPayload } from 'did-jwt-vc';
import { toPkhDid } from './did.ts';
import type { IssuerSigner } from './issuer-key.ts';
import { DEFAULT_CREDENTIAL_TYPE } from './policy.ts';

export const VC_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1';
export const MAX_CREDENTIAL_DAYS = 366;

export type IssueMembershipCredentialParameters = {
  issuer: IssuerSigner;
  /** Space id, written to `credentialSubject.membership.space`. */
  space: string;
  /** Member's EVM address; the subject becomes `did:pkh:eip155:<chainId>:<address>`. */
  address: string;
  chainId?: number;
  /** Unix seconds; default now. Written as both `iat` and `nbf`. */
  validFrom?: number;
  /** Validity in days from `validFrom` (default 90). */
  days?: number;
  credentialType?: string;
  role?: string;
  /** StatusList2021 entry; both or neither. */
  statusListUrl?: string;
  statusListIndex?: number;
  /** Default `urn:uuid:<random>`. */
  jti?: string;
};

/** Returns the signed VC-JWT. */
export async function issueMembershipCredential(parameters: IssueMembershipCredentialParameters): Promise<string> {
  const { issuer, space, chainId = 1, days = 90, role = 'member' } = parameters;
  const validFrom = parameters.validFrom ?? Math.floor(Date.now() / 1000);
  if (!space) throw new Error('space is required');
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new Error('chain id must be a positive integer');
  if (!(days > 0 && days <= MAX_CREDENTIAL_DAYS)) throw new Error(`days must be in (0, ${MAX_CREDENTIAL_DAYS}]`);
  if ((parameters.statusListUrl === undefined) !== (parameters.statusListIndex === undefined)) {
    throw new Error('give both the status list URL and the index, or neither');
  }
  if (parameters.statusListIndex !== undefined && !(Number.isSafeInteger(parameters.statusListIndex) && parameters.statusListIndex >= 0)) {
    throw new Error('status list index must be a non-negative integer');
  }

  const payload: JwtCredentialPayload = {
    sub: toPkhDid(parameters.address, chainId),
    iat: validFrom,
    nbf: validFrom,
    exp: validFrom + Math.round(days * 86400),
    jti: parameters.jti ?? `urn:uuid:${randomUUID()}`,
    vc: {
      '@context': [VC_CONTEXT_V1],
      type: ['VerifiableCredential', parameters.credentialType ?? DEFAULT_CREDENTIAL_TYPE],
      credentialSubject: { membership: { space, role } },
    },
  };
  if (parameters.statusListUrl !== undefined && parameters.statusListIndex !== undefined) {
    const index = String(parameters.statusListIndex);
    const credentialStatus = {
      id: `${parameters.statusListUrl}#${index}`,
      type: 'StatusList2021Entry',
      statusPurpose: 'revocation',
      statusListIndex: index,
      statusListCredential: parameters.statusListUrl,
    };
    payload.vc.credentialStatus = credentialStatus;
  }
  // did-jwt-vc writes issuer.alg into the JWT header (without it the header would claim ES256K).
  return createVerifiableCredentialJwt(payload, issuer);
}
