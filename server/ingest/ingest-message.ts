/** Takes one signed envelope through every check, writes it, and returns Snapshot's receipt. */
import { eq } from 'drizzle-orm';
import { messages } from '../../schema/tables.ts';
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import type { ServiceKey } from '../service-key.ts';
import { checkSender } from './check-sender.ts';
import type { SignaturePool } from './create-signature-pool.ts';
import { contentId, settleCanonicalJson } from './content-id.ts';
import { KIND_MODULES } from './kinds/index.ts';
import type { Membership } from '../membership/create-membership.ts';
import type { LogWriter } from './log-writer.ts';
import { parseEnvelope } from './parse-envelope.ts';
import type { RecordCache } from './record-cache.ts';
import { loadProposal, loadSpace, type ProposalRecord, type SpaceRecord } from './records.ts';

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
  /** Signature recovery and receipt signing (`SIGNATURE_WORKERS` threads; on this thread when 0). */
  signatures: Pick<SignaturePool, 'recover' | 'signMessage'>;
};

export type IngestMessageParameters = { body: unknown; now?: number };

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

  const pending = inFlight.get(id);
  if (pending) return pending;

  const { from, signer, spaceId, space } = await checkSender({
    db,
    config,
    now,
    parsed,
    getSpace: (spaceId) => spaces.get(spaceId, (key) => loadSpace(db, key)),
    recover: deps.signatures.recover,
  });

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
    // Accepted as it is: its canonical JSON is computed once, for the content id and the log's hash chain.
    settleCanonicalJson(envelope.data);
    const ipfs = await contentId({ address: envelope.address, sig: envelope.sig, hash: id, data: envelope.data });
    const receipt = await deps.signatures.signMessage(envelope.sig);
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
