/** Verifies a membership VC-JWT once, when it is submitted, and normalises it into a storable record. */
import { decodeJWT } from 'did-jwt';
import type { JWTPayload } from 'did-jwt';
import type { Resolvable } from 'did-resolver';
import { verifyCredential } from 'did-jwt-vc';
import { canonicalDid, parsePkhDid } from './did.ts';
import {
  CredentialExpiredError,
  CredentialNotYetValidError,
  CredentialRevokedError,
  CredentialTooOldError,
  CredentialWithoutExpiryError,
  CredentialWithoutStatusError,
  IdentityError,
  InvalidCredentialError,
  InvalidCredentialSignatureError,
  IssuerUnresolvableError,
  NoCredentialError,
  UntrustedIssuerError,
  WrongCredentialTypeError,
  WrongSpaceError,
  WrongSubjectError,
} from './errors.ts';
import { isTrustedIssuer } from './policy.ts';
import type { IdentityPolicy } from './policy.ts';
import type { RevocationState } from './revocation.ts';

/** Longest VC-JWT accepted (a membership credential is about 1 KB). */
export const MAX_CREDENTIAL_LENGTH = 16 * 1024;

/**
 * A verified membership credential, ready to store in a table keyed by (space, address).
 * Times are Unix seconds, like proposal `start`/`end`.
 */
export type MembershipCredentialRecord = {
  /** `jti` of the credential. */
  id: string;
  /** Issuer DID in canonical form (did:pkh addresses checksummed). */
  issuer: string;
  /** Member address, EIP-55 checksummed, from the `did:pkh:eip155:<chainId>:<address>` subject. */
  address: string;
  /** Chain id of the subject did:pkh (EOAs are chain-agnostic; contract wallets are not). */
  chainId: number;
  space: string;
  credentialType: string;
  /** `iat`, else `nbf`. */
  issuedAt: number;
  /** `nbf`, else `iat`: first second the credential counts. */
  validFrom: number;
  /** `exp`: first second the credential no longer counts. */
  expiresAt: number;
  statusListUrl?: string;
  statusListIndex?: number;
  /** The VC-JWT as submitted, for the public log and offline re-verification. */
  jwt: string;
};

export type VerifyMembershipCredentialParameters = {
  /** The VC-JWT; empty or missing gives NoCredentialError. */
  jwt: string | null | undefined;
  /** The space the credential is submitted for (compared case-insensitively with the claim). */
  space: string;
  policy: IdentityPolicy;
  resolver: Resolvable;
  /** The instant to verify at, Unix seconds (submission time). The answer depends only on the inputs. */
  now: number;
  /** When known (uploader's SIWE address, vote signer), the subject must be this address. */
  address?: string;
  /** Optional status check at submission (status list and jti deny-list); revoked gives CredentialRevokedError. */
  checkRevocation?: (record: MembershipCredentialRecord) => Promise<RevocationState>;
};

/**
 * Checks, in order: present; well-formed; issuer trusted by the space (before any network resolution of the issuer);
 * signature (did-jwt, assertionMethod); credential type; subject is a did:pkh EVM address (and the expected one);
 * `credentialSubject.membership.space` equals the space; `exp` present; `nbf`/`iat`/`exp` with zero clock skew;
 * `maxAge`; StatusList2021 entry well-formed (and present unless the policy says otherwise); optionally revocation.
 * Throws the IdentityError for the first failing check.
 */
export async function verifyMembershipCredential(
  parameters: VerifyMembershipCredentialParameters,
): Promise<MembershipCredentialRecord> {
  const { jwt, space, policy, resolver, now } = parameters;
  if (typeof jwt !== 'string' || jwt.trim() === '') throw new NoCredentialError();
  if (jwt.length > MAX_CREDENTIAL_LENGTH) throw new InvalidCredentialError('credential is too long');
  if (!Number.isSafeInteger(now)) throw new TypeError('now must be Unix seconds');

  // 1. Decode without verifying, only to refuse untrusted issuers before resolving (fetching) their DID.
  let unverified: JWTPayload;
  try {
    unverified = decodeJWT(jwt).payload;
  } catch (error) {
    throw new InvalidCredentialError((error as Error).message);
  }
  if (typeof unverified.iss !== 'string' || !isTrustedIssuer(policy, unverified.iss)) {
    throw new UntrustedIssuerError(String(unverified.iss));
  }

  // 2. Signature and VC shape. Time checks are ours (step 6), done at `now` with no skew.
  let payload: JWTPayload;
  let issuer: string;
  try {
    const verified = await verifyCredential(jwt, resolver, {
      proofPurpose: 'assertionMethod',
      skewTime: 0,
      policies: { now, issuanceDate: false, expirationDate: false },
    });
    payload = verified.payload;
    issuer = verified.issuer;
  } catch (error) {
    throw mapVerificationError(error);
  }
  if (issuer !== unverified.iss || !isTrustedIssuer(policy, issuer)) throw new UntrustedIssuerError(issuer);

  const vc = payload.vc as Record<string, unknown> | undefined;
  if (typeof vc !== 'object' || vc === null) throw new InvalidCredentialError('no vc claim');

  // 3. Type.
  const types = Array.isArray(vc.type) ? vc.type : [vc.type];
  if (!types.includes(policy.credentialType)) throw new WrongCredentialTypeError(`expected ${policy.credentialType}`);

  // 4. Subject: an EVM account as did:pkh.
  const subject = typeof payload.sub === 'string' ? parsePkhDid(payload.sub) : undefined;
  if (!subject) throw new WrongSubjectError(`subject ${String(payload.sub)} is not a did:pkh:eip155 address`);
  const credentialSubject = vc.credentialSubject as Record<string, unknown> | undefined;
  if (typeof credentialSubject !== 'object' || credentialSubject === null) throw new InvalidCredentialError('no credentialSubject');
  if (credentialSubject.id !== undefined && credentialSubject.id !== payload.sub) {
    throw new WrongSubjectError('credentialSubject.id differs from sub');
  }
  if (parameters.address !== undefined && parameters.address.toLowerCase() !== subject.address.toLowerCase()) {
    throw new WrongSubjectError(`credential is for ${subject.address}`);
  }

  // 5. Space.
  const membership = credentialSubject.membership as Record<string, unknown> | undefined;
  const claimedSpace = typeof membership === 'object' && membership !== null ? membership.space : undefined;
  if (typeof claimedSpace !== 'string' || claimedSpace.toLowerCase() !== space.toLowerCase()) {
    throw new WrongSpaceError(`credential is for space ${String(claimedSpace)}`);
  }

  // 6. Time, skew 0: valid on [validFrom, expiresAt).
  if (payload.exp === undefined) throw new CredentialWithoutExpiryError();
  const { exp, nbf, iat } = payload;
  for (const [name, value] of [['exp', exp], ['nbf', nbf], ['iat', iat]] as const) {
    if (value !== undefined && !Number.isSafeInteger(value)) throw new InvalidCredentialError(`${name} is not a NumericDate`);
  }
  const validFrom = nbf ?? iat;
  const issuedAt = iat ?? nbf;
  if (validFrom === undefined || issuedAt === undefined) throw new InvalidCredentialError('neither nbf nor iat');
  if (exp <= validFrom) throw new InvalidCredentialError('exp is not after nbf');
  if (validFrom > now || issuedAt > now) throw new CredentialNotYetValidError(`valid from ${validFrom}, now ${now}`);
  if (exp <= now) throw new CredentialExpiredError(`expired at ${exp}, now ${now}`);
  if (policy.maxAge !== undefined && now - issuedAt > policy.maxAge) {
    throw new CredentialTooOldError(`issued at ${issuedAt}, maxAge ${policy.maxAge}s`);
  }

  // 7. Identifier and status entry.
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) {
    throw new InvalidCredentialError('credential has no id (jti)');
  }
  const status = parseStatusEntry(vc.credentialStatus);
  if (!status && policy.requireStatus) throw new CredentialWithoutStatusError();

  const record: MembershipCredentialRecord = {
    id: payload.jti,
    issuer: canonicalDid(issuer),
    address: subject.address,
    chainId: subject.chainId,
    space,
    credentialType: policy.credentialType,
    issuedAt,
    validFrom,
    expiresAt: exp,
    ...(status ? { statusListUrl: status.url, statusListIndex: status.index } : {}),
    jwt,
  };

  if (parameters.checkRevocation) {
    const state = await parameters.checkRevocation(record);
    if (state.revoked) throw new CredentialRevokedError(state.source);
  }
  return record;
}

/** The StatusList2021 entry, or undefined when absent; throws InvalidCredentialError when malformed. */
function parseStatusEntry(value: unknown): { url: string; index: number } | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) throw new InvalidCredentialError('credentialStatus is not an object');
  const entry = value as Record<string, unknown>;
  if (entry.type !== 'StatusList2021Entry') {
    throw new InvalidCredentialError(`unsupported credentialStatus type ${String(entry.type)}`);
  }
  if (entry.statusPurpose !== undefined && entry.statusPurpose !== 'revocation') {
    throw new InvalidCredentialError('statusPurpose must be revocation');
  }
  const indexText = entry.statusListIndex;
  if (typeof indexText !== 'string' || !/^(0|[1-9][0-9]{0,9})$/.test(indexText)) {
    throw new InvalidCredentialError('statusListIndex must be a non-negative integer string');
  }
  const url = entry.statusListCredential;
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new InvalidCredentialError('statusListCredential is not a URL');
  }
  if (typeof url !== 'string' || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new InvalidCredentialError('statusListCredential must be an http(s) URL');
  }
  return { url, index: Number(indexText) };
}

/**
 * did-jwt errors are plain Errors whose message starts with a code (`invalid_signature: …`). Header and payload were
 * already decoded, so an error without a code comes from the crypto libraries choking on the signature segment
 * (truncated, wrong length, out-of-range scalar): that is a bad signature too. Other coded errors (schema, format)
 * mean a malformed credential.
 */
function mapVerificationError(error: unknown): IdentityError {
  if (error instanceof IdentityError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('resolver_error')) {
    // unsupportedDidMethod: the server has no resolver for it (did:web/did:ethr not configured); retrying won't help.
    return new IssuerUnresolvableError(message, !message.includes('unsupportedDidMethod'));
  }
  if (message.startsWith('invalid_signature') || message.startsWith('no_suitable_keys') || !/^[a-z_]+:/.test(message)) {
    return new InvalidCredentialSignatureError(message);
  }
  return new InvalidCredentialError(message);
}
