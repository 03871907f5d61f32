/** Offline compilation of the dev-chain contracts (`scripts/devnet/contracts`) with the solc npm package, cached on disk by source hash. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Artifact = { abi: unknown[]; bytecode: string; deployedBytecode: string };

export type TestArtifacts = { VotesToken: Artifact; TestMulticall: Artifact; TestDelegateRegistry: Artifact };

const require = createRequire(import.meta.url);
const contractsDir = join(dirname(fileURLToPath(import.meta.url)), 'contracts');
const SOURCES = ['VotesToken.sol', 'TestMulticall.sol', 'TestDelegateRegistry.sol'] as const;
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

let memo: TestArtifacts | undefined;

/** Compiles `scripts/devnet/contracts/*.sol` (once per process; reused from the temp dir while sources are unchanged). */
export function compileTestContracts(): TestArtifacts {
  if (memo) return memo;
  const sources: Record<string, { content: string }> = {};
  for (const file of SOURCES) sources[file] = { content: readFileSync(join(contractsDir, file), 'utf8') };
  const solcVersion = (require('solc/package.json') as { version: string }).version;
  const ozVersion = (require('@openzeppelin/contracts/package.json') as { version: string }).version;
  const key = createHash('sha256')
    .update(JSON.stringify({ sources, SETTINGS, solcVersion, ozVersion }))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = join(tmpdir(), 'conclave-solc');
  const cacheFile = join(cacheDir, `${key}.json`);
  try {
    memo = JSON.parse(readFileSync(cacheFile, 'utf8')) as TestArtifacts;
    return memo;
  } catch {
    // not cached yet
  }
  memo = compile(sources);
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(memo));
  renameSync(partial, cacheFile);
  return memo;
}

function compile(sources: Record<string, { content: string }>): TestArtifacts {
  const solc = require('solc') as { compile(input: string, callbacks: object): string };
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const findImports = (path: string): { contents: string } | { error: string } => {
    try {
      return { contents: readFileSync(require.resolve(path), 'utf8') };
    } catch {
      return { error: `not found: ${path}` };
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const pick = (file: string, name: string): Artifact => {
    const contract = output.contracts[file]?.[name];
    if (!contract) throw new Error(`solc produced no ${name}`);
    return {
      abi: contract.abi,
      bytecode: '0x' + contract.evm.bytecode.object,
      deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
    };
  };
  return {
    VotesToken: pick('VotesToken.sol', 'VotesToken'),
    TestMulticall: pick('TestMulticall.sol', 'TestMulticall'),
    TestDelegateRegistry: pick('TestDelegateRegistry.sol', 'TestDelegateRegistry'),
  };
}
