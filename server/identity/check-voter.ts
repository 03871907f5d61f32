/** The call the vote path makes: policy switch, pure membership check, then the (cached) revocation lookup. */
import { checkMembership } from './check-membership.ts';
import { CredentialRevokedError, IdentityError, NoCredentialError } from './errors.ts';
import type { IdentityPolicy } from './policy.ts';
import type { RevocationChecker } from './revocation.ts';
import type { MembershipCredentialRecord } from './verify-credential.ts';

export type CheckVoterParameters = {
  /** The space's parsed `identity` policy; when absent or not required, everyone passes. */
  policy: IdentityPolicy | undefined;
  space: string;
  /** Address recovered from the EIP-712 vote signature. */
  voter: string;
  /**
   * Every stored record for (space, voter): a renewed credential must not knock out the older one that was valid
   * at an earlier proposal's start. Empty when none.
   */
  credentials: readonly MembershipCredentialRecord[];
  /** Proposal `start` and vote `timestamp`, Unix seconds. */
  proposalStart: number;
  voteTime: number;
  revocation: Pick<RevocationChecker, 'check'>;
};

export type CheckVoterReturnType =
  | {
      ok: true;
      /** Credential `jti` and status-list hash to store with the vote for audit; absent when no check applied. */
      credentialId?: string;
      statusListHash?: string;
    }
  | { ok: false; error: IdentityError };

/**
 * Passes when one of the voter's stored credentials passes: pure check first (no I/O when it fails), then the
 * revocation checker (deny-list, cached status list). A status list that cannot be read fails the vote with a
 * retryable `status list unavailable`.
 */
export async function checkVoter(parameters: CheckVoterParameters): Promise<CheckVoterReturnType> {
  const { policy } = parameters;
  if (!policy?.required) return { ok: true };
  if (parameters.credentials.length === 0) return { ok: false, error: new NoCredentialError() };
  // Most recent expiry first; the answer reported on failure is the one about that credential.
  const candidates = [...parameters.credentials].sort((a, b) => b.expiresAt - a.expiresAt || a.id.localeCompare(b.id));
  let firstError: IdentityError | undefined;
  for (const credential of candidates) {
    const pure = checkMembership({
      credential,
      proposalStart: parameters.proposalStart,
      voteTime: parameters.voteTime,
      space: parameters.space,
      address: parameters.voter,
      policy,
      revocation: { revoked: false },
    });
    if (!pure.ok) {
      firstError ??= pure.error;
      continue;
    }
    let revocation;
    try {
      revocation = await parameters.revocation.check(credential);
    } catch (error) {
      // Fail closed: an unreadable status list rejects the vote (retryable), it does not skip the check.
      if (error instanceof IdentityError) return { ok: false, error };
      throw error;
    }
    if (revocation.revoked) {
      firstError ??= new CredentialRevokedError(revocation.source);
      continue;
    }
    return {
      ok: true,
      credentialId: credential.id,
      ...(revocation.statusListHash ? { statusListHash: revocation.statusListHash } : {}),
    };
  }
  return { ok: false, error: firstError ?? new NoCredentialError() };
}
