/** Tables of the reliability features: signed checkpoints of the message log's hash chain. */
import { bigint, pgTable, text } from 'drizzle-orm/pg-core';

/** The service's signed statement that the log's entry `mci` has hash `hash` (the head at `created`). */
export const checkpoints = pgTable('checkpoints', {
  mci: bigint('mci', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  /** EIP-191 signature by the service key of the checkpoint text (server/log/checkpoint.ts). */
  signature: text('signature').notNull(),
  signer: text('signer').notNull(),
  /** Unix seconds. */
  created: bigint('created', { mode: 'number' }).notNull(),
});
