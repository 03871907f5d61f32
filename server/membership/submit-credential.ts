/** Verifies a submitted membership credential once and stores it; a refused credential writes nothing. */
import { eq, and } from 'drizzle-orm';
import { revokedCredentials } from '../../schema/identity-tables.ts';
import { ClientError } from '../errors.ts';
import { IdentityError } from '../identity/errors.ts';
import { verifyMembershipCredential, type MembershipCredentialRecord } from '../identity/verify-credential.ts';
import { loadSpace } from '../ingest/records.ts';
import { storeCredential } from './credential-store.ts';
import type { Membership } from './create-membership.ts';
import { identityClientError } from './identity-client-error.ts';

export type SubmitCredentialParameters = { space: unknown; jwt: unknown; now?: number };

/**
 * Checks the VC-JWT against the space's current identity policy (trust, signature, type, subject, space, time,
 * status entry, deny-list and status list), then stores it under (space, subject address). Sending the same JWT
 * again returns the stored record. Throws a ClientError with the reason.
 */
export async function submitCredential(
  membership: Membership,
  { space: spaceId, jwt, now = Math.floor(Date.now() / 1000) }: SubmitCredentialParameters,
): Promise<MembershipCredentialRecord> {
  const { db } = membership;
  if (typeof spaceId !== 'string' || spaceId === '' || spaceId.length > 64) throw new ClientError('unknown space');
  const space = await loadSpace(db, spaceId);
  if (!space || space.deleted) throw new ClientError('unknown space');
  const policy = space.settings.identity;
  if (!policy) throw new ClientError('this space does not use membership credentials');
  let record: MembershipCredentialRecord;
  try {
    record = await verifyMembershipCredential({
      jwt: typeof jwt === 'string' ? jwt : undefined,
      space: space.id,
      policy,
      resolver: membership.resolver,
      now,
      checkRevocation: async (candidate) => {
        const [denied] = await db
          .select({ jti: revokedCredentials.jti })
          .from(revokedCredentials)
          .where(and(eq(revokedCredentials.space, space.id), eq(revokedCredentials.jti, candidate.id)));
        if (denied) return { revoked: true, source: 'deny-list' };
        return membership.statusLists.check(candidate);
      },
    });
  } catch (error) {
    if (error instanceof IdentityError) throw identityClientError(error);
    throw error;
  }
  const stored = await storeCredential(db, record, now);
  if (!stored) throw new ClientError('credential id already used by another credential');
  membership.invalidate(stored.space, stored.address);
  return stored;
}
