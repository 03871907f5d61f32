// ERC20Votes power from DelegateVotesChanged logs equals getPastVotes on a real local chain: transfers,
// delegations and re-delegations before and after the snapshot block, several changes in one block;
// the strategy falls back to getPastVotes when the node refuses the logs or they disagree with the contract.
import t from 'tap';
import { Interface } from '@ethersproject/abi';
import { getAddress } from '@ethersproject/address';
import { keccak256 } from '@ethersproject/keccak256';
import { createRpcPool } from '../server/chain/rpc-pool.ts';
import { createPowerCache } from '../server/scoring/power-cache.ts';
import { createStrategyDependencies } from '../server/scoring/read-power.ts';
import { createErc20Votes, LOGS_MIN_ADDRESSES } from '../server/scoring/strategies/erc20-votes.ts';
import { readVotesFromLogs } from '../server/scoring/strategies/read-votes-from-logs.ts';
import { startChain, toQuantity } from './support/chain.ts';
import { compileTestContracts } from './support/solidity.ts';

const E18 = 10n ** 18n;
const NETWORK = '31337';
const chain = await startChain();
t.teardown(() => chain.stop());
const rpcUrls = { [NETWORK]: chain.url };
const { VotesToken } = compileTestContracts();
const token = new Interface(VotesToken.abi as string[]);
const tokenAddress = await chain.deployContract(VotesToken, ['Logs', 'LOG', 1000n * E18]);
const keyed = chain.accounts.slice(0, 8).map((account) => account.address);
const [alice, bob, carol, dave, erin] = keyed;
// Holders without keys, self-delegated at mint: enough of them for the strategy to take the log path.
const holders = Array.from({ length: LOGS_MIN_ADDRESSES + 100 }, (_, i) => getAddress(`0x${keccak256(`0x${(i + 7).toString(16).padStart(8, '0')}`).slice(-40)}`));
const everyone = [...keyed, ...holders, '0x000000000000000000000000000000000000dEaD'];

const data = (method: string, args: unknown[]) => token.encodeFunctionData(method, args);
async function send(from: string, method: string, args: unknown[]): Promise<number> {
  return (await chain.sendTransaction({ from, to: tokenAddress, data: data(method, args) })).blockNumber;
}
/** Sends the transactions into one block (automine off meanwhile); returns that block. */
async function oneBlock(transactions: [string, string, unknown[]][]): Promise<number> {
  await chain.rpc.request('evm_setAutomine', [false]);
  try {
    for (const [from, method, args] of transactions) {
      await chain.rpc.request('eth_sendTransaction', [{ from, to: tokenAddress, data: data(method, args), gas: toQuantity(500_000n) }]);
    }
    return await chain.mine(1);
  } finally {
    await chain.rpc.request('evm_setAutomine', [true]);
  }
}
async function pastVotes(account: string, block: number): Promise<bigint> {
  return BigInt(await chain.rpc.request<string>('eth_call', [{ to: tokenAddress, data: data('getPastVotes', [account, block]) }, 'latest']));
}

// History: self-delegation, transfers and delegations, several changes in one block, more after the snapshots.
const blocks: number[] = [];
for (let i = 0; i < holders.length; i += 150) {
  await chain.sendTransaction({ to: tokenAddress, data: data('mintBatch', [holders.slice(i, i + 150), 3n * E18, true]), gas: 16_000_000n });
}
blocks.push(await send(alice, 'delegate', [alice]));
await send(alice, 'transfer', [bob, 100n * E18]);
blocks.push(await send(bob, 'delegate', [carol]));
blocks.push(
  await oneBlock([
    [alice, 'transfer', [carol, 40n * E18]],
    [carol, 'delegate', [dave]],
    [bob, 'delegate', [bob]],
    [alice, 'transfer', [bob, 7n * E18]],
  ]),
);
blocks.push(await send(dave, 'delegate', [erin]));
const S = await send(carol, 'delegate', [carol]);
blocks.push(S);
// After the snapshot: none of this may show at S.
await send(bob, 'delegate', [alice]);
await oneBlock([
  [alice, 'transfer', [dave, 500n * E18]],
  [dave, 'delegate', [dave]],
]);
await chain.mine(2);

t.test('votes from logs = getPastVotes for every account at every block of the history', async (t) => {
  const rpc = createRpcPool().get(chain.url);
  for (const block of [...blocks, blocks[0] - 1]) {
    const fromLogs = await readVotesFromLogs({ rpc, token: tokenAddress, block, addresses: everyone });
    if (!fromLogs) throw new Error('logs not read');
    for (const [i, account] of everyone.entries()) {
      if (fromLogs[i] !== (await pastVotes(account, block))) t.fail(`${account} at ${block}: ${fromLogs[i]}`);
    }
    t.pass(`block ${block}: ${everyone.length} accounts agree`);
  }
  // The history does move votes: the check above is not comparing zeros.
  t.not(await pastVotes(carol, blocks[1]), await pastVotes(carol, blocks[2]));
  t.equal(await pastVotes(holders[0], S), 3n * E18);
});

/** Strategy dependencies whose fetch records the JSON-RPC methods and may rewrite an `eth_getLogs` answer. */
function recorded(answerLogs?: (request: { id: unknown }, upstream: () => Promise<unknown>) => Promise<unknown>) {
  const methods: string[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body)) as { method: string; id: unknown } | { method: string; id: unknown }[];
    const calls = Array.isArray(body) ? body : [body];
    methods.push(...calls.map((call) => call.method));
    if (!answerLogs || !calls.some((call) => call.method === 'eth_getLogs')) return fetch(input, init);
    // Each call on its own so the logs answer can be replaced, then the batch is put back together.
    const answers = await Promise.all(
      calls.map(async (call) => {
        const upstream = async () => (await (await fetch(input, { ...init, body: JSON.stringify(call) })).json()) as unknown;
        return call.method === 'eth_getLogs' ? answerLogs(call, upstream) : upstream();
      }),
    );
    return new Response(JSON.stringify(Array.isArray(body) ? answers : answers[0]), { headers: { 'content-type': 'application/json' } });
  };
  return { dependencies: createStrategyDependencies({ rpcPool: createRpcPool({ fetch: recordingFetch }), cache: createPowerCache() }), methods };
}

async function expected(block: number): Promise<Record<string, number>> {
  const power: Record<string, number> = {};
  for (const account of everyone) power[account] = Number((await pastVotes(account, block)) / 10n ** 12n) / 1e6;
  return power;
}

t.test('erc20-votes reads many accounts from the logs, and they equal getPastVotes at S', async (t) => {
  const { dependencies, methods } = recorded();
  const power = await createErc20Votes(dependencies).getPower({ addresses: everyone, snapshot: S, network: NETWORK, params: { address: tokenAddress, decimals: 18 }, rpcUrls });
  t.same(power, await expected(S));
  t.ok(methods.includes('eth_getLogs'), 'read from the logs');
  t.ok(methods.filter((method) => method === 'eth_call').length <= 2, 'only the sample read by calls');
});

t.test('a node that refuses the log query: getPastVotes for every account, same result', async (t) => {
  const { dependencies, methods } = recorded(async (request) => ({ jsonrpc: '2.0', id: request.id, error: { code: -32005, message: 'query returned more than 10000 results' } }));
  const power = await createErc20Votes(dependencies).getPower({ addresses: everyone, snapshot: S, network: NETWORK, params: { address: tokenAddress, decimals: 18 }, rpcUrls });
  t.same(power, await expected(S));
  t.ok(methods.includes('eth_getLogs'));
  t.ok(methods.filter((method) => method === 'eth_call').length >= Math.ceil(everyone.length / 500), 'read by calls');
});

t.test('logs that disagree with the contract (a token whose events lie): the sample catches it, getPastVotes wins', async (t) => {
  const { dependencies, methods } = recorded(async (_request, upstream) => {
    const answer = (await upstream()) as { result: { data: string }[] };
    // Every newVotes one unit higher than the contract's checkpoint.
    for (const log of answer.result) log.data = `${log.data.slice(0, 66)}${(BigInt(`0x${log.data.slice(66)}`) + 1n).toString(16).padStart(64, '0')}`;
    return answer;
  });
  const power = await createErc20Votes(dependencies).getPower({ addresses: everyone, snapshot: S, network: NETWORK, params: { address: tokenAddress, decimals: 18 }, rpcUrls });
  t.same(power, await expected(S));
  t.ok(methods.includes('eth_getLogs'));
});
