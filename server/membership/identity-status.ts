/** Whether an address may vote in a space now: the answer `identity(space, address)` gives in GraphQL. */
import { getAddress } from '@ethersproject/address';
import { ClientError } from '../errors.ts';
import { checkVoter } from '../identity/check-voter.ts';
import type { MembershipCredentialRecord } from '../identity/verify-credential.ts';
import { loadSpace } from '../ingest/records.ts';
import { loadVoterCredentials } from './credential-store.ts';
import { withDenyList } from './check-vote-identity.ts';
import type { Membership } from './create-membership.ts';

export type IdentityStatus = {
  space: string;
  address: string;
  required: boolean;
  status: 'valid' | 'invalid' | 'none';
  reason: string | null;
  credential: MembershipCredentialRecord | null;
};

export type IdentityStatusParameters = { space: string; address: string; now?: number };

/** Checks the stored credentials (fresh from the database) at `now`, as a vote cast now on a proposal starting now. */
export async function identityStatus(membership: Membership, parameters: IdentityStatusParameters): Promise<IdentityStatus | null> {
  const now = parameters.now ?? Math.floor(Date.now() / 1000);
  if (!/^0x[0-9a-fA-F]{40}$/.test(parameters.address)) throw new ClientError('address must be a 0x address');
  const address = getAddress(parameters.address);
  const space = await loadSpace(membership.db, parameters.space);
  if (!space || space.deleted) return null;
  const policy = space.settings.identity;
  if (!policy) {
    return { space: space.id, address, required: false, status: 'none', reason: 'this space does not use membership credentials', credential: null };
  }
  const stored = await loadVoterCredentials(membership.db, space.id, address);
  const result = await checkVoter({
    policy: { ...policy, required: true },
    space: space.id,
    voter: address,
    credentials: stored.credentials,
    proposalStart: now,
    voteTime: now,
    revocation: withDenyList(membership, stored.denied),
  });
  const base = { space: space.id, address, required: policy.required };
  if (result.ok) {
    const credential = stored.credentials.find((candidate) => candidate.id === result.credentialId) ?? null;
    return { ...base, status: 'valid', reason: null, credential };
  }
  return { ...base, status: 'invalid', reason: result.error.message, credential: stored.credentials[0] ?? null };
}
