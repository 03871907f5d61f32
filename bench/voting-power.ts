/**
 * Benchmark: voting power of 10,000 voters at one block from a local chain (target ≤ 2 s per strategy, cold cache).
 * Next to the wall time it prints the CPU time of this process and of the node (from /proc), which survive a shared
 * machine's noise better, and the load average. A freshly started hardhat node spends about a second more on its
 * first large read (a one-time warm-up of the node process, not per block: later first reads at other blocks do not
 * pay it, nor does a read after 2,000 unrelated ones), so the node first serves 2,000 Multicall3 reads of other
 * addresses at the latest block, timed and printed apart, as a node in service has; the figures are then conclave's
 * cold cache at the snapshot block.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Interface } from '@ethersproject/abi';
import { getAddress } from '@ethersproject/address';
import { keccak256 } from '@ethersproject/keccak256';
import { encodeAddress, encodeCall, SELECTORS } from '../server/chain/abi.ts';
import { MULTICALL3_ADDRESS, readContracts } from '../server/chain/read-contracts.ts';
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
/** CPU time (ms) the node has used so far (utime + stime of its process, all threads). */
function nodeCpuMs(): number {
  const fields = fs.readFileSync(`/proc/${chain.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`# voting-power benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, load average ${load()}`);
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
  // The node's one-time warm-up: Multicall3 reads of other addresses at the latest block (no voter, no token, not the
  // snapshot block). Removing it adds about a second of node CPU to whichever strategy reads first.
  const others = Array.from({ length: 2000 }, (_, i) => getAddress('0x' + keccak256('0xff' + i.toString(16).padStart(8, '0')).slice(-40)));
  const warmStart = performance.now();
  const warmNodeCpu = nodeCpuMs();
  await readContracts({ rpc: chain.rpc, block: 'latest', calls: others.map((a) => ({ target: MULTICALL3_ADDRESS, callData: encodeCall(SELECTORS.getEthBalance, encodeAddress(a)) })) });
  console.log(`node warm-up: ${others.length} reads of other addresses at the latest block in ${Math.round(performance.now() - warmStart)} ms (node CPU ${Math.round(nodeCpuMs() - warmNodeCpu)} ms)`);
  const params = { address: tokenAddress, decimals: 18 };
  const cases: [string, (dependencies: ReturnType<typeof createStrategyDependencies>) => Strategy][] = [
    ['erc20-balance-of', createErc20BalanceOf],
    ['erc20-votes', createErc20Votes],
    ['eth-balance', createEthBalance],
  ];
  for (const [name, create] of cases) {
    const strategy = create(createStrategyDependencies());
    const run = async (): Promise<[number, number, number, number]> => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const nodeCpu = nodeCpuMs();
      const power = await strategy.getPower({ addresses: voters, snapshot, network: NETWORK, params, rpcUrls });
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpu);
      let total = 0;
      for (const value of Object.values(power)) total += value;
      return [elapsed, (used.user + used.system) / 1000, nodeCpuMs() - nodeCpu, total];
    };
    const [cold, coldCpu, coldNodeCpu, total] = await run();
    const [warm] = await run();
    console.log(
      `${name}: ${voters.length} voters at block ${snapshot}: cold ${Math.round(cold)} ms, ${(cold / 2000).toFixed(2)}x of target 2 s ` +
        `(CPU: conclave ${Math.round(coldCpu)} ms, node ${Math.round(coldNodeCpu)} ms), cached ${Math.round(warm)} ms (total power ${total}); load average ${load()}`,
    );
  }
} finally {
  await chain.stop();
}
