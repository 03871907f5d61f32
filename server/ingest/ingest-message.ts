/** Takes one signed envelope through every check, writes it, and returns Snapshot's receipt. */
import { and, eq, gte } from 'drizzle-orm';
import { getAddress } from '@ethersproject/address';
import { ALIASABLE_KINDS, SPACE_REQUIRED_KINDS } from '../../schema/eip712.ts';
import { aliases, messages } from '../../schema/tables.ts';
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import type { ServiceKey } from '../service-key.ts';
import { contentId } from './content-id.ts';
import { KIND_MODULES } from './kinds/index.ts';
import type { Membership } from '../membership/create-membership.ts';
import type { LogWriter } from './log-writer.ts';
import { parseEnvelope } from './parse-envelope.ts';
import type { RecordCache } from './record-cache.ts';
import { loadProposal, loadSpace, type ProposalRecord, type SpaceRecord } from './records.ts';
import { verifySignature } from './verify-signature.ts';

export type Receipt = { id: string; ipfs: string; relayer: { address: string; receipt: string } };

export type IngestDependencies = {
  db: Db;
  config: Config;
  serviceKey: ServiceKey;
  writer: LogWriter;
  /** Receipts of messages being processed, so an envelope sent twice at once is written once. */
  inFlight: Map<string, Promise<Receipt>>;
  spaces: RecordCache<SpaceRecord>;
  proposals: RecordCache<ProposalRecord>;
  membership: Membership;
};

export type IngestMessageParameters = { body: unknown; now?: number };

const SPACE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Verifies and stores a signed message; throws a ClientError with Snapshot's reason when refused. */
export async function ingestMessage(
  deps: IngestDependencies,
  { body, now = Math.floor(Date.now() / 1000) }: IngestMessageParameters,
): Promise<Receipt> {
  const { db, config, serviceKey, writer, inFlight, spaces, proposals } = deps;
  const parsed = parseEnvelope({
    body,
    now,
    timestampMaxAge: config.timestampMaxAge,
    timestampMaxLead: config.timestampMaxLead,
  });
  const { kind, message, envelope, id } = parsed;
  const spaceId = typeof message.space === 'string' ? message.space : '';
  if ('space' in message && !SPACE_ID.test(spaceId)) throw new ClientError('Invalid space id');
  if (!ADDRESS.test(message.from)) throw new ClientError('wrong envelope format');
  const from = getAddress(message.from);
  const signer = getAddress(envelope.address);

  const pending = inFlight.get(id);
  if (pending) return pending;

  const spaceRecord = spaceId ? await spaces.get(spaceId, (id) => loadSpace(db, id)) : null;
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

  const signed = await verifySignature({
    digest: id,
    signature: envelope.sig,
    signer,
    network: space?.settings.network ?? (envelope.data.domain.chainId ? String(envelope.data.domain.chainId) : undefined),
    rpcUrls: config.rpcUrls,
  });
  if (!signed) throw new ClientError('signature validation failed');

  const storedReceipt = async (): Promise<Receipt | null> => {
    const [stored] = await db
      .select({ ipfs: messages.ipfs, receipt: messages.receipt })
      .from(messages)
      .where(eq(messages.id, id));
    return stored ? { id, ipfs: stored.ipfs, relayer: { address: serviceKey.address, receipt: stored.receipt } } : null;
  };
  // Votes skip this read on the hot path: writing a known vote again is refused inside the write itself,
  // and only then is the stored receipt looked up.
  const isVote = kind === 'vote' || kind === 'vote-array' || kind === 'vote-string';
  if (!isVote) {
    const stored = await storedReceipt();
    if (stored) return stored;
  }

  const work = (async (): Promise<Receipt> => {
    const module = KIND_MODULES[kind];
    const prepared = await module.verify({
      db,
      config,
      now,
      parsed,
      from,
      space,
      loadProposal: (proposalId) => proposals.get(proposalId, (key) => loadProposal(db, key)),
      membership: deps.membership,
    });
    const ipfs = await contentId({ address: envelope.address, sig: envelope.sig, hash: id, data: envelope.data });
    const receipt = serviceKey.signMessage(envelope.sig);
    const row = {
      id,
      ipfs,
      address: signer,
      version: '0.1.4',
      timestamp: message.timestamp,
      space: spaceId,
      type: kind,
      sig: envelope.sig,
      receipt,
      envelope,
      received: now,
    };
    try {
      await writer.write(module.apply, prepared, row);
    } catch (error) {
      if (isVote && error instanceof ClientError) {
        const stored = await storedReceipt();
        if (stored) return stored;
      }
      throw error;
    }
    // What this process just changed is read fresh next time.
    if (kind === 'settings' || kind === 'delete-space') spaces.invalidate(spaceId);
    if (!isVote && typeof message.proposal === 'string') proposals.invalidate(message.proposal);
    return { id, ipfs, relayer: { address: serviceKey.address, receipt } };
  })();
  inFlight.set(id, work);
  try {
    return await work;
  } finally {
    inFlight.delete(id);
  }
}
