/** Space settings: the JSON a controller or admin signs in a `Space` message. */
import type { ThresholdOverrides } from '../server/ai/thresholds.ts';
import type { IdentityPolicy } from '../server/identity/policy.ts';
import type { StrategyConfig } from '../server/scoring/strategy.ts';

export type ValidationConfig = { name: string; params: Record<string, unknown> };

export type SpaceVoting = {
  delay?: number;
  period?: number;
  type?: string;
  quorum?: number;
  quorumType?: '' | 'rejection';
  privacy?: string;
  hideAbstain?: boolean;
  /** Conclave: once cast, a vote cannot be changed. */
  lockVotes?: boolean;
  /** Conclave: quorum as a percentage of the first strategy's token supply at the snapshot block. */
  quorumPercentage?: number;
  /** Conclave: 'majority' (default) or a supermajority percentage in (50, 100]. */
  passThreshold?: number | 'majority';
  /** Conclave: types other than basic pass when quorum is met and one choice leads outright. */
  passOnWinner?: boolean;
};

/** Conclave: the AI overseer's per-space configuration (advisory; never changes a result). */
export type SpaceAiSettings = {
  /** Overrides of the detector thresholds, by detector group (see server/ai/thresholds.ts). */
  thresholds: ThresholdOverrides;
  /** The space's written rules, checked against each proposal by the LLM layer when one is configured. */
  rules: string[];
};

export type SpaceSettings = {
  name: string;
  network: string;
  symbol: string;
  strategies: StrategyConfig[];
  admins: string[];
  moderators: string[];
  members: string[];
  filters: { minScore: number; onlyMembers: boolean };
  validation: ValidationConfig;
  voteValidation: ValidationConfig;
  voting: SpaceVoting;
  plugins: Record<string, unknown>;
  ai?: SpaceAiSettings;
  /** Conclave: who may vote (membership credentials from trusted issuers); absent = everyone. */
  identity?: IdentityPolicy | undefined;
  /** Everything else a Snapshot client may set (about, avatar, website, …), kept as signed. */
  [key: string]: unknown;
};

export const VOTING_TYPES = [
  'single-choice',
  'basic',
  'approval',
  'quadratic',
  'weighted',
  'ranked-choice',
  'copeland',
] as const;
export type VotingType = (typeof VOTING_TYPES)[number];
