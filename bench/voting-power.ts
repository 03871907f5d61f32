/** Benchmark: voting power of 10,000 voters at one block from a local chain (target ≤ 2 s per strategy, cold cache). */
import { Interface } from '@ethersproject/abi';
import { getAddress } from '@ethersproject/address';
import { keccak256 } from '@ethersproject/keccak256';
import { createStrategyDependencies } from '../server/scoring/read-power.ts';
import { createErc20BalanceOf } from '../server/scoring/strategies/erc20-balance-of.ts';
import { createErc20Votes } from '../server/scoring/strategies/erc20-votes.ts';
import { createEthBalance } from '../server/scoring/strategies/eth-balance.ts';
import type { Strategy } from '../server/scoring/strategy.ts';
import { startChain } from '../scripts/devnet/chain.ts';
import { compileTestContracts } from '../scripts/devnet/solidity.ts';

const VOTERS = Number(process.env.VOTERS ?? 10_000);
const PER_MINT_TX = 120;
const NETWORK = '31337';

const chain = await startChain();
try {
  const { VotesToken } = compileTestContracts();
  const token = new Interface(VotesToken.abi as string[]);
  const tokenAddress = await chain.deployContract(VotesToken, ['Bench', 'BEN', 0n]);
  const voters: string[] = [];
  for (let i = 0; i < VOTERS; i++) {
    voters.push(getAddress('0x' + keccak256('0x' + (i + 1).toString(16).padStart(8, '0')).slice(-40)));
  }
  const setupStart = performance.now();
  for (let i = 0; i < voters.length; i += PER_MINT_TX) {
    await chain.sendTransaction({
      to: tokenAddress,
      data: token.encodeFunctionData('mintBatch', [voters.slice(i, i + PER_MINT_TX), 10n ** 18n, true]),
      gas: 16_000_000n,
    });
  }
  const snapshot = await chain.blockNumber();
  await chain.mine(1);
  console.log(`setup: ${voters.length} self-delegated holders minted in ${Math.round(performance.now() - setupStart)} ms; snapshot block ${snapshot}`);

  const rpcUrls = { [NETWORK]: chain.url };
  const params = { address: tokenAddress, decimals: 18 };
  const cases: [string, (dependencies: ReturnType<typeof createStrategyDependencies>) => Strategy][] = [
    ['erc20-balance-of', createErc20BalanceOf],
    ['erc20-votes', createErc20Votes],
    ['eth-balance', createEthBalance],
  ];
  for (const [name, create] of cases) {
    const strategy = create(createStrategyDependencies());
    const run = async (): Promise<[number, number, number]> => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const power = await strategy.getPower({ addresses: voters, snapshot, network: NETWORK, params, rpcUrls });
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpu);
      let total = 0;
      for (const value of Object.values(power)) total += value;
      return [elapsed, (used.user + used.system) / 1000, total];
    };
    const [cold, coldCpu, total] = await run();
    const [warm] = await run();
    console.log(
      `${name}: ${voters.length} voters at block ${snapshot}: cold ${Math.round(cold)} ms ` +
        `(conclave's own CPU ${Math.round(coldCpu)} ms, the rest is the node), cached ${Math.round(warm)} ms (total power ${total})`,
    );
  }
} finally {
  await chain.stop();
}
