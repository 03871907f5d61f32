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
  /** Stored record for (space, voter), or undefined when none. */
  credential: MembershipCredentialRecord | null | undefined;
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
 * Runs the pure check first (no I/O when it fails), then asks the revocation checker (deny-list, cached status list).
 * A status list that cannot be read fails the vote with a retryable `status list unavailable`.
 */
export async function checkVoter(parameters: CheckVoterParameters): Promise<CheckVoterReturnType> {
  const { policy, credential } = parameters;
  if (!policy?.required) return { ok: true };
  if (!credential) return { ok: false, error: new NoCredentialError() };
  const base = {
    credential,
    proposalStart: parameters.proposalStart,
    voteTime: parameters.voteTime,
    space: parameters.space,
    address: parameters.voter,
    policy,
  };
  const beforeRevocation = checkMembership({ ...base, revocation: { revoked: false } });
  if (!beforeRevocation.ok) return beforeRevocation;
  try {
    const revocation = await parameters.revocation.check(credential);
    if (revocation.revoked) return { ok: false, error: new CredentialRevokedError(revocation.source) };
    return {
      ok: true,
      credentialId: credential.id,
      ...(revocation.statusListHash ? { statusListHash: revocation.statusListHash } : {}),
    };
  } catch (error) {
    if (error instanceof IdentityError) return { ok: false, error };
    throw error;
  }
}
