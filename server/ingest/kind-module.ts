/** The shape every message kind follows: `verify` (checks, reasons as ClientErrors), then `apply` (the write). */
import type { Config } from '../config/load-config.ts';
import type { Db } from '../db/open-database.ts';
import type { Membership } from '../membership/create-membership.ts';
import type { BatchApplier } from './log-writer.ts';
import type { ParsedEnvelope } from './parse-envelope.ts';
import type { ProposalRecord, SpaceRecord } from './records.ts';

export type VerifyContext = {
  db: Db;
  config: Config;
  /** Server time in seconds. */
  now: number;
  parsed: ParsedEnvelope;
  /** The checksummed author the message speaks for (`message.from`). */
  from: string;
  /** The space named by the message, when it exists and is not deleted. */
  space: SpaceRecord | null;
  loadProposal(id: string): Promise<ProposalRecord | null>;
  /** Membership credentials and status lists, for spaces that require identity. */
  membership: Membership;
};

export type KindModule<P> = {
  verify(context: VerifyContext): Promise<P>;
  apply: BatchApplier<P>;
};
