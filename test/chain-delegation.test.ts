import t from 'tap';
import { Interface } from '@ethersproject/abi';
import { createRpcPool } from '../server/chain/rpc-pool.ts';
import { StrategyParamsError, VotingPowerError } from '../server/scoring/errors.ts';
import { createStrategyDependencies } from '../server/scoring/read-power.ts';
import { createDelegation, delegation, DELEGATE_REGISTRY_ADDRESS } from '../server/scoring/strategies/delegation.ts';
import type { GetPowerParameters } from '../server/scoring/strategy.ts';
import { freePort, startChain } from './support/chain.ts';
import { compileTestContracts } from './support/solidity.ts';

const E18 = 10n ** 18n;
const NETWORK = '31337';
const GLOBAL = '0x' + '0'.repeat(64);
const SPACE = '0x' + Buffer.from('conclave.eth').toString('hex').padEnd(64, '0');

const chain = await startChain();
t.teardown(() => chain.stop());
const rpcUrls = { [NETWORK]: chain.url };
const [alice, bob, carol, dave, erin] = chain.accounts.map((account) => account.address);

const { VotesToken, TestDelegateRegistry } = compileTestContracts();
await chain.rpc.request('hardhat_setCode', [DELEGATE_REGISTRY_ADDRESS, TestDelegateRegistry.deployedBytecode]);
const registry = new Interface(TestDelegateRegistry.abi as string[]);
const token = new Interface(VotesToken.abi as string[]);
const tokenAddress = await chain.deployContract(VotesToken, ['Conclave', 'CNV', 1000n * E18]);
for (const [to, amount] of [[bob, 100n], [carol, 50n], [dave, 25n]] as const) {
  await chain.sendTransaction({ to: tokenAddress, data: token.encodeFunctionData('transfer', [to, amount * E18]) });
}
async function delegate(from: string, id: string, to: string | null): Promise<number> {
  const data = to ? registry.encodeFunctionData('setDelegate', [id, to]) : registry.encodeFunctionData('clearDelegate', [id]);
  return (await chain.sendTransaction({ from, to: DELEGATE_REGISTRY_ADDRESS, data })).blockNumber;
}

const beforeDelegations = await chain.blockNumber();
await delegate(bob, SPACE, alice); // space-specific
await delegate(carol, GLOBAL, alice); // global
await delegate(dave, GLOBAL, erin);
await delegate(dave, SPACE, carol);
await delegate(dave, SPACE, alice); // re-delegation: ClearDelegate(carol) + SetDelegate(alice)
const S = await chain.blockNumber();
// after the snapshot: carol withdraws her global delegation, bob moves his tokens
await delegate(carol, GLOBAL, null);
await chain.sendTransaction({ from: bob, to: tokenAddress, data: token.encodeFunctionData('transfer', [erin, 100n * E18]) });

const balance = { name: 'erc20-balance-of', params: { address: tokenAddress, decimals: 18 } };
const params = { space: 'conclave.eth', strategies: [balance] };
function power(addresses: string[], snapshot: number | 'latest', p: Record<string, unknown> = params) {
  const parameters: GetPowerParameters = { addresses, snapshot, network: NETWORK, params: p, rpcUrls };
  return delegation.getPower(parameters);
}

t.test('delegators’ power moves to the delegate; space delegation overrides the global one', async (t) => {
  t.same(await power([alice], S), { [alice]: 175 }, 'bob 100 (space) + carol 50 (global) + dave 25 (space over global)');
  t.same(await power([erin, carol], S), { [erin]: 0, [carol]: 0 });
  t.same(await power([alice, erin], S, { ...params, space: 'other.eth' }), { [alice]: 50, [erin]: 25 }, 'another space sees only global delegations');
  t.same(await power([alice, erin], S, { strategies: [balance] }), { [alice]: 50, [erin]: 25 }, 'no space: global only');
  t.same(await power([alice], beforeDelegations), { [alice]: 0 });
});

t.test('override: a delegator who voted keeps their power (it leaves the delegate)', async (t) => {
  t.same(await power([alice, bob], S), { [alice]: 75, [bob]: 0 });
  t.same(await power([alice, bob, carol, dave], S), { [alice]: 0, [bob]: 0, [carol]: 0, [dave]: 0 });
});

t.test('later clears and transfers do not change power at S; latest sees them', async (t) => {
  const fresh = createDelegation({ dependencies: createStrategyDependencies() });
  const at = (snapshot: number | 'latest') =>
    fresh.getPower({ addresses: [alice], snapshot, network: NETWORK, params, rpcUrls });
  t.same(await at(S), { [alice]: 175 });
  t.same(await at('latest'), { [alice]: 25 }, 'bob now holds 0, carol cleared');
});

t.test('several sub-strategies add up', async (t) => {
  const twice = { ...params, strategies: [balance, { name: 'erc20-balance-of', params: { address: tokenAddress, decimals: 17 } }] };
  t.same(await power([alice], S, twice), { [alice]: 175 * 11 });
});

t.test('params are validated; RPC down → failed to check voting power', async (t) => {
  t.throws(() => delegation.validateParams({ strategies: [] }), StrategyParamsError);
  t.throws(() => delegation.validateParams({ strategies: [{ name: 'delegation', params: {} }] }), StrategyParamsError);
  t.throws(() => delegation.validateParams({ strategies: [{ name: 'erc20-balance-of', params: { decimals: 18 } }] }), StrategyParamsError);
  t.throws(() => delegation.validateParams({ ...params, space: 'x'.repeat(40) }), StrategyParamsError);
  t.doesNotThrow(() => delegation.validateParams(params));

  const down = createDelegation({ dependencies: createStrategyDependencies({ rpcPool: createRpcPool({ retries: 0 }) }) });
  const error = await down
    .getPower({ addresses: [alice], snapshot: S, network: NETWORK, params, rpcUrls: { [NETWORK]: `http://127.0.0.1:${await freePort()}` } })
    .catch((caught: unknown) => caught);
  t.type(error, VotingPowerError);
  t.equal((error as Error).message, 'failed to check voting power');
});
