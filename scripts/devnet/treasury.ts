/** A DAO treasury on the local chain: Safe 1.4.1, a governance token and a funded 2-of-3 Safe (relay tests, benchmark and demo). */
import { encodeFunctionData, decodeFunctionResult, parseAbi, zeroAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { SAFE_TX_TYPES } from '../../signer/safe-contracts.ts';
import { startChain, toQuantity, type LocalChain } from './chain.ts';
import { createSafe, deploySafeContracts, type SafeContracts } from './safe.ts';
import { compileTestContracts } from './solidity.ts';
export { SAFE_TX_TYPES };

export const ERC20_ABI = parseAbi(['function transfer(address to, uint256 amount) returns (bool)', 'function balanceOf(address) view returns (uint256)']);

export type RelayChainSetup = {
  chain: LocalChain;
  contracts: SafeContracts;
  token: string;
  safe: string;
  owners: string[];
};

export type SetupRelayChainParameters = {
  /** Wei sent to the Safe. */
  eth: bigint;
  /** Token units (10^-18 TT) sent to the Safe. */
  tokens: bigint;
  /** Token units minted to accounts[0] (the deployer); default 10^9 TT. */
  supply?: bigint;
  /** A node already started (its owner stops it); default a new one, stopped if the setup fails. */
  chain?: LocalChain;
};

/** Starts the chain, deploys Safe 1.4.1, the Treasury Token (TT, 18 decimals, ERC20Votes) and a 2-of-3 Safe (accounts 1-3) holding `eth` wei and `tokens` units. */
export async function setupRelayChain({ eth, tokens, supply = 10n ** 27n, chain: given }: SetupRelayChainParameters): Promise<RelayChainSetup> {
  const chain = given ?? (await startChain());
  try {
    const contracts = await deploySafeContracts(chain);
    const token = await chain.deployContract(compileTestContracts().VotesToken, ['Treasury Token', 'TT', supply]);
    const owners = [chain.accounts[1].address, chain.accounts[2].address, chain.accounts[3].address];
    const safe = await createSafe({ chain, contracts, owners, threshold: 2, fund: eth });
    await chain.sendTransaction({ to: token, data: transferData(safe, tokens) });
    return { chain, contracts, token, safe, owners };
  } catch (error) {
    if (!given) await chain.stop();
    throw error;
  }
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

export type DistributeTokensParameters = {
  chain: LocalChain;
  token: string;
  /** Recipient address → token units, sent from accounts[0]. */
  amounts: ReadonlyMap<string, bigint>;
};

/** Sends every transfer into one block (automine paused, so hundreds of holders cost one block); returns its number. */
export async function distributeTokens({ chain, token, amounts }: DistributeTokensParameters): Promise<number> {
  const from = chain.accounts[0].address;
  const hashes: string[] = [];
  await chain.rpc.request('evm_setAutomine', [false]);
  try {
    for (const [to, amount] of amounts) {
      hashes.push(await chain.rpc.request<string>('eth_sendTransaction', [{ from, to: token, data: transferData(to, amount), gas: toQuantity(200_000n) }]));
    }
    await chain.rpc.request('evm_mine');
  } finally {
    await chain.rpc.request('evm_setAutomine', [true]);
  }
  let block = 0;
  for (const hash of hashes) {
    const receipt = await chain.rpc.request<{ status: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash]);
    if (!receipt || Number(receipt.status) !== 1) throw new Error(`token transfer ${hash} failed`);
    block = Math.max(block, Number(receipt.blockNumber));
  }
  return block;
}

/** A Safe transaction as the Transaction-Service-compatible routes return it. */
export type ServiceSafeTransaction = {
  to: string;
  value: string;
  data?: string | null;
  operation: number;
  safeTxGas: string | number;
  baseGas: string | number;
  gasPrice: string;
  gasToken: string;
  refundReceiver?: string;
  nonce: string | number;
};

export type SignSafeTransactionParameters = { privateKey: Hex; chainId: number; safe: string; transaction: ServiceSafeTransaction };

/** An owner's raw wallet EIP-712 signature of a SafeTx (no SDK), as eth_signTypedData_v4 returns it. */
export async function signSafeTransaction({ privateKey, chainId, safe, transaction: tx }: SignSafeTransactionParameters): Promise<Hex> {
  return privateKeyToAccount(privateKey).signTypedData({
    domain: { chainId, verifyingContract: safe as Hex },
    types: SAFE_TX_TYPES,
    primaryType: 'SafeTx',
    message: {
      to: tx.to as Hex,
      value: BigInt(tx.value),
      data: (tx.data ?? '0x') as Hex,
      operation: tx.operation,
      safeTxGas: BigInt(tx.safeTxGas),
      baseGas: BigInt(tx.baseGas),
      gasPrice: BigInt(tx.gasPrice),
      gasToken: tx.gasToken as Hex,
      refundReceiver: (tx.refundReceiver ?? zeroAddress) as Hex,
      nonce: BigInt(tx.nonce),
    },
  });
}
