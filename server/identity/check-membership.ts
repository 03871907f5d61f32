/** Per-vote membership check on a stored credential record: pure, no crypto, no I/O. */
import {
  CredentialExpiredError,
  CredentialNotYetValidError,
  CredentialRevokedError,
  CredentialTooOldError,
  NoCredentialError,
  UntrustedIssuerError,
  WrongCredentialTypeError,
  WrongSpaceError,
  WrongSubjectError,
} from './errors.ts';
import type { IdentityError } from './errors.ts';
import type { IdentityPolicy } from './policy.ts';
import type { RevocationState } from './revocation.ts';
import type { MembershipCredentialRecord } from './verify-credential.ts';

export type CheckMembershipParameters = {
  /** The record stored at submission for (space, voter address), or undefined when there is none. */
  credential:
    | Pick<MembershipCredentialRecord, 'id' | 'issuer' | 'address' | 'space' | 'credentialType' | 'issuedAt' | 'validFrom' | 'expiresAt'>
    | null
    | undefined;
  /** Proposal `start`, Unix seconds. */
  proposalStart: number;
  /** Vote `timestamp`, Unix seconds. */
  voteTime: number;
  /** From RevocationChecker.check (deny-list and status list). */
  revocation: RevocationState;
  /** When given, the record must be for this space (compared case-insensitively). */
  space?: string;
  /** When given (the recovered vote signer), the record must be for this address. */
  address?: string;
  /**
   * The space's current policy (recommended): the issuer must still be trusted (so removing an issuer takes effect
   * for credentials already stored), the type must still match, and `maxAge` is counted at vote time.
   */
  policy?: Pick<IdentityPolicy, 'trustedIssuers' | 'credentialType' | 'maxAge'>;
};

export type CheckMembershipReturnType = { ok: true } | { ok: false; error: IdentityError };

/**
 * Right voter and space, issuer still trusted, not revoked, and valid at the proposal start AND at the vote time
 * (validFrom ≤ t < expiresAt, no skew). Returns the first failure as a typed error; never throws.
 */
export function checkMembership(parameters: CheckMembershipParameters): CheckMembershipReturnType {
  const { credential, proposalStart, voteTime, revocation } = parameters;
  if (!credential) return { ok: false, error: new NoCredentialError() };
  if (parameters.address !== undefined && parameters.address.toLowerCase() !== credential.address.toLowerCase()) {
    return { ok: false, error: new WrongSubjectError(`credential is for ${credential.address}`) };
  }
  if (parameters.space !== undefined && parameters.space.toLowerCase() !== credential.space.toLowerCase()) {
    return { ok: false, error: new WrongSpaceError(`credential is for space ${credential.space}`) };
  }
  const { policy } = parameters;
  if (policy && !policy.trustedIssuers.includes(credential.issuer)) {
    return { ok: false, error: new UntrustedIssuerError(`${credential.issuer} is no longer trusted`) };
  }
  if (policy && credential.credentialType !== policy.credentialType) {
    return { ok: false, error: new WrongCredentialTypeError(`expected ${policy.credentialType}`) };
  }
  if (revocation.revoked) return { ok: false, error: new CredentialRevokedError(revocation.source) };
  for (const [label, instant] of [['proposal start', proposalStart], ['vote time', voteTime]] as const) {
    if (instant < credential.validFrom) {
      return { ok: false, error: new CredentialNotYetValidError(`valid from ${credential.validFrom}, ${label} ${instant}`) };
    }
    if (instant >= credential.expiresAt) {
      return { ok: false, error: new CredentialExpiredError(`expired at ${credential.expiresAt}, ${label} ${instant}`) };
    }
  }
  if (policy?.maxAge !== undefined && voteTime - credential.issuedAt > policy.maxAge) {
    return { ok: false, error: new CredentialTooOldError(`issued at ${credential.issuedAt}, maxAge ${policy.maxAge}s`) };
  }
  return { ok: true };
}
