/** Per-vote membership check on a stored credential record: pure, no crypto, no I/O. */
import {
  CredentialExpiredError,
  CredentialNotYetValidError,
  CredentialRevokedError,
  CredentialTooOldError,
  NoCredentialError,
  WrongSpaceError,
  WrongSubjectError,
} from './errors.ts';
import type { IdentityError } from './errors.ts';
import type { RevocationState } from './revocation.ts';
import type { MembershipCredentialRecord } from './verify-credential.ts';

export type CheckMembershipParameters = {
  /** The record stored at submission for (space, voter address), or undefined when there is none. */
  credential: Pick<MembershipCredentialRecord, 'id' | 'address' | 'space' | 'issuedAt' | 'validFrom' | 'expiresAt'> | null | undefined;
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
  /** The space policy's `maxAge`: the credential must be at most this old at vote time. */
  maxAge?: number;
};

export type CheckMembershipReturnType = { ok: true } | { ok: false; error: IdentityError };

/** Valid at the proposal start AND at the vote time (validFrom ≤ t < expiresAt), not revoked, right voter and space. */
export function checkMembership(parameters: CheckMembershipParameters): CheckMembershipReturnType {
  const { credential, proposalStart, voteTime, revocation } = parameters;
  if (!credential) return { ok: false, error: new NoCredentialError() };
  if (parameters.address !== undefined && parameters.address.toLowerCase() !== credential.address.toLowerCase()) {
    return { ok: false, error: new WrongSubjectError(`credential is for ${credential.address}`) };
  }
  if (parameters.space !== undefined && parameters.space.toLowerCase() !== credential.space.toLowerCase()) {
    return { ok: false, error: new WrongSpaceError(`credential is for space ${credential.space}`) };
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
  if (parameters.maxAge !== undefined && voteTime - credential.issuedAt > parameters.maxAge) {
    return { ok: false, error: new CredentialTooOldError(`issued at ${credential.issuedAt}, maxAge ${parameters.maxAge}s`) };
  }
  return { ok: true };
}
