/** The demo's voters: one simulated proposal (honest holders plus a sybil ring) from the seeded simulator, with a real key per voter. */
import type { Wallet } from '@ethersproject/wallet';
import { simulate } from '../../server/ai/simulate/generate.ts';
import type { VoteChoice } from '../../server/ai/types.ts';
import { wallets } from '../devnet/sign.ts';

export type DemoVote = {
  wallet: Wallet;
  choice: VoteChoice;
  reason: string;
  app: string;
  /** When to cast it, as a share (0..1) of the voting window. */
  at: number;
};

export type DemoPopulation = {
  /** Every voter's token balance in units (18 decimals): its voting power at the snapshot. */
  balances: Map<string, bigint>;
  /** Votes in casting order (a voter may change its vote later). */
  votes: DemoVote[];
  /** Addresses of the sybil ring (ground truth of the simulator, for the printout only). */
  ring: Set<string>;
  /** Absolute quorum in tokens, as the simulator set it for this proposal. */
  quorum: number;
};

export type BuildPopulationParameters = {
  /** Simulator seed; with the defaults below, seed 11 gives 278 voters, a 30-wallet ring and a passing vote. */
  seed?: number;
  holders?: number;
  ringSize?: number;
  /** Share of the window over which votes are spread, leaving the rest for votes in flight to land before the end. */
  spread?: number;
};

/** Builds the population from scenario S1's attacked fourth proposal, compressing its days-long window into the demo's. */
export function buildPopulation({ seed = 11, holders = 3000, ringSize = 30, spread = 0.85 }: BuildPopulationParameters = {}): DemoPopulation {
  const sim = simulate('S1', seed, {
    holders,
    proposalsPerSpace: 4,
    attackRate: 1,
    attacks: [{ type: 'sybil', variant: 'easy', sizes: [ringSize], text: 'templated' }],
  });
  // The generator attacks from the fourth proposal on.
  const { proposal, votes, truth } = sim.proposals[3];
  const simVoters = [...new Set(votes.map((vote) => vote.voter))];
  // Deterministic dev keys, so every run shows the same addresses.
  const keys = wallets(simVoters.length, 424);
  const walletOf = new Map(simVoters.map((voter, index) => [voter, keys[index]]));
  const balances = new Map<string, bigint>();
  for (const vote of votes) {
    // Power to six decimals, in 18-decimal token units.
    balances.set(walletOf.get(vote.voter)!.address, BigInt(Math.round(vote.vp * 1e6)) * 10n ** 12n);
  }
  const window = proposal.end - proposal.start;
  const demoVotes = [...votes]
    .sort((a, b) => a.mci - b.mci)
    .map((vote) => ({
      wallet: walletOf.get(vote.voter)!,
      choice: vote.choice,
      reason: vote.reason,
      app: vote.app,
      at: ((vote.created - proposal.start) / window) * spread,
    }));
  const ring = new Set(truth.attacks.flatMap((attack) => attack.voters).map((voter) => walletOf.get(voter)?.address).filter((a) => a !== undefined));
  return { balances, votes: demoVotes, ring, quorum: Math.round(proposal.quorum) };
}
