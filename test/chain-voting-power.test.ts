import t from 'tap';
import { Interface } from '@ethersproject/abi';
import { encodeAggregate3 } from '../server/chain/abi.ts';
import { MULTICALL3_ADDRESS, readContracts } from '../server/chain/read-contracts.ts';
import { createRpcPool } from '../server/chain/rpc-pool.ts';
import { VotingPowerError, StrategyParamsError } from '../server/scoring/errors.ts';
import { createPowerCache } from '../server/scoring/power-cache.ts';
import { createStrategyDependencies, type StrategyDependencies } from '../server/scoring/read-power.ts';
import { createErc20BalanceOf, erc20BalanceOf } from '../server/scoring/strategies/erc20-balance-of.ts';
import { createErc20Votes, erc20Votes } from '../server/scoring/strategies/erc20-votes.ts';
import { createEthBalance, ethBalance } from '../server/scoring/strategies/eth-balance.ts';
import type { GetPowerParameters, Strategy } from '../server/scoring/strategy.ts';
import { freePort, startChain, toQuantity } from './support/chain.ts';
import { compileTestContracts } from './support/solidity.ts';

const E18 = 10n ** 18n;
const NETWORK = '31337';

const chain = await startChain();
t.teardown(() => chain.stop());
const rpcUrls = { [NETWORK]: chain.url };
const [alice, bob, carol, dave] = chain.accounts.map((account) => account.address);
const fresh = '0x000000000000000000000000000000000000dEaD';

const { VotesToken } = compileTestContracts();
const token = new Interface(VotesToken.abi as string[]);
const tokenAddress = await chain.deployContract(VotesToken, ['Conclave', 'CNV', 1000n * E18]);
const tokenParams = { address: tokenAddress, decimals: 18, symbol: 'CNV' };

async function send(from: string, method: string, args: unknown[]): Promise<number> {
  const receipt = await chain.sendTransaction({ from, to: tokenAddress, data: token.encodeFunctionData(method, args) });
  return receipt.blockNumber;
}

async function call(method: string, args: unknown[], block: number | 'latest'): Promise<bigint> {
  const data = token.encodeFunctionData(method, args);
  return BigInt(await chain.rpc.request<string>('eth_call', [{ to: tokenAddress, data }, block === 'latest' ? 'latest' : toQuantity(block)]));
}

/** Counts HTTP requests and JSON-RPC calls of strategies built on fresh dependencies. */
function counted(): { dependencies: StrategyDependencies; requests: () => number; calls: () => number } {
  let requests = 0;
  let calls = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    requests++;
    const body = JSON.parse(String(init?.body)) as unknown;
    calls += Array.isArray(body) ? body.length : 1;
    return fetch(input, init);
  };
  const dependencies = createStrategyDependencies({ rpcPool: createRpcPool({ fetch: countingFetch }), cache: createPowerCache() });
  return { dependencies, requests: () => requests, calls: () => calls };
}

function power(strategy: Strategy, snapshot: number | 'latest', addresses: string[], params: Record<string, unknown>) {
  const parameters: GetPowerParameters = { addresses, snapshot, network: NETWORK, params, rpcUrls };
  return strategy.getPower(parameters);
}

// Known history: alice self-delegates, gives bob 100, bob delegates to carol → snapshot S.
const delegated = await send(alice, 'delegate', [alice]);
const transferred = await send(alice, 'transfer', [bob, 100n * E18]);
const S = await send(bob, 'delegate', [carol]);
t.ok(delegated < transferred && transferred < S);

t.test('at the head block: power equals balanceOf / getVotes at S', async (t) => {
  const balances = await power(erc20BalanceOf, S, [alice, bob, carol], tokenParams);
  t.same(balances, { [alice]: 900, [bob]: 100, [carol]: 0 });
  const votes = await power(erc20Votes, S, [alice, bob, carol, dave], tokenParams);
  t.same(votes, { [alice]: 900, [bob]: 0, [carol]: 100, [dave]: 0 });
  t.equal(votes[carol], Number((await call('getVotes', [carol], S)) / E18));
});

t.test('after later transfers and re-delegation, power at S is unchanged and equals getPastVotes(S)', async (t) => {
  await send(alice, 'transfer', [bob, 50n * E18]);
  await send(bob, 'delegate', [dave]);
  await chain.sendTransaction({ from: carol, to: bob, value: 5n * E18 });
  const mined = await chain.mine(3);
  const { timestamp: before } = await chain.rpc.request<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  const head = await chain.advanceTime(3600);
  const { timestamp: after } = await chain.rpc.request<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  t.equal(head, mined + 1);
  t.ok(Number(after) - Number(before) >= 3600, 'the clock moved an hour');

  // fresh dependencies: nothing cached, so these are real reads through getPastVotes / balanceOf at S
  const { dependencies } = counted();
  const votes = await power(createErc20Votes(dependencies), S, [alice, bob, carol, dave], tokenParams);
  t.same(votes, { [alice]: 900, [bob]: 0, [carol]: 100, [dave]: 0 });
  for (const account of [alice, bob, carol, dave]) {
    t.equal(votes[account], Number((await call('getPastVotes', [account, S], 'latest')) / E18), `getPastVotes(${account}, S)`);
  }
  const balances = await power(createErc20BalanceOf(dependencies), S, [alice, bob], tokenParams);
  t.same(balances, { [alice]: 900, [bob]: 100 });
  t.equal(balances[bob], Number((await call('balanceOf', [bob], S)) / E18));

  // the latest state differs
  t.same(await power(createErc20BalanceOf(dependencies), 'latest', [alice, bob], tokenParams), { [alice]: 850, [bob]: 150 });
  t.same(await power(createErc20Votes(dependencies), 'latest', [carol, dave], tokenParams), { [carol]: 0, [dave]: 150 });
  // an earlier block
  t.same(await power(createErc20Votes(dependencies), delegated, [alice, carol], tokenParams), { [alice]: 1000, [carol]: 0 });

  // the module-level strategies cached S before the transfers and still agree
  t.same(await power(erc20Votes, S, [alice, bob, carol, dave], tokenParams), votes);
  t.same(await power(erc20BalanceOf, S, [alice, bob], tokenParams), balances);
});

t.test('eth-balance at S equals eth_getBalance at S / 1e18, also after later sends', async (t) => {
  const { dependencies } = counted();
  const strategy = createEthBalance(dependencies);
  const result = await strategy.getPower({ addresses: [bob, carol, fresh], snapshot: S, network: NETWORK, params: {}, rpcUrls });
  for (const account of [bob, carol]) {
    const wei = BigInt(await chain.rpc.request<string>('eth_getBalance', [account, toQuantity(S)]));
    t.equal(result[account], Number(wei) / 1e18);
  }
  t.equal(result[fresh], 0);
  const latest = await ethBalance.getPower({ addresses: [bob], snapshot: 'latest', network: NETWORK, params: {}, rpcUrls });
  t.ok(latest[bob] > result[bob], 'bob received 5 ETH after S');
  t.ok(Math.abs(latest[bob] - result[bob] - 5) < 0.01);
  t.same(await strategy.getPower({ addresses: [carol], snapshot: S, network: NETWORK, params: { decimals: 9 }, rpcUrls }), {
    [carol]: result[carol] * 1e9,
  });
});

t.test('block 0 precedes Multicall3 on this chain: reads fall back to batched plain calls', async (t) => {
  const { dependencies, requests } = counted();
  const result = await createEthBalance(dependencies).getPower({
    addresses: [alice, bob, fresh],
    snapshot: 0,
    network: NETWORK,
    params: {},
    rpcUrls,
  });
  t.same(result, { [alice]: 10000, [bob]: 10000, [fresh]: 0 });
  t.ok(requests() <= 3, `probe + fallback batch (${requests()} HTTP requests)`);
});

t.test('a snapshot block not yet mined is read at latest and not cached', async (t) => {
  const { dependencies } = counted();
  const head = await chain.blockNumber();
  const future = await power(createErc20Votes(dependencies), head + 1000, [carol, dave], tokenParams);
  t.same(future, { [carol]: 0, [dave]: 150 }, 'same as latest');
  t.equal(dependencies.cache.size, 0, 'latest is never cached');
  await power(createErc20Votes(dependencies), 'latest', [dave], tokenParams);
  t.equal(dependencies.cache.size, 0);
  await power(createErc20Votes(dependencies), S, [dave], tokenParams);
  t.equal(dependencies.cache.size, 1, 'a mined block is cached');
});

t.test('past blocks are served from the cache; many addresses go in few requests', async (t) => {
  const { dependencies, requests, calls } = counted();
  const strategy = createErc20BalanceOf(dependencies);
  const addresses = Array.from({ length: 1200 }, (_, i) => '0x' + (i + 1).toString(16).padStart(40, '0'));
  addresses.push(alice, bob);
  const first = await power(strategy, S, addresses, tokenParams);
  t.equal(first[alice], 900);
  t.equal(first[addresses[0]], 0);
  t.equal(Object.keys(first).length, addresses.length);
  t.equal(calls(), 1 + 3, 'eth_blockNumber + 3 aggregate3 chunks of ≤ 500');
  t.ok(requests() <= 2, `${requests()} HTTP requests`);

  const before = requests();
  const second = await power(strategy, S, addresses, tokenParams);
  t.same(second, first);
  t.equal(requests(), before, 'no request at all for a cached past block');

  // other params, other cache entries
  const scaled = await power(strategy, S, [alice], { ...tokenParams, decimals: 15 });
  t.equal(scaled[alice], 900_000);
  t.ok(requests() > before);
});

t.test('the local Multicall3 returns per-call results; failures are allowed or revert like Multicall3', async (t) => {
  const head = await chain.blockNumber();
  const calls = [
    { target: tokenAddress, callData: token.encodeFunctionData('balanceOf', [alice]) },
    { target: tokenAddress, callData: token.encodeFunctionData('getPastVotes', [alice, head + 100]) },
    { target: tokenAddress, callData: token.encodeFunctionData('name') },
  ];
  const results = await readContracts({ rpc: chain.rpc, calls, block: 'latest' });
  t.same(results[0], { success: true, returnData: '0x' + (850n * E18).toString(16).padStart(64, '0') });
  t.equal(results[1].success, false, 'getPastVotes of a future block reverts (ERC5805FutureLookup)');
  t.equal(results[1].returnData.slice(0, 10), token.getSighash('ERC5805FutureLookup'));
  t.equal(token.decodeFunctionResult('name', results[2].returnData)[0], 'Conclave');

  const strict = encodeAggregate3(calls.map((call) => ({ ...call, allowFailure: false })));
  await t.rejects(
    chain.rpc.request('eth_call', [{ to: MULTICALL3_ADDRESS, data: strict }, 'latest']),
    /Multicall3: call failed/,
  );
});

t.test('params are validated like Snapshot space settings', async (t) => {
  t.throws(() => erc20BalanceOf.validateParams({ decimals: 18 }), StrategyParamsError);
  t.throws(() => erc20Votes.validateParams({ address: '0x1234', decimals: 18 }), StrategyParamsError);
  t.throws(() => erc20Votes.validateParams({ address: tokenAddress, decimals: 18.5 }), StrategyParamsError);
  t.throws(() => erc20Votes.validateParams({ address: tokenAddress, decimals: 18, symbol: 7 }), StrategyParamsError);
  t.doesNotThrow(() => erc20Votes.validateParams({ address: tokenAddress.toLowerCase(), decimals: 18 }));
  t.doesNotThrow(() => ethBalance.validateParams({}));
  t.throws(() => ethBalance.validateParams({ decimals: -1 }), StrategyParamsError);
});

t.test('a token address without code or a reverting read → failed to check voting power', async (t) => {
  const noCode = { address: '0x000000000000000000000000000000000000bEEF', decimals: 18 };
  await t.rejects(power(erc20BalanceOf, S, [alice], noCode), { name: 'VotingPowerError', message: 'failed to check voting power' });
});

t.test('RPC unreachable → VotingPowerError "failed to check voting power"', async (t) => {
  const dependencies = createStrategyDependencies({ rpcPool: createRpcPool({ retries: 1, retryDelayMs: 10, timeoutMs: 2000 }) });
  const unreachable = { [NETWORK]: `http://127.0.0.1:${await freePort()}` };
  for (const strategy of [createErc20BalanceOf(dependencies), createErc20Votes(dependencies), createEthBalance(dependencies)]) {
    const error = await strategy
      .getPower({ addresses: [alice], snapshot: S, network: NETWORK, params: tokenParams, rpcUrls: unreachable })
      .catch((caught: unknown) => caught);
    t.type(error, VotingPowerError);
    t.equal((error as Error).message, 'failed to check voting power');
    t.equal((error as VotingPowerError).strategy, strategy.name);
  }
  const noUrl = await erc20Votes
    .getPower({ addresses: [alice], snapshot: S, network: '1', params: tokenParams, rpcUrls })
    .catch((caught: unknown) => caught);
  t.type(noUrl, VotingPowerError, 'no RPC for the network');
});

t.test('node killed → failed to check voting power; the node process is gone', async (t) => {
  const dependencies = createStrategyDependencies({ rpcPool: createRpcPool({ retries: 1, retryDelayMs: 10, timeoutMs: 2000 }) });
  const strategy = createErc20Votes(dependencies);
  t.same(await power(strategy, 'latest', [dave], tokenParams), { [dave]: 150 }, 'works while the node runs');
  await chain.stop();
  t.throws(() => process.kill(chain.pid, 0), { code: 'ESRCH' }, 'no orphan node process');
  await t.rejects(power(strategy, 'latest', [dave], tokenParams), { name: 'VotingPowerError', message: 'failed to check voting power' });
  await t.rejects(power(strategy, S + 1, [dave], tokenParams), VotingPowerError);
});
