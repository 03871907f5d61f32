/** Claims the announcement of a risk level rise: true for exactly one caller per rise, across instances and restarts. */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/open-database.ts';

export type ClaimRiskRaiseParameters = { db: Db; proposal: string; level: string };

// Severity order of report levels; a level outside it never claims.
const LEVELS = sql`ARRAY['none','low','medium','high']::text[]`;

/** Moves `raised_level` up to `level` when it is higher; the row-level conditional update is the claim. */
export async function claimRiskRaise({ db, proposal, level }: ClaimRiskRaiseParameters): Promise<boolean> {
  const rows = await queryRows<{ proposal: string }>(
    db,
    sql`UPDATE risk_reports SET raised_level = ${level}
         WHERE proposal = ${proposal}
           AND array_position(${LEVELS}, ${level}::text) > array_position(${LEVELS}, raised_level)
     RETURNING proposal`,
  );
  return rows.length === 1;
}
