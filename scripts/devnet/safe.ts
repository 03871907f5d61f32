/** Safe v1.4.1 on the local chain: canonical deployment through the singleton factory, and N-of-M Safes. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as protocolKit from '@safe-global/protocol-kit';
import { getContractAddress, keccak256, zeroHash, type Hex } from 'viem';
import type { LocalChain } from './chain.ts';

// protocol-kit ships one CJS-flavoured index.d.ts: under NodeNext TypeScript types the default import as
// the whole module (so the class is `.default.default`), while at run time the ESM build's default
// export is the Safe class itself.
export const Safe = protocolKit.default as unknown as typeof protocolKit.default.default;
export type SafeKit = Awaited<ReturnType<typeof Safe.init>>;
/** `SigningMethod.ETH_SIGN_TYPED_DATA_V4` of @safe-global/types-kit. */
export const ETH_SIGN_TYPED_DATA_V4 = 'eth_signTypedData_v4';

const require = createRequire(import.meta.url);

/** The `contractNetworks[chainId]` entry protocol-kit needs for a local chain. */
export type SafeContracts = {
  safeSingletonAddress: string;
  safeProxyFactoryAddress: string;
  multiSendAddress: string;
  multiSendCallOnlyAddress: string;
  fallbackHandlerAddress: string;
  signMessageLibAddress: string;
  createCallAddress: string;
  simulateTxAccessorAddress: string;
};

/** key → [safe-contracts artifact under build/artifacts/contracts, safe-deployments v1.4.1 file]. */
const CONTRACTS: Record<keyof SafeContracts, [string, string]> = {
  safeSingletonAddress: ['SafeL2.sol/SafeL2.json', 'safe_l2.json'],
  safeProxyFactoryAddress: ['proxies/SafeProxyFactory.sol/SafeProxyFactory.json', 'safe_proxy_factory.json'],
  multiSendAddress: ['libraries/MultiSend.sol/MultiSend.json', 'multi_send.json'],
  multiSendCallOnlyAddress: ['libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json', 'multi_send_call_only.json'],
  fallbackHandlerAddress: [
    'handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json',
    'compatibility_fallback_handler.json',
  ],
  signMessageLibAddress: ['libraries/SignMessageLib.sol/SignMessageLib.json', 'sign_message_lib.json'],
  createCallAddress: ['libraries/CreateCall.sol/CreateCall.json', 'create_call.json'],
  simulateTxAccessorAddress: ['accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json', 'simulate_tx_accessor.json'],
};

/** The Safe ABI (v1.4.1) from its hardhat artifact. */
export function safeArtifact(): { abi: unknown[]; bytecode: string } {
  return readJson(require.resolve('@safe-global/safe-contracts/build/artifacts/contracts/Safe.sol/Safe.json'));
}

/** Deploys the singleton factory (presigned tx) and the nine-less-one Safe 1.4.1 contracts at their canonical addresses. */
export async function deploySafeContracts(chain: LocalChain): Promise<SafeContracts> {
  const factory = readJson<{ gasPrice: number; gasLimit: number; signerAddress: string; transaction: string; address: string }>(
    require.resolve(`@safe-global/safe-singleton-factory/artifacts/${chain.chainId}/deployment.json`),
  );
  if ((await chain.rpc.request<string>('eth_getCode', [factory.address, 'latest'])) === '0x') {
    await chain.sendTransaction({ to: factory.signerAddress, value: BigInt(factory.gasPrice) * BigInt(factory.gasLimit) });
    const hash = await chain.rpc.request<string>('eth_sendRawTransaction', [factory.transaction]);
    await waitForCode(chain, factory.address, hash);
  }

  const contracts = {} as SafeContracts;
  for (const [key, [artifactPath, deploymentFile]] of Object.entries(CONTRACTS) as [keyof SafeContracts, [string, string]][]) {
    const { bytecode } = readJson<{ bytecode: Hex }>(
      require.resolve(`@safe-global/safe-contracts/build/artifacts/contracts/${artifactPath}`),
    );
    const address = getContractAddress({ opcode: 'CREATE2', from: factory.address as Hex, salt: zeroHash, bytecode });
    const canonical = readJson<{ deployments: { canonical: { address: string; codeHash: string } } }>(
      require.resolve(`@safe-global/safe-deployments/dist/assets/v1.4.1/${deploymentFile}`),
    ).deployments.canonical;
    if (address !== canonical.address) throw new Error(`${key}: CREATE2 address ${address} is not canonical ${canonical.address}`);
    if ((await chain.rpc.request<string>('eth_getCode', [address, 'latest'])) === '0x') {
      await chain.sendTransaction({ to: factory.address, data: zeroHash + bytecode.slice(2), gas: 6_000_000n });
    }
    const code = await chain.rpc.request<Hex>('eth_getCode', [address, 'latest']);
    if (keccak256(code) !== canonical.codeHash) throw new Error(`${key}: deployed code hash differs from the canonical one`);
    contracts[key] = address;
  }
  return contracts;
}

export type CreateSafeParameters = {
  chain: LocalChain;
  contracts: SafeContracts;
  owners: readonly string[];
  threshold: number;
  /** Distinct Safes for the same owners; default a fresh random value. */
  saltNonce?: string;
  /** Wei sent to the Safe right after deployment. */
  fund?: bigint;
};

/** Deploys an N-of-M Safe 1.4.1 through protocol-kit (predicted address, deployment tx from accounts[0]); returns its address. */
export async function createSafe(parameters: CreateSafeParameters): Promise<string> {
  const { chain, contracts, owners, threshold } = parameters;
  const kit = await Safe.init({
    provider: chain.url,
    predictedSafe: {
      safeAccountConfig: { owners: [...owners], threshold },
      safeDeploymentConfig: {
        saltNonce: parameters.saltNonce ?? String(Math.floor(Math.random() * 1e15)),
        safeVersion: '1.4.1',
      },
    },
    contractNetworks: safeContractNetworks(chain, contracts),
  });
  const address = await kit.getAddress();
  const deployment = await kit.createSafeDeploymentTransaction();
  await chain.sendTransaction({ to: deployment.to, data: deployment.data, value: BigInt(deployment.value) });
  if ((await chain.rpc.request<string>('eth_getCode', [address, 'latest'])) === '0x') {
    throw new Error('the Safe was not deployed at its predicted address');
  }
  if (parameters.fund) await chain.sendTransaction({ to: address, value: parameters.fund });
  return address;
}

/** A protocol-kit instance for an owner's key on a deployed Safe. */
export async function connectSafe(chain: LocalChain, contracts: SafeContracts, safeAddress: string, signer: string): Promise<SafeKit> {
  return Safe.init({ provider: chain.url, signer, safeAddress, contractNetworks: safeContractNetworks(chain, contracts) });
}

/** `contractNetworks` for protocol-kit. */
export function safeContractNetworks(chain: LocalChain, contracts: SafeContracts): Record<string, SafeContracts> {
  return { [String(chain.chainId)]: contracts };
}

async function waitForCode(chain: LocalChain, address: string, hash: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await chain.rpc.request<string>('eth_getCode', [address, 'latest'])) !== '0x') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no code at ${address} after ${hash}`);
}

function readJson<T = { abi: unknown[]; bytecode: string }>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
