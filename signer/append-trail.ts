/** Appends one audit-trail entry (a step of the relay), linked to the decision and the Safe transaction. */
import { relayTrail } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';

export type AppendTrailParameters = {
  decision: string | null;
  safeTxHash: string | null;
  step: string;
  detail?: Record<string, unknown>;
};

/** Writes the entry with the current time (milliseconds). */
export async function appendTrail(db: Db, { decision, safeTxHash, step, detail = {} }: AppendTrailParameters): Promise<void> {
  await db.insert(relayTrail).values({ decision, safeTxHash, step, detail, at: Date.now() });
}
