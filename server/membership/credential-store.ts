/** Stored membership credentials: one indexed read per (space, address), with the deny-list state alongside. */
import { sql } from 'drizzle-orm';
import { credentials } from '../../schema/identity-tables.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import type { MembershipCredentialRecord } from '../identity/verify-credential.ts';

/** A voter's credentials for one space, and which of their ids a space admin has revoked. */
export type VoterCredentials = { credentials: MembershipCredentialRecord[]; denied: string[] };

type CredentialRow = {
  space: string;
  id: string;
  address: string;
  issuer: string;
  chain_id: string | number;
  credential_type: string;
  issued_at: string | number;
  valid_from: string | number;
  expires_at: string | number;
  status_list_url: string | null;
  status_list_index: number | null;
  jwt: string;
  denied?: boolean;
};

/** The columns of `credentials c` a record is made of. */
const COLUMNS = sql`c.space, c.id, c.address, c.issuer, c.chain_id, c.credential_type, c.issued_at, c.valid_from,
  c.expires_at, c.status_list_url, c.status_list_index, c.jwt`;

/** A stored row as the record the identity checks take. */
export function credentialRecord(row: CredentialRow): MembershipCredentialRecord {
  return {
    id: row.id,
    issuer: row.issuer,
    address: row.address,
    chainId: Number(row.chain_id),
    space: row.space,
    credentialType: row.credential_type,
    issuedAt: Number(row.issued_at),
    validFrom: Number(row.valid_from),
    expiresAt: Number(row.expires_at),
    ...(row.status_list_url !== null && row.status_list_index !== null
      ? { statusListUrl: row.status_list_url, statusListIndex: row.status_list_index }
      : {}),
    jwt: row.jwt,
  };
}

/** Every credential of `address` in `space` (address checksummed), each flagged when its jti is deny-listed. */
export async function loadVoterCredentials(db: Db, space: string, address: string): Promise<VoterCredentials> {
  const [found] = await loadVotersCredentials(db, [{ space, address }]);
  return found;
}

/** `loadVoterCredentials` for many (space, address) pairs in one indexed query; results in the order of `keys`. */
export async function loadVotersCredentials(
  db: Db,
  keys: ReadonlyArray<{ space: string; address: string }>,
): Promise<VoterCredentials[]> {
  if (keys.length === 0) return [];
  const rows = await queryRows<CredentialRow & { position: string | number }>(db, sql`
    SELECT k.position, ${COLUMNS}, r.jti IS NOT NULL AS denied
      FROM unnest(${sql.param(keys.map((key) => key.space))}::text[], ${sql.param(keys.map((key) => key.address))}::text[])
           WITH ORDINALITY AS k(space, address, position)
      JOIN credentials c ON c.space = k.space AND c.address = k.address
      LEFT JOIN revoked_credentials r ON r.space = c.space AND r.jti = c.id
     ORDER BY k.position, c.expires_at DESC, c.id`);
  const found = keys.map((): VoterCredentials => ({ credentials: [], denied: [] }));
  for (const row of rows) {
    const entry = found[Number(row.position) - 1];
    entry.credentials.push(credentialRecord(row));
    if (row.denied) entry.denied.push(row.id);
  }
  return found;
}

/** Stores a verified credential; returns the stored record (the earlier one when the same JWT was sent before), or null when its id is taken by another JWT. */
export async function storeCredential(db: Db, record: MembershipCredentialRecord, submitted: number): Promise<MembershipCredentialRecord | null> {
  await db
    .insert(credentials)
    .values({
      space: record.space,
      id: record.id,
      address: record.address,
      issuer: record.issuer,
      chainId: record.chainId,
      credentialType: record.credentialType,
      issuedAt: record.issuedAt,
      validFrom: record.validFrom,
      expiresAt: record.expiresAt,
      statusListUrl: record.statusListUrl ?? null,
      statusListIndex: record.statusListIndex ?? null,
      jwt: record.jwt,
      submitted,
    })
    .onConflictDoNothing();
  const [row] = await queryRows<CredentialRow>(db, sql`
    SELECT ${COLUMNS} FROM credentials c WHERE c.space = ${record.space} AND c.id = ${record.id}`);
  return row && row.jwt === record.jwt ? credentialRecord(row) : null;
}

/** Loads stored credentials by (space, id) pairs, for `Vote.identity`. */
export async function loadCredentialsByIds(db: Db, keys: ReadonlyArray<{ space: string; id: string }>): Promise<MembershipCredentialRecord[]> {
  if (keys.length === 0) return [];
  const rows = await queryRows<CredentialRow>(db, sql`
    SELECT ${COLUMNS}
      FROM unnest(${sql.param(keys.map((key) => key.space))}::text[], ${sql.param(keys.map((key) => key.id))}::text[]) AS k(space, id)
      JOIN credentials c ON c.space = k.space AND c.id = k.id`);
  return rows.map(credentialRecord);
}
