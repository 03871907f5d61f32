import t from 'tap';
import { Interface } from '@ethersproject/abi';
import { Wallet } from '@ethersproject/wallet';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/open-database.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { graphql, postJson } from './support/client.ts';
import { startChain } from './support/chain.ts';
import { startTestServer } from './support/server.ts';
import { sign } from './support/sign.ts';
import { compileTestContracts } from './support/solidity.ts';

// Votes whose power is read from a real local chain, through the running service.
const E18 = 10n ** 18n;
const chain = await startChain();
t.teardown(() => chain.stop());
const server = await startTestServer({ RPC_URLS: JSON.stringify({ 31337: chain.url }), FINALIZE_INTERVAL_MS: '3600000' });
t.teardown(() => server.close());
const [alice, bob, carol] = chain.accounts.slice(0, 3).map((account) => new Wallet(account.privateKey));
const now = () => Math.floor(Date.now() / 1000);

const { VotesToken } = compileTestContracts();
const token = new Interface(VotesToken.abi as string[]);
const tokenAddress = await chain.deployContract(VotesToken, ['Conclave', 'CNV', 1000n * E18]);
const send = (from: string, method: string, args: unknown[]) =>
  chain.sendTransaction({ from, to: tokenAddress, data: token.encodeFunctionData(method, args) });
const pastVotes = async (account: string, block: number) =>
  BigInt(await chain.rpc.request<string>('eth_call', [{ to: tokenAddress, data: token.encodeFunctionData('getPastVotes', [account, block]) }, 'latest']));

// History: alice self-delegates, sends bob 250, bob delegates to himself; snapshot S; then alice sends carol 500.
await send(alice.address, 'delegate', [alice.address]);
await send(alice.address, 'transfer', [bob.address, 250n * E18]);
const snapshot = (await send(bob.address, 'delegate', [bob.address])).blockNumber;
await send(alice.address, 'transfer', [carol.address, 500n * E18]);
await send(carol.address, 'delegate', [carol.address]);
await chain.mine(1);

const post = (body: unknown) => postJson(server.url, body);
const settings = JSON.stringify({
  name: 'Token DAO',
  network: '31337',
  strategies: [{ name: 'erc20-votes', params: { address: tokenAddress, decimals: 18, symbol: 'CNV' } }],
});
t.equal((await post(await sign(alice, 'settings', { space: 'token.eth', settings }))).status, 200);

t.test('power is getPastVotes at the snapshot block, whatever happened after', async (tt) => {
  const created = await post(await sign(alice, 'proposal', { space: 'token.eth', title: 'Past', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600, snapshot }));
  tt.equal(created.status, 200);
  tt.equal((await post(await sign(alice, 'vote', { space: 'token.eth', proposal: created.body.id, choice: 1 }))).status, 200);
  tt.equal((await post(await sign(bob, 'vote', { space: 'token.eth', proposal: created.body.id, choice: 2 }))).status, 200);
  // carol received and delegated only after the snapshot: no power there.
  const refused = await post(await sign(carol, 'vote', { space: 'token.eth', proposal: created.body.id, choice: 1 }));
  tt.same(refused.body, { error: 'client_error', error_description: 'no voting power' });
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${created.body.id}" }, orderBy: "vp") { voter vp vp_state } proposal(id: "${created.body.id}") { scores } }`);
  const expectedAlice = Number(await pastVotes(alice.address, snapshot)) / 1e18;
  const expectedBob = Number(await pastVotes(bob.address, snapshot)) / 1e18;
  tt.same(data.votes, [
    { voter: alice.address, vp: expectedAlice, vp_state: 'final' },
    { voter: bob.address, vp: expectedBob, vp_state: 'final' },
  ]);
  tt.same([expectedAlice, expectedBob], [750, 250]);
  tt.same(data.proposal.scores, [750, 250]);
});

t.test('a snapshot block in the future gives pending power, confirmed at close', async (tt) => {
  const head = await chain.blockNumber();
  const future = head + 3;
  const created = await post(await sign(alice, 'proposal', { space: 'token.eth', title: 'Future', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600, snapshot: future }));
  tt.equal((await post(await sign(carol, 'vote', { space: 'token.eth', proposal: created.body.id, choice: 1 }))).status, 200);
  let { data } = await graphql(server.url, `{ votes(where: { proposal: "${created.body.id}" }) { vp vp_state } }`);
  tt.same(data.votes, [{ vp: 500, vp_state: 'pending' }]);
  const decideAt = now() + 7200;
  const decide = () => decideProposal({ db: server.database.db, serviceKey: server.app.serviceKey, proposalId: created.body.id, now: decideAt, settleSeconds: 0, rpcUrls: { 31337: chain.url } });
  await tt.rejects(decide(), /waiting for snapshot block/, 'the decision waits for the block');
  // Before the block is mined, carol passes 200 on to bob: her power at the block is 300.
  await send(carol.address, 'transfer', [bob.address, 200n * E18]);
  await chain.mine(4);
  const result = await decide();
  tt.equal(result.status, 'decided');
  ({ data } = await graphql(server.url, `{ votes(where: { proposal: "${created.body.id}" }) { vp vp_state } proposal(id: "${created.body.id}") { scores outcome { votesCount } } }`));
  tt.same(data.votes, [{ vp: Number(await pastVotes(carol.address, future)) / 1e18, vp_state: 'final' }]);
  tt.same(data.votes[0].vp, 300);
  tt.same(data.proposal.scores, [300, 0]);
});

t.test('a percentage quorum is that share of the token supply at the snapshot block', async (tt) => {
  const pct = JSON.stringify({ ...JSON.parse(settings), voting: { quorumPercentage: 50 } });
  tt.equal((await post(await sign(alice, 'settings', { space: 'pct.eth', settings: pct }))).status, 200);
  const created = await post(await sign(alice, 'proposal', { space: 'pct.eth', type: 'basic', title: 'Quorum', choices: ['For', 'Against'], start: now() - 10, end: now() + 3600, snapshot }));
  tt.equal((await post(await sign(bob, 'vote', { space: 'pct.eth', proposal: created.body.id, choice: 1 }))).status, 200);
  const result = await decideProposal({ db: server.database.db, serviceKey: server.app.serviceKey, proposalId: created.body.id, now: now() + 7200, settleSeconds: 0, rpcUrls: { 31337: chain.url } });
  tt.match((result as { decision: unknown }).decision, { quorum: 500, quorumReached: false, outcome: 'rejected', scoresTotal: 250 });
});

t.test('an unreachable chain refuses the vote with a clear reason and writes nothing', async (tt) => {
  const dead = await startTestServer({ RPC_URLS: JSON.stringify({ 31337: 'http://127.0.0.1:9' }) });
  tt.teardown(() => dead.close());
  const settingsDead = await sign(alice, 'settings', { space: 'dead.eth', settings });
  tt.equal((await postJson(dead.url, settingsDead)).status, 200);
  const created = await postJson(dead.url, await sign(alice, 'proposal', { space: 'dead.eth', title: 'Dead', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600, snapshot }));
  tt.equal(created.status, 200);
  const [before] = await queryRows<{ n: string }>(dead.database.db, sql`SELECT count(*) AS n FROM messages`);
  const refused = await postJson(dead.url, await sign(bob, 'vote', { space: 'dead.eth', proposal: created.body.id, choice: 1 }));
  tt.same(refused.body, { error: 'client_error', error_description: 'failed to check voting power' });
  const [after] = await queryRows<{ n: string }>(dead.database.db, sql`SELECT count(*) AS n FROM messages`);
  tt.equal(after.n, before.n);
});
