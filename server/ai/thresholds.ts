/** Detector thresholds: defaults and a per-space deep merge. */

export type Thresholds = {
  sybil: {
    /** Smallest cluster reported. */
    minClusterSize: number;
    /** Cluster size from which a cluster can be high severity. */
    largeClusterSize: number;
    /** Two same-choice votes within this many seconds with near-equal VP are linked. */
    timeGapSeconds: number;
    /** Relative VP difference under which two votes count as "equal amounts". */
    vpTolerance: number;
    /** Wallets younger than this at vote time count as fresh. */
    youngWalletDays: number;
    /** Cluster score needed for a flag, and for medium / high severity. */
    minScore: number;
    mediumScore: number;
    highScore: number;
  };
  borrowed: {
    /** VP at the snapshot block over max(VP before, VP after). */
    minRatio: number;
    /** Minimal share of the cast VP. */
    minShare: number;
    highShare: number;
  };
  delegationSpike: {
    /** Window before the snapshot, seconds. */
    windowSeconds: number;
    /** Inflow in the window over the delegatee's average inflow per window before. */
    minRatio: number;
    /** Inflow as a share of quorum (or of cast VP when there is no quorum). */
    minQuorumShare: number;
    highQuorumShare: number;
    minDelegators: number;
  };
  lateSwing: {
    /** Last part of the window that counts as late (0.05 = last 5%). */
    lateFraction: number;
    /** Late VP share of the cast VP that is reported even without a flip. */
    minLateShare: number;
    /** A pivotal voter whose other votes were late at least this often is a habitual late voter. */
    habitualLateShare: number;
  };
  flip: {
    /** Last part of the window in which a change counts as late. */
    lateFraction: number;
    /** Changes within this many seconds of each other, to the same choice, are grouped. */
    groupGapSeconds: number;
    minGroupSize: number;
    /** A single voter changing at least this often is reported (low). */
    manyChanges: number;
  };
  lowParticipation: {
    /** Robust z-score of distinct voters / VP turnout under which turnout is abnormally low. */
    maxZ: number;
    /** Turnout ratio vs the space median under which turnout is low. */
    maxTurnoutRatio: number;
    /** Without a baseline: fewer distinct voters than this counts as low participation. */
    minVoters: number;
    /** Quorum met by at most this factor counts as "barely met". */
    barelyQuorum: number;
    /** Winning-side Nakamoto coefficient at most this is a capture. */
    maxWinnerNakamoto: number;
    /** Body shorter than this is terse. */
    terseBodyChars: number;
  };
  rented: {
    /** VP on this proposal over the voter's baseline. */
    minRatio: number;
    minShare: number;
  };
  farming: {
    minProposals: number;
    /** Median gap between the voter's consecutive votes across proposals. */
    maxMedianGapSeconds: number;
    /** VP under this quantile of the proposal's voters. */
    maxVpQuantile: number;
    minChoiceConstancy: number;
    minWallets: number;
  };
  reasons: {
    /** Normalised reasons shorter than this are ignored. */
    minChars: number;
    minGroupSize: number;
    /** Shingle Jaccard for near-duplicates. */
    nearDuplicate: number;
    /** Character-trigram cosine for paraphrase candidates. */
    paraphrase: number;
    /** Group size from which a group of mostly newcomers (fresh wallets, or no earlier votes) with one choice is medium severity. */
    mediumGroupSize: number;
    boilerplate: string[];
  };
};

export const defaultThresholds: Thresholds = {
  sybil: {
    minClusterSize: 5,
    largeClusterSize: 20,
    timeGapSeconds: 3600,
    vpTolerance: 0.05,
    youngWalletDays: 30,
    minScore: 0.45,
    mediumScore: 0.5,
    highScore: 0.7,
  },
  borrowed: { minRatio: 10, minShare: 0.01, highShare: 0.1 },
  delegationSpike: {
    windowSeconds: 7 * 86400,
    minRatio: 5,
    minQuorumShare: 0.2,
    highQuorumShare: 0.6,
    minDelegators: 3,
  },
  lateSwing: { lateFraction: 0.05, minLateShare: 0.3, habitualLateShare: 0.5 },
  flip: { lateFraction: 0.1, groupGapSeconds: 1800, minGroupSize: 5, manyChanges: 3 },
  lowParticipation: {
    maxZ: -2,
    maxTurnoutRatio: 0.35,
    minVoters: 10,
    barelyQuorum: 1.5,
    maxWinnerNakamoto: 2,
    terseBodyChars: 80,
  },
  rented: { minRatio: 10, minShare: 0.001 },
  farming: {
    minProposals: 10,
    maxMedianGapSeconds: 120,
    maxVpQuantile: 0.5,
    minChoiceConstancy: 0.9,
    minWallets: 5,
  },
  reasons: {
    minChars: 20,
    minGroupSize: 3,
    nearDuplicate: 0.5,
    paraphrase: 0.72,
    mediumGroupSize: 5,
    boilerplate: ['for', 'against', 'yes', 'no', 'lgtm', 'agree', 'support', 'i support this proposal', 'looks good to me', 'abstain', 'gm', '+1'],
  },
};

export type ThresholdOverrides = { [K in keyof Thresholds]?: Partial<Thresholds[K]> };

/** Merges a space's overrides into the defaults (or into `base`); unknown keys are ignored. */
export function mergeThresholds(overrides: ThresholdOverrides = {}, base: Thresholds = defaultThresholds): Thresholds {
  const out = structuredClone(base) as Record<string, Record<string, unknown>>;
  for (const [group, values] of Object.entries(overrides)) {
    if (!(group in out) || values == null) continue;
    for (const [key, value] of Object.entries(values)) {
      if (!(key in out[group]) || value === undefined) continue;
      const current = out[group][key];
      if (typeof current !== typeof value || Array.isArray(current) !== Array.isArray(value)) continue;
      out[group][key] = value;
    }
  }
  return out as unknown as Thresholds;
}
