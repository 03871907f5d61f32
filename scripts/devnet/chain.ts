/** A local EVM node (hardhat 2 `node`) as a child process on a free loopback port, for tests, benchmarks and the demo. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interface } from '@ethersproject/abi';
import { bytesToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { createRpcClient, type RpcClient } from '../../server/chain/rpc-client.ts';
import { MULTICALL3_ADDRESS } from '../../server/chain/read-contracts.ts';
import { compileTestContracts } from './solidity.ts';

/** The standard development mnemonic (hardhat, anvil and ganache with `--wallet.mnemonic`). */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
export const CHAIN_ID = 31337;
const ACCOUNT_COUNT = 10;

const require = createRequire(import.meta.url);
const devnetDir = dirname(fileURLToPath(import.meta.url));

export type TestAccount = { address: `0x${string}`; privateKey: `0x${string}` };

export type TransactionRequest = {
  from?: string;
  to?: string;
  data?: string;
  value?: bigint;
  gas?: bigint;
};

export type TransactionReceipt = {
  transactionHash: string;
  blockNumber: number;
  contractAddress: string | null;
  status: number;
  gasUsed: bigint;
};

export type ContractArtifact = { abi: unknown; bytecode: string };

export type LocalChain = {
  url: string;
  chainId: number;
  /** The node's own process id (the process group leader). */
  pid: number;
  rpc: RpcClient;
  /** The first accounts of TEST_MNEMONIC, unlocked on the node (10000 ETH each). */
  accounts: readonly TestAccount[];
  /** Sends from an unlocked account (default accounts[0]) and waits for the receipt; throws if it reverted. */
  sendTransaction(request: TransactionRequest): Promise<TransactionReceipt>;
  /** Mines `blocks` empty blocks; returns the new block number. */
  mine(blocks?: number): Promise<number>;
  /** Moves the clock `seconds` forward and mines one block with it; returns the new block number. */
  advanceTime(seconds: number): Promise<number>;
  blockNumber(): Promise<number>;
  /** Deploys `{abi, bytecode}` with constructor `args`; returns the contract address. */
  deployContract(artifact: ContractArtifact, args?: readonly unknown[], from?: string): Promise<string>;
  /** Stops the node (SIGTERM to its process group, SIGKILL after 5 s). */
  stop(): Promise<void>;
};

export type StartChainParameters = {
  /** Put the Multicall3-compatible test contract at Multicall3's canonical address; default true. */
  multicall?: boolean;
  /** Readiness deadline; default 60 s. */
  startTimeoutMs?: number;
  /** Listen on this port (chosen beforehand, e.g. so a service can be given the URL while the node starts); default a free one, retried if taken meanwhile. */
  port?: number;
};

let accountsMemo: TestAccount[] | undefined;

/** The first accounts derived from TEST_MNEMONIC (m/44'/60'/0'/0/i). */
export function testAccounts(): readonly TestAccount[] {
  if (!accountsMemo) {
    accountsMemo = [];
    for (let i = 0; i < ACCOUNT_COUNT; i++) {
      const account = mnemonicToAccount(TEST_MNEMONIC, { addressIndex: i });
      const key = account.getHdKey().privateKey;
      if (!key) throw new Error('no private key derived');
      accountsMemo.push({ address: account.address, privateKey: bytesToHex(key) });
    }
  }
  return accountsMemo;
}

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** Starts a node, waits until it answers as hardhat on chain 31337, and installs Multicall3. */
export async function startChain(parameters: StartChainParameters = {}): Promise<LocalChain> {
  if (parameters.port !== undefined) return startOnce(parameters.port, parameters);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort(), parameters);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

async function startOnce(port: number, parameters: StartChainParameters): Promise<LocalChain> {
  const cli = require.resolve('hardhat/internal/cli/cli.js');
  const child = spawn(
    process.execPath,
    [
      ...['--require', join(devnetDir, 'parent-watchdog.cjs'), cli, 'node'],
      ...['--hostname', '127.0.0.1', '--port', String(port), '--config', join(devnetDir, 'hardhat.config.cjs')],
    ],
    {
      cwd: devnetDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
        NO_COLOR: '1',
        CONCLAVE_PARENT_PID: String(process.pid),
      },
    },
  );
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => running.delete(child));
  if (child.pid === undefined) throw new Error('could not spawn the hardhat node');
  const pid = child.pid;

  const url = `http://127.0.0.1:${port}`;
  // Retries cover a keep-alive socket that the node closed while idle (ECONNRESET on reuse).
  const rpc = createRpcClient({ url, timeoutMs: 30_000, retries: 2, retryDelayMs: 20 });
  const probe = createRpcClient({ url, timeoutMs: 2_000, retries: 0 });
  const deadline = Date.now() + (parameters.startTimeoutMs ?? 60_000);
  let dead = false;
  void exited.then(() => (dead = true));

  async function stop(): Promise<void> {
    if (dead) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  try {
    for (;;) {
      if (dead) {
        if (/EADDRINUSE/.test(output)) throw new PortTakenError(`port ${port} taken`);
        throw new Error(`hardhat node exited before it was ready:\n${output}`);
      }
      if (Date.now() > deadline) throw new Error(`hardhat node not ready in time:\n${output}`);
      // Our own node must have said it listens on this port: another hardhat node on a port taken in
      // the meantime would pass the chain id and client version checks too.
      if (!output.includes(`127.0.0.1:${port}/`)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      try {
        const [chainId, clientVersion] = await Promise.all([
          probe.request<string>('eth_chainId'),
          probe.request<string>('web3_clientVersion'),
        ]);
        if (Number(chainId) !== CHAIN_ID || !clientVersion.startsWith('HardhatNetwork/')) {
          throw new PortTakenError(`port ${port} answers as ${clientVersion} on chain ${Number(chainId)}`);
        }
        break;
      } catch (error) {
        if (error instanceof PortTakenError) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const accounts = testAccounts();

  async function sendTransaction(request: TransactionRequest): Promise<TransactionReceipt> {
    const tx: Record<string, string> = { from: request.from ?? accounts[0].address };
    if (request.to) tx.to = request.to;
    if (request.data) tx.data = request.data;
    if (request.value !== undefined) tx.value = toQuantity(request.value);
    if (request.gas !== undefined) tx.gas = toQuantity(request.gas);
    const hash = await rpc.request<string>('eth_sendTransaction', [tx]);
    return waitForReceipt(hash);
  }

  async function waitForReceipt(hash: string): Promise<TransactionReceipt> {
    for (let i = 0; i < 600; i++) {
      const receipt = await rpc.request<{
        transactionHash: string;
        blockNumber: string;
        contractAddress: string | null;
        status: string;
        gasUsed: string;
      } | null>('eth_getTransactionReceipt', [hash]);
      if (receipt) {
        const result = {
          transactionHash: receipt.transactionHash,
          blockNumber: Number(receipt.blockNumber),
          contractAddress: receipt.contractAddress,
          status: Number(receipt.status),
          gasUsed: BigInt(receipt.gasUsed),
        };
        if (result.status !== 1) throw new Error(`transaction ${hash} reverted`);
        return result;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no receipt for ${hash}`);
  }

  async function blockNumber(): Promise<number> {
    return Number(await rpc.request<string>('eth_blockNumber'));
  }

  async function mine(blocks = 1): Promise<number> {
    await rpc.request('hardhat_mine', [toQuantity(BigInt(blocks))]);
    return blockNumber();
  }

  async function advanceTime(seconds: number): Promise<number> {
    await rpc.request('evm_increaseTime', [seconds]);
    return mine(1);
  }

  async function deployContract(artifact: ContractArtifact, args: readonly unknown[] = [], from?: string): Promise<string> {
    const iface = new Interface(artifact.abi as string);
    const data = artifact.bytecode + iface.encodeDeploy(args as unknown[]).slice(2);
    const receipt = await sendTransaction({ from, data, gas: 16_000_000n });
    if (!receipt.contractAddress) throw new Error('deployment produced no contract address');
    return receipt.contractAddress;
  }

  const chain: LocalChain = {
    url,
    chainId: CHAIN_ID,
    pid,
    rpc,
    accounts,
    sendTransaction,
    mine,
    advanceTime,
    blockNumber,
    deployContract,
    stop,
  };

  if (parameters.multicall ?? true) {
    try {
      await rpc.request('hardhat_setCode', [MULTICALL3_ADDRESS, compileTestContracts().TestMulticall.deployedBytecode]);
      await mine(1);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return chain;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** A JSON-RPC quantity. */
export function toQuantity(value: bigint | number): string {
  return '0x' + BigInt(value).toString(16);
}
