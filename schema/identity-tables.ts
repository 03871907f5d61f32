/** Identity tables: membership credentials (verified once, at submission), the jti deny-list, SIWE nonces. */
import { bigint, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Verified membership credentials, indexed by (space, address). A voter may hold several (renewals): all are
 * kept, and the vote check passes when one of them passes.
 */
export const credentials = pgTable(
  'credentials',
  {
    space: text('space').notNull(),
    /** The credential's `jti`. */
    id: text('id').notNull(),
    /** Checksummed member address from the `did:pkh` subject. */
    address: text('address').notNull(),
    issuer: text('issuer').notNull(),
    chainId: bigint('chain_id', { mode: 'number' }).notNull(),
    credentialType: text('credential_type').notNull(),
    issuedAt: bigint('issued_at', { mode: 'number' }).notNull(),
    validFrom: bigint('valid_from', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    statusListUrl: text('status_list_url'),
    statusListIndex: integer('status_list_index'),
    /** The VC-JWT as submitted, so anyone can re-verify it offline. */
    jwt: text('jwt').notNull(),
    /** Server time of the submission, Unix seconds. */
    submitted: bigint('submitted', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'credentials_pkey', columns: [t.space, t.id] }), index('credentials_space_address').on(t.space, t.address)],
);

/** Credentials a space admin killed by `jti`: effective at once, before any status list says so. */
export const revokedCredentials = pgTable(
  'revoked_credentials',
  {
    space: text('space').notNull(),
    jti: text('jti').notNull(),
    /** Checksummed address of the admin (SIWE session) who revoked it. */
    revokedBy: text('revoked_by').notNull(),
    revokedAt: bigint('revoked_at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'revoked_credentials_pkey', columns: [t.space, t.jti] })],
);

/** Sign-In with Ethereum nonces: issued by the server, consumed once (atomically) by a login. */
export const siweNonces = pgTable(
  'siwe_nonces',
  {
    nonce: text('nonce').primaryKey(),
    /** Milliseconds since the epoch. */
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    usedAt: bigint('used_at', { mode: 'number' }),
  },
  (t) => [index('siwe_nonces_expires_at').on(t.expiresAt)],
);
