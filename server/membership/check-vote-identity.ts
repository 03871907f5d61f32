/** The per-vote membership check: one cached indexed read of the voter's credentials, then `checkVoter`. */
import { checkVoter } from '../identity/check-voter.ts';
import type { IdentityPolicy } from '../identity/policy.ts';
import type { RevocationChecker } from '../identity/revocation.ts';
import type { Membership } from './create-membership.ts';
import { identityClientError } from './identity-client-error.ts';

export type CheckVoteIdentityParameters = {
  policy: IdentityPolicy | undefined;
  space: string;
  /** Checksummed address the vote speaks for. */
  voter: string;
  proposalStart: number;
  /** When the vote is cast (server time of acceptance), Unix seconds. */
  voteTime: number;
};

/** What is stored with the vote: the credential that passed and the status list consulted (null when no check applied). */
export type VoteIdentity = { credentialId: string | null; statusListHash: string | null };

/** Passes everyone when the space does not require identity; otherwise throws a ClientError with the reason. */
export async function checkVoteIdentity(membership: Membership, parameters: CheckVoteIdentityParameters): Promise<VoteIdentity> {
  const { policy, space, voter } = parameters;
  if (!policy?.required) return { credentialId: null, statusListHash: null };
  const stored = await membership.voterCredentials(space, voter);
  const result = await checkVoter({
    policy,
    space,
    voter,
    credentials: stored.credentials,
    proposalStart: parameters.proposalStart,
    voteTime: parameters.voteTime,
    revocation: withDenyList(membership, stored.denied),
  });
  if (!result.ok) throw identityClientError(result.error);
  return { credentialId: result.credentialId ?? null, statusListHash: result.statusListHash ?? null };
}

/** Revocation as the space sees it: its deny-list (read with the credentials) first, then the issuer's status list. */
export function withDenyList(membership: Membership, denied: readonly string[]): Pick<RevocationChecker, 'check'> {
  const ids = new Set(denied);
  return {
    check: async (credential) => (ids.has(credential.id) ? { revoked: true, source: 'deny-list' } : membership.statusLists.check(credential)),
  };
}
