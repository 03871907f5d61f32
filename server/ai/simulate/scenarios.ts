/** Benchmark scenarios: honest population sizes and the attacks injected (see docs/simulation-format.md). */

export type AttackType =
  | 'sybil'
  | 'borrowed'
  | 'delegation-spike'
  | 'vote-market'
  | 'late-swing'
  | 'flip'
  | 'low-participation'
  | 'farming';

export type Variant = 'easy' | 'evasive';

export type AttackSpec = {
  type: AttackType;
  variant: Variant;
  /** Sybil swarm sizes to pick from. */
  sizes?: number[];
  /** Reason style of sybil swarms. */
  text?: 'none' | 'exact' | 'templated' | 'paraphrased';
};

export type Scenario = {
  name: string;
  description: string;
  holders: number;
  spaces: number;
  proposalsPerSpace: number;
  /** Share of proposals receiving one attack from `attacks`. */
  attackRate: number;
  attacks: AttackSpec[];
  votingType: string;
  /** Share of holders' wallets funded from exchange hot wallets. */
  cexShare: number;
  /** Proposals of different spaces overlap in time (farming needs it). */
  overlapping: boolean;
  /** Farming wallets voting on every proposal (0 = none). */
  farmers: number;
};

const base = {
  holders: 5000,
  spaces: 1,
  proposalsPerSpace: 30,
  attackRate: 0.5,
  votingType: 'single-choice',
  cexShare: 0.4,
  overlapping: false,
  farmers: 0,
};

export const scenarios: Record<string, Scenario> = {
  S0: { ...base, name: 'S0', description: 'honest only: false-alarm rate', proposalsPerSpace: 40, attackRate: 0, attacks: [] },
  S1: { ...base, name: 'S1', description: 'naive sybil swarms, k in {20, 100}', attacks: [{ type: 'sybil', variant: 'easy', sizes: [20, 100], text: 'templated' }] },
  S2: {
    ...base,
    name: 'S2',
    description: 'small / evasive sybil swarms, k in {5, 10}, CEX-funded honest wallets',
    cexShare: 0.5,
    attacks: [{ type: 'sybil', variant: 'evasive', sizes: [5, 10], text: 'paraphrased' }],
  },
  S3: {
    ...base,
    name: 'S3',
    description: 'borrowed VP and delegation spikes',
    attacks: [
      { type: 'borrowed', variant: 'easy' },
      { type: 'delegation-spike', variant: 'easy' },
      { type: 'delegation-spike', variant: 'evasive' },
    ],
  },
  S4: {
    ...base,
    name: 'S4',
    description: 'late whale swings and coordinated flips, with honest habitual late whales',
    attacks: [
      { type: 'late-swing', variant: 'easy' },
      { type: 'late-swing', variant: 'evasive' },
      { type: 'flip', variant: 'easy' },
    ],
  },
  S5: {
    ...base,
    name: 'S5',
    description: 'small DAO (500 holders), low-participation capture',
    holders: 500,
    attackRate: 0.4,
    attacks: [
      { type: 'low-participation', variant: 'easy' },
      { type: 'low-participation', variant: 'evasive' },
    ],
  },
  S6: {
    ...base,
    name: 'S6',
    description: 'weighted voting, vote-market rented VP',
    votingType: 'weighted',
    attacks: [
      { type: 'vote-market', variant: 'easy' },
      { type: 'vote-market', variant: 'evasive' },
    ],
  },
  S7: {
    ...base,
    name: 'S7',
    description: '50k holders, 10 spaces, airdrop farming on every proposal plus naive sybils',
    holders: 50000,
    spaces: 10,
    proposalsPerSpace: 2,
    attackRate: 0.3,
    overlapping: true,
    farmers: 200,
    attacks: [{ type: 'sybil', variant: 'easy', sizes: [20, 100], text: 'none' }],
  },
  S8: {
    ...base,
    name: 'S8',
    description: 'mixed: every attack type at a 15% attack rate',
    proposalsPerSpace: 60,
    attackRate: 0.15,
    attacks: [
      { type: 'sybil', variant: 'easy', sizes: [20, 100], text: 'templated' },
      { type: 'sybil', variant: 'evasive', sizes: [10, 20], text: 'paraphrased' },
      { type: 'borrowed', variant: 'easy' },
      { type: 'delegation-spike', variant: 'easy' },
      { type: 'vote-market', variant: 'easy' },
      { type: 'late-swing', variant: 'easy' },
      { type: 'late-swing', variant: 'evasive' },
      { type: 'flip', variant: 'easy' },
    ],
  },
  S9: {
    ...base,
    name: 'S9',
    description: 'reason text: exact, templated and paraphrased sybil reasons vs honest campaigns',
    attacks: [
      { type: 'sybil', variant: 'easy', sizes: [10, 30], text: 'exact' },
      { type: 'sybil', variant: 'easy', sizes: [10, 30], text: 'templated' },
      { type: 'sybil', variant: 'evasive', sizes: [10, 30], text: 'paraphrased' },
    ],
  },
};
