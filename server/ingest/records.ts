/** Rows the ingest path reads while verifying, in the shape it needs. */
import { and, eq } from 'drizzle-orm';
import { getAddress } from '@ethersproject/address';
import type { SpaceSettings, ValidationConfig } from '../../schema/space-settings.ts';
import { proposals, spaces } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import type { StrategyConfig } from '../scoring/strategy.ts';

export type SpaceRecord = {
  id: string;
  settings: SpaceSettings;
  controller: string;
  created: number;
  deleted: boolean;
};

export type ProposalRecord = {
  id: string;
  author: string;
  space: string;
  network: string;
  type: string;
  choices: string[];
  start: number;
  end: number;
  snapshot: number;
  strategies: StrategyConfig[];
  voteValidation: ValidationConfig;
  lockVotes: boolean;
};

/** Loads a space, deleted or not. */
export async function loadSpace(db: Db, id: string): Promise<SpaceRecord | null> {
  const [row] = await db
    .select({
      id: spaces.id,
      settings: spaces.settings,
      controller: spaces.controller,
      created: spaces.created,
      deleted: spaces.deleted,
    })
    .from(spaces)
    .where(eq(spaces.id, id));
  return row ? { ...row, settings: row.settings as SpaceSettings } : null;
}

/** Loads a proposal of a space. */
export async function loadProposal(db: Db, id: string): Promise<ProposalRecord | null> {
  const [row] = await db
    .select({
      id: proposals.id,
      author: proposals.author,
      space: proposals.space,
      network: proposals.network,
      type: proposals.type,
      choices: proposals.choices,
      start: proposals.start,
      end: proposals.end,
      snapshot: proposals.snapshot,
      strategies: proposals.strategies,
      voteValidation: proposals.voteValidation,
      lockVotes: proposals.lockVotes,
    })
    .from(proposals)
    .where(and(eq(proposals.id, id)));
  return row
    ? { ...row, strategies: row.strategies as StrategyConfig[], voteValidation: row.voteValidation as ValidationConfig }
    : null;
}

export type SpaceRole = { controller: boolean; admin: boolean; moderator: boolean; member: boolean };

/** What `address` may do in `space`: the controller is also an admin; admins are also moderators. */
export function spaceRole(space: SpaceRecord, address: string): SpaceRole {
  const who = getAddress(address);
  const controller = space.controller === who;
  const admin = controller || space.settings.admins.includes(who);
  const moderator = admin || space.settings.moderators.includes(who);
  const member = moderator || space.settings.members.includes(who);
  return { controller, admin, moderator, member };
}
