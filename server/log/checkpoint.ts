/** Signed checkpoints of the log: the service states "entry `mci` has hash `hash`" so anyone can hold it to it. */
import { desc, eq, sql } from 'drizzle-orm';
import { checkpoints } from '../../schema/reliability-tables.ts';
import { queryRows, type Db } from '../db/open-database.ts';
import type { ServiceKey } from '../service-key.ts';

export type Checkpoint = { mci: number; hash: string; signature: string; signer: string; created: number };

/** The text the service signs (EIP-191 personal_sign): verify with `ethers.verifyMessage(text, signature)`. */
export function checkpointStatement({ mci, hash, created }: Pick<Checkpoint, 'mci' | 'hash' | 'created'>): string {
  return `conclave log checkpoint\nmci: ${mci}\nhash: ${hash}\ntime: ${created}`;
}

export type CreateCheckpointParameters = { db: Db; serviceKey: ServiceKey; now?: number };

/** Signs and stores a checkpoint of the current log head; returns null when the log is empty or unchained. */
export async function createCheckpoint({
  db,
  serviceKey,
  now = Math.floor(Date.now() / 1000),
}: CreateCheckpointParameters): Promise<Checkpoint | null> {
  // Rows are committed in mci order under the log lock, so the committed head is a complete prefix.
  const [head] = await queryRows<{ mci: string | number; hash: string }>(
    db,
    sql`SELECT mci, hash FROM messages ORDER BY mci DESC LIMIT 1`,
  );
  if (!head || head.hash === '') return null;
  const mci = Number(head.mci);
  const [existing] = await db.select().from(checkpoints).where(eq(checkpoints.mci, mci));
  if (existing) return existing;
  const checkpoint = { mci, hash: head.hash, created: now, signer: serviceKey.address, signature: '' };
  checkpoint.signature = serviceKey.signMessage(checkpointStatement(checkpoint));
  // Several instances may checkpoint the same head: the first one stays.
  await db.insert(checkpoints).values(checkpoint).onConflictDoNothing();
  const [stored] = await db.select().from(checkpoints).where(eq(checkpoints.mci, mci));
  return stored ?? null;
}

export type ListCheckpointsParameters = { db: Db; first?: number; skip?: number };

/** Checkpoints, newest first. */
export async function listCheckpoints({ db, first = 20, skip = 0 }: ListCheckpointsParameters): Promise<Checkpoint[]> {
  return db.select().from(checkpoints).orderBy(desc(checkpoints.mci)).limit(first).offset(skip);
}

export type StartCheckpointingParameters = {
  db: Db;
  serviceKey: ServiceKey;
  intervalSeconds: number;
  onError(error: unknown): void;
};

/** Checkpoints every `intervalSeconds` (0: never); returns a stop function that waits for a running one. */
export function startCheckpointing({ db, serviceKey, intervalSeconds, onError }: StartCheckpointingParameters): () => Promise<void> {
  if (intervalSeconds <= 0) return async () => {};
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = createCheckpoint({ db, serviceKey }).catch(onError);
  }, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
