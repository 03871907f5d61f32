/** Signer relay test setup: a local chain with Safe 1.4.1, a funded 2-of-3 Safe holding ETH and TestToken, and a service on it. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { encodeFunctionData, decodeFunctionResult, parseAbi, type Hex } from 'viem';
import { startChain, type LocalChain } from './chain.ts';
import { createSafe, deploySafeContracts, type SafeContracts } from './safe.ts';
export { SAFE_TX_TYPES } from '../../signer/safe-contracts.ts';

const require = createRequire(import.meta.url);
export const ERC20_ABI = parseAbi(['function transfer(address to, uint256 amount) returns (bool)', 'function balanceOf(address) view returns (uint256)']);

export type RelayChainSetup = {
  chain: LocalChain;
  contracts: SafeContracts;
  token: string;
  safe: string;
  owners: string[];
};

/** Starts the chain, deploys Safe 1.4.1 and TestToken, and a 2-of-3 Safe (accounts 1-3) with `eth` wei and `tokens` TT. */
export async function setupRelayChain({ eth, tokens }: { eth: bigint; tokens: bigint }): Promise<RelayChainSetup> {
  const chain = await startChain();
  const contracts = await deploySafeContracts(chain);
  const artifact = JSON.parse(
    readFileSync(require.resolve('@safe-global/safe-contracts/build/artifacts/contracts/test/ERC20Token.sol/ERC20Token.json'), 'utf8'),
  ) as { abi: unknown; bytecode: string };
  const token = await chain.deployContract(artifact);
  const owners = [chain.accounts[1].address, chain.accounts[2].address, chain.accounts[3].address];
  const safe = await createSafe({ chain, contracts, owners, threshold: 2, fund: eth });
  await chain.sendTransaction({ to: token, data: transferData(safe, tokens) });
  return { chain, contracts, token, safe, owners };
}

export function transferData(to: string, amount: bigint): Hex {
  return encodeFunctionData({ abi: ERC20_ABI, functionName: 'transfer', args: [to as Hex, amount] });
}

export async function tokenBalance(chain: LocalChain, token: string, holder: string): Promise<bigint> {
  const data = encodeFunctionData({ abi: ERC20_ABI, functionName: 'balanceOf', args: [holder as Hex] });
  const result = await chain.rpc.request<Hex>('eth_call', [{ to: token, data }, 'latest']);
  return decodeFunctionResult({ abi: ERC20_ABI, functionName: 'balanceOf', data: result });
}

export async function ethBalance(chain: LocalChain, holder: string): Promise<bigint> {
  return BigInt(await chain.rpc.request<string>('eth_getBalance', [holder, 'latest']));
}

export async function transactionCount(chain: LocalChain, address: string): Promise<number> {
  return Number(await chain.rpc.request<string>('eth_getTransactionCount', [address, 'latest']));
}

