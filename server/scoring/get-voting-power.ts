/** Voting power of one address under a proposal's frozen strategies. */
import type { RpcUrls, StrategyConfig } from './strategy.ts';
import { VotingPowerError } from './errors.ts';
import { STRATEGIES } from './strategies/index.ts';

export type GetVotingPowerParameters = {
  address: string;
  strategies: readonly StrategyConfig[];
  network: string;
  snapshot: number | 'latest';
  rpcUrls: RpcUrls;
};

export type GetVotingPowerReturnType = {
  vp: number;
  vpByStrategy: number[];
  /** 'final' when read at a mined block, 'pending' when read at 'latest'. */
  vpState: 'final' | 'pending';
};


/** Sums the address's power over every strategy, keeping each strategy's share. */
export async function getVotingPower({
  address,
  strategies,
  network,
  snapshot,
  rpcUrls,
}: GetVotingPowerParameters): Promise<GetVotingPowerReturnType> {
  const vpByStrategy = await Promise.all(
    strategies.map(async (config) => {
      const strategy = STRATEGIES.get(config.name);
      if (!strategy) throw new VotingPowerError(config.name, { cause: new Error(`unknown strategy ${config.name}`) });
      try {
        const power = await strategy.getPower({
          addresses: [address],
          snapshot,
          network: config.network ?? network,
          params: config.params,
          rpcUrls,
        });
        return power[address] ?? 0;
      } catch (error) {
        throw error instanceof VotingPowerError ? error : new VotingPowerError(config.name, { cause: error });
      }
    }),
  );
  // Power read before the snapshot block exists is provisional: it is read again at close.
  const finality = await Promise.all(
    strategies.map((config) =>
      STRATEGIES.get(config.name)?.isFinal?.({ snapshot, network: config.network ?? network, rpcUrls }) ?? snapshot !== 'latest',
    ),
  );
  return {
    vp: vpByStrategy.reduce((sum, power) => sum + power, 0),
    vpByStrategy,
    vpState: finality.every(Boolean) ? 'final' : 'pending',
  };
}
