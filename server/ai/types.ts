/** Input and output types of the AI overseer: a proposal's full vote history in, a risk report out. */

/** Snapshot-style choice: 1-based index (single-choice, basic), indices (approval, ranked-choice), or weights. */
export type VoteChoice = number | number[] | Record<string, number>;

export type ProposalInput = {
  id: string;
  space: string;
  /** Snapshot voting type: single-choice, approval, quadratic, ranked-choice, weighted, basic. */
  type: string;
  choices: string[];
  /** Voting window, unix seconds. */
  start: number;
  end: number;
  /** Snapshot block number (or tag). */
  snapshot: number | string;
  /** Quorum in voting power; 0 when the space has none. */
  quorum: number;
  /** Optional: unix time of the snapshot block (defaults to `start`). */
  snapshotTime?: number;
  author?: string;
  title?: string;
  body?: string;
  /** Unix time the proposal was created (defaults to `start`). */
  created?: number;
};

/** One signed vote message; a voter may cast several, the highest `mci` counts. */
export type VoteVersion = {
  id: string;
  /** Log sequence number, strictly increasing in arrival order. */
  mci: number;
  voter: string;
  choice: VoteChoice;
  vp: number;
  /** Signed timestamp, unix seconds. */
  created: number;
  reason: string;
  app: string;
};

/** A voter's power around the snapshot block: a block well before, at the snapshot, and after it. */
export type PowerAround = { before: number; at: number; after: number };

export type DelegationEvent = {
  delegator: string;
  delegatee: string;
  /** Power moved (negative for an undelegation). */
  amount: number;
  /** Unix seconds. */
  timestamp: number;
};

/** A vote of the same space on another proposal (latest version), for cross-proposal signals. */
export type OtherVote = {
  proposal: string;
  /** Space of that proposal (when known). */
  space?: string;
  voter: string;
  choice: VoteChoice;
  vp: number;
  created: number;
  /** Whether that vote fell in the last part of its proposal's window. */
  late?: boolean;
  reason?: string;
  app?: string;
};

/** Figures of earlier proposals of the same space. */
export type SpaceBaseline = {
  /** Distinct voters of each earlier proposal. */
  voters: number[];
  /** Total cast voting power of each earlier proposal. */
  vpTurnout: number[];
  /** Window lengths in seconds of earlier proposals. */
  durations?: number[];
};

export type FunderTag = 'cex' | 'bridge' | 'contract' | 'other';

/** Optional enrichment; each missing part only removes the features that depend on it. */
export type HistoryContext = {
  power?: Record<string, PowerAround>;
  delegations?: DelegationEvent[];
  /** First funder of each address. */
  funders?: Record<string, string>;
  /** Kind of each funder address (exchange hot wallets and bridges are not sybil evidence). */
  funderTags?: Record<string, FunderTag>;
  /** Unix time each wallet was first seen on chain. */
  walletCreated?: Record<string, number>;
  otherVotes?: OtherVote[];
  baseline?: SpaceBaseline;
  /** Typical (e.g. lower-quartile) VP of each voter over their recent earlier proposals in the space. */
  vpBaseline?: Record<string, number>;
  /** Known vote-market delegate addresses. */
  marketDelegates?: string[];
};

export type ProposalHistory = {
  proposal: ProposalInput;
  /** Every vote version ever cast on the proposal, any order. */
  votes: VoteVersion[];
  context?: HistoryContext;
};

export type Severity = 'low' | 'medium' | 'high';
export type RiskLevel = 'none' | Severity;

export type FlagKind =
  | 'sybil-cluster'
  | 'borrowed-vp'
  | 'delegation-spike'
  | 'late-swing'
  | 'vote-flip'
  | 'low-participation'
  | 'rented-vp'
  | 'farming'
  | 'reason-coordination';

export type Evidence = {
  votes: string[];
  voters: string[];
  figures: Record<string, number>;
};

export type Flag = {
  kind: FlagKind;
  severity: Severity;
  /** 0..1 confidence-like strength. */
  score: number;
  evidence: Evidence;
  /** Deterministic plain-language text built from the figures. */
  explanation: string;
  /** Whether the result differs without the flagged votes (when the detector can tell). */
  outcomeChanged?: boolean;
};

export type Fairness = {
  voters: number;
  totalVp: number;
  gini: number;
  /** Minimal number of voters holding more than half the cast VP. */
  nakamoto: number;
  top1Share: number;
  top10Share: number;
  hhi: number;
  effectiveVoters: number;
  /** Share of voters (head count) and of VP behind each choice. */
  headShare: number[];
  vpShare: number[];
  /** Largest gap between head-count share and VP share over the choices. */
  countVsPowerDivergence: number;
  /** Whether the head-count winner differs from the VP winner. */
  countWinnerDiffers: boolean;
};

export type RiskReport = {
  proposal: string;
  level: RiskLevel;
  flags: Flag[];
  fairness: Fairness;
  /** Result: scores per choice and the winning choice index (0-based, -1 when no votes). */
  result: { scores: number[]; winner: number; quorumMet: boolean };
  /** Result counting no vote of any flag with severity medium or high. */
  resultWithoutFlagged: { scores: number[]; winner: number; quorumMet: boolean };
  computedAt: number;
  votesAnalyzed: number;
};
