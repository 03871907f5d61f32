/** Who sent a parsed message and whether they may: space id, author, alias link and signature, in Snapshot's order. */
import { and, eq, gte } from 'drizzle-orm';
import { ALIASABLE_KINDS, SPACE_REQUIRED_KINDS } from '../../schema/eip712.ts';
import { aliases } from '../../schema/tables.ts';
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import type { ParsedEnvelope } from './parse-envelope.ts';
import type { SpaceRecord } from './records.ts';
import { checksumAddress } from './checksum-address.ts';
import type { RecoverAddress } from './create-signature-pool.ts';
import { verifySignature } from './verify-signature.ts';

export type CheckSenderParameters = {
  db: Db;
  config: Config;
  /** Server time in seconds. */
  now: number;
  parsed: ParsedEnvelope;
  /** Loads a space, deleted or not (cached by the caller). */
  getSpace(id: string): Promise<SpaceRecord | null>;
  /** The signature check (default `verifySignature`); verify-log passes the recovery it already did. */
  verify?: typeof verifySignature;
  /** EOA recovery for the default check (the ingest path's worker pool); this thread's when absent. */
  recover?: RecoverAddress | undefined;
};

export type CheckSenderReturnType = {
  /** Checksummed author (`message.from`) and signer (`envelope.address`, an alias when they differ). */
  from: string;
  signer: string;
  spaceId: string;
  /** The named space when it exists and is not deleted. */
  space: SpaceRecord | null;
};

const SPACE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Throws a ClientError with Snapshot's reason when the sender may not send this message. */
export async function checkSender({ db, config, now, parsed, getSpace, verify = verifySignature, recover }: CheckSenderParameters): Promise<CheckSenderReturnType> {
  const { kind, message, envelope, id } = parsed;
  const spaceId = typeof message.space === 'string' ? message.space : '';
  if ('space' in message && !SPACE_ID.test(spaceId)) throw new ClientError('Invalid space id');
  if (!ADDRESS.test(message.from)) throw new ClientError('wrong envelope format');
  const from = checksumAddress(message.from);
  // Signed by the author (no alias) in all but a few messages: one checksum, not two.
  const signer = envelope.address === message.from ? from : checksumAddress(envelope.address);

  const spaceRecord = spaceId ? await getSpace(spaceId) : null;
  const space = spaceRecord && !spaceRecord.deleted ? spaceRecord : null;
  if (SPACE_REQUIRED_KINDS.has(kind) && !space) throw new ClientError('unknown space');

  if (signer !== from) {
    if (!ALIASABLE_KINDS.has(kind)) throw new ClientError(`alias not allowed for the type: ${kind}`);
    const [link] = await db
      .select({ alias: aliases.alias })
      .from(aliases)
      .where(and(eq(aliases.alias, signer), eq(aliases.address, from), gte(aliases.created, now - config.aliasMaxAge)));
    if (!link) throw new ClientError('wrong alias');
  }

  const signed = await verify({
    digest: id,
    signature: envelope.sig,
    signer,
    network: space?.settings.network ?? (envelope.data.domain.chainId ? String(envelope.data.domain.chainId) : undefined),
    rpcUrls: config.rpcUrls,
    recover,
  });
  if (!signed) throw new ClientError('signature validation failed');
  return { from, signer, spaceId, space };
}
