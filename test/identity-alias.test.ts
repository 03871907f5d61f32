/** Aliases (session keys) expire after ALIAS_MAX_AGE and stop signing once revoked; nothing is written when refused. */
import t from 'tap';
import { graphql, postJson } from './support/client.ts';
import { createProposal, now, putSpace, tableCounts } from './support/identity-service.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

const server = await startTestServer({ ALIAS_MAX_AGE: '60' });
t.teardown(() => server.close());
const [controller, owner, staleKey, freshKey] = wallets(4, 13);
const SPACE = 'aliased.eth';
await putSpace(server, controller, SPACE);
const proposal = await createProposal(server, controller, SPACE, now() - 10);
const voteAs = async (key: typeof staleKey, reason: string, timestamp = now()) =>
  postJson(server.url, await sign(key, 'vote', { space: SPACE, proposal, choice: 1, reason, from: owner.address, timestamp }));

t.test('an alias older than ALIAS_MAX_AGE no longer signs; a fresh one does until revoked', async (tt) => {
  tt.equal((await postJson(server.url, await sign(owner, 'alias', { alias: staleKey.address, timestamp: now() - 120 }))).status, 200);
  tt.equal((await postJson(server.url, await sign(owner, 'alias', { alias: freshKey.address }))).status, 200);

  let before = await tableCounts(server);
  tt.same(await voteAs(staleKey, 'stale'), { status: 400, body: { error: 'client_error', error_description: 'wrong alias' } }, 'expired alias');
  tt.same(await tableCounts(server), before, 'nothing written');

  const accepted = await voteAs(freshKey, 'fresh');
  tt.equal(accepted.status, 200);
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${proposal}" }) { voter reason } }`);
  tt.same(data.votes, [{ voter: owner.address, reason: 'fresh' }], 'the vote counts for the owner');

  tt.equal((await postJson(server.url, await sign(owner, 'revoke-alias', { alias: freshKey.address }))).status, 200);
  before = await tableCounts(server);
  tt.same(await voteAs(freshKey, 'revoked'), { status: 400, body: { error: 'client_error', error_description: 'wrong alias' } }, 'revoked alias');
  tt.same(await tableCounts(server), before, 'nothing written');

  // Renewing the stale link (a new alias message) makes the key sign again.
  tt.equal((await postJson(server.url, await sign(owner, 'alias', { alias: staleKey.address }))).status, 200);
  // One second later than the accepted vote, so it replaces it (latest wins).
  const renewed = await voteAs(staleKey, 'renewed', now() + 2);
  tt.equal(renewed.status, 200, JSON.stringify(renewed.body));
});
