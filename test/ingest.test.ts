import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import { queryRows } from '../server/db/open-database.ts';
import { startTestServer } from './support/server.ts';
import { _TypedDataEncoder } from '@ethersproject/hash';
import { sign, wallets, type Envelope } from './support/sign.ts';
import { graphql, postJson } from './support/client.ts';

// The background sweeps (recounts, risk reports) are not under test here: a recount between two table snapshots
// would look like a write by a rejected message.
const server = await startTestServer({ FINALIZE_INTERVAL_MS: '3600000', RISK_INTERVAL_MS: '3600000' });
t.teardown(() => server.close());
const [controller, admin, moderator, voter1, voter2, voter3, outsider, sessionKey] = wallets(8);
const post = (body: unknown) => postJson(server.url, body);
const now = () => Math.floor(Date.now() / 1000);

/** Every table's row count and the log head: a rejected message must change none of them. */
async function snapshotTables() {
  const [row] = await queryRows<Record<string, string>>(
    server.database.db,
    sql`SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM spaces) AS spaces,
               (SELECT count(*) FROM proposals) AS proposals, (SELECT count(*) FROM votes) AS votes,
               (SELECT count(*) FROM vote_history) AS history, (SELECT count(*) FROM follows) AS follows,
               (SELECT count(*) FROM aliases) AS aliases,
               (SELECT coalesce(string_agg(id || ':' || updated::text || ':' || deleted::text, ','), '') FROM spaces) AS space_state,
               (SELECT coalesce(string_agg(id || ':' || flagged::text || ':' || scores::text || ':' || title, ','), '') FROM proposals) AS proposal_state,
               (SELECT coalesce(string_agg(id || ':' || choice::text, ','), '') FROM votes) AS vote_state`,
  );
  return row;
}

/** Sends `body`, expects a 400 with `reason`, and checks nothing was written. */
async function rejects(tt: Test, body: unknown, reason: string, status = 400) {
  const before = await snapshotTables();
  const response = await post(body);
  tt.equal(response.status, status, `status for "${reason}"`);
  tt.same(response.body, { error: 'client_error', error_description: reason });
  tt.same(await snapshotTables(), before, `nothing written for "${reason}"`);
}

const settings = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name: 'Test DAO',
    network: '1',
    symbol: 'TEST',
    strategies: [{ name: 'whitelist', params: { addresses: { [voter1.address]: 10, [voter2.address]: 5, [voter3.address]: 1, [controller.address]: 1 } } }],
    admins: [admin.address],
    moderators: [moderator.address],
    ...extra,
  });

let proposalId = '';

t.test('settings creates a space whose creator is the controller', async (tt) => {
  const response = await post(await sign(controller, 'settings', { space: 'test.eth', settings: settings() }));
  tt.equal(response.status, 200);
  tt.match(response.body, { id: /^0x[0-9a-f]{64}$/, ipfs: /^baga/, relayer: { address: server.app.serviceKey.address, receipt: /^0x[0-9a-f]{130}$/ } });
  const { data } = await graphql(server.url, '{ space(id: "test.eth") { id name controller admins strategies { name } } }');
  tt.same(data.space, { id: 'test.eth', name: 'Test DAO', controller: controller.address, admins: [admin.address], strategies: [{ name: 'whitelist' }] });
});

t.test('the same envelope twice returns the same receipt and writes nothing new', async (tt) => {
  const envelope = await sign(controller, 'follow', { space: 'test.eth' });
  const first = await post(envelope);
  const before = await snapshotTables();
  const [second, third] = await Promise.all([post(envelope), post(envelope)]);
  tt.equal(first.status, 200);
  tt.same(second.body, first.body);
  tt.same(third.body, first.body);
  tt.same(await snapshotTables(), before);
});

t.test('envelope checks, in Snapshot order, each with its reason and no write', async (tt) => {
  const good = await sign(voter1, 'follow', { space: 'test.eth' });
  await rejects(tt, 'not json', 'wrong envelope format');
  await rejects(tt, [], 'wrong envelope format');
  await rejects(tt, { ...good, extra: 1 }, 'wrong envelope format');
  await rejects(tt, { ...good, address: 'nope' }, 'wrong envelope format');
  await rejects(tt, { ...good, data: { ...good.data, message: { ...good.data.message, timestamp: '1' } } }, 'wrong envelope format');
  const huge = await sign(controller, 'settings', { space: 'test.eth', settings: settings({ about: 'x'.repeat(100_001) }) });
  await rejects(tt, huge, 'too large message');
  await rejects(tt, await sign(voter1, 'follow', { space: 'test.eth', timestamp: now() - 7 * 24 * 3600 }), 'wrong timestamp');
  await rejects(tt, await sign(voter1, 'follow', { space: 'test.eth', timestamp: now() + 600 }), 'wrong timestamp');
  await rejects(tt, await sign(voter1, 'vote', { space: 'test.eth', proposal: '0x1 2', choice: 1 }), 'proposal cannot contain whitespace');
  await rejects(tt, { ...good, data: { ...good.data, domain: { name: 'snapshot', version: '0.1.3' } } }, 'wrong domain');
  const renamed = { Follow: [...(good.data.types as any).Follow].reverse() };
  await rejects(tt, { ...good, data: { ...good.data, types: renamed } }, 'wrong types');
  await rejects(tt, await sign(voter1, 'follow', { space: 'Not Valid' }), 'Invalid space id');
  await rejects(tt, await sign(voter1, 'follow', { space: 'missing.eth' }), 'unknown space');
  await rejects(tt, { ...good, sig: good.sig.slice(0, -4) + 'abcd' }, 'signature validation failed');
  await rejects(tt, { ...good, address: voter2.address }, 'wrong alias');
  const forged = await sign(voter2, 'follow', { space: 'test.eth', from: voter1.address });
  await rejects(tt, forged, 'wrong alias');
});

t.test('a digest that includes chainId is accepted (Trust wallet)', async (tt) => {
  const wallet = voter3;
  const types = { Follow: [{ name: 'from', type: 'address' }, { name: 'network', type: 'string' }, { name: 'space', type: 'string' }, { name: 'timestamp', type: 'uint64' }] };
  const message = { from: wallet.address, network: 's', space: 'test.eth', timestamp: now() };
  const domain = { name: 'snapshot', version: '0.1.4', chainId: 1 };
  const sig = await wallet._signTypedData(domain, types, message);
  const response = await post({ address: wallet.address, sig, data: { domain, types, message } });
  tt.equal(response.status, 200);
});

t.test('space rights: admins edit, only the controller changes admins or deletes', async (tt) => {
  const edited = await post(await sign(admin, 'settings', { space: 'test.eth', settings: settings({ about: 'edited by admin' }) }));
  tt.equal(edited.status, 200);
  await rejects(tt, await sign(outsider, 'settings', { space: 'test.eth', settings: settings() }), 'not allowed to change this space');
  await rejects(
    tt,
    await sign(admin, 'settings', { space: 'test.eth', settings: settings({ admins: [admin.address, outsider.address] }) }),
    'only the controller can change admins',
  );
  await rejects(tt, await sign(admin, 'delete-space', { space: 'test.eth' }), 'only the controller can delete the space');
  await rejects(tt, await sign(controller, 'settings', { space: 'bad.eth', settings: '{"name":' }), 'wrong space format: settings must be JSON');
  await rejects(
    tt,
    await sign(controller, 'settings', { space: 'bad.eth', settings: JSON.stringify({ name: 'x', strategies: [{ name: 'nope' }] }) }),
    'wrong space format: unknown strategy nope',
  );
  await rejects(
    tt,
    await sign(controller, 'settings', { space: 'bad.eth', settings: JSON.stringify({ name: 'x', strategies: [{ name: 'whitelist', params: { addresses: ['0x12'] } }] }) }),
    'wrong space format: whitelist: every address must be a 0x-prefixed 20-byte hex address',
  );
});

t.test('proposal rules', async (tt) => {
  const base = { space: 'test.eth', title: 'Fund the grants', choices: ['For', 'Against', 'Abstain'], start: now() - 60, end: now() + 3600 };
  await rejects(tt, await sign(voter1, 'proposal', { ...base, type: 'majority' }), 'wrong proposal format: unknown voting type');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, title: '' }), 'wrong proposal format: title must be 1 to 256 characters');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, choices: [] }), 'wrong proposal format: 1 to 20 choices');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, type: 'basic', choices: ['Yes'] }), 'wrong proposal format: basic voting needs 2 or 3 choices');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, end: base.start }), 'wrong proposal format: end must be after start');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, start: now() - 7200, end: now() - 60 }), 'proposal end date must be in the future');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, plugins: '{' }), 'wrong proposal format: plugins must be JSON');
  await rejects(tt, await sign(voter1, 'proposal', { ...base, privacy: 'shutter' }), 'wrong proposal format: shutter privacy is not supported');
  const created = await post(await sign(voter1, 'proposal', { ...base, type: 'basic' }));
  tt.equal(created.status, 200);
  proposalId = created.body.id;
  await rejects(tt, await sign(voter2, 'update-proposal', { ...base, proposal: proposalId, type: 'basic' }), 'only the author can update a proposal');
  await rejects(tt, await sign(voter1, 'update-proposal', { ...base, proposal: proposalId, type: 'basic' }), 'proposal already started');
  await rejects(tt, await sign(voter2, 'flag-proposal', { space: 'test.eth', proposal: proposalId }), 'only an admin or a moderator can flag');
  await rejects(tt, await sign(voter2, 'delete-proposal', { space: 'test.eth', proposal: proposalId }), 'only the author, an admin or a moderator can cancel');
});

t.test('update, flag and cancel a proposal', async (tt) => {
  const start = now() + 3600;
  const created = await post(await sign(voter2, 'proposal', { space: 'test.eth', title: 'Draft', choices: ['A', 'B'], start, end: start + 3600 }));
  tt.equal(created.status, 200);
  const updated = await post(
    await sign(voter2, 'update-proposal', { proposal: created.body.id, space: 'test.eth', title: 'Final', choices: ['A', 'B', 'C'] }),
  );
  tt.equal(updated.status, 200);
  let { data } = await graphql(server.url, `{ proposal(id: "${created.body.id}") { title choices scores state } }`);
  tt.same(data.proposal, { title: 'Final', choices: ['A', 'B', 'C'], scores: [0, 0, 0], state: 'pending' });
  tt.equal((await post(await sign(moderator, 'flag-proposal', { space: 'test.eth', proposal: created.body.id }))).status, 200);
  ({ data } = await graphql(server.url, `{ proposal(id: "${created.body.id}") { flagged } }`));
  tt.equal(data.proposal.flagged, true);
  tt.equal((await post(await sign(voter2, 'delete-proposal', { space: 'test.eth', proposal: created.body.id }))).status, 200);
  ({ data } = await graphql(server.url, `{ proposal(id: "${created.body.id}") { id } }`));
  tt.equal(data.proposal, null);
});

t.test('votes: window, choice, power, latest wins, history kept, live scores', async (tt) => {
  const vote = (wallet: typeof voter1, fields: Record<string, unknown>) =>
    sign(wallet, 'vote', { space: 'test.eth', proposal: proposalId, ...fields });
  await rejects(tt, await vote(voter1, { proposal: '0xdead', choice: 1 }), 'unknown proposal');
  await rejects(tt, await vote(voter1, { choice: 4 }), 'invalid choice');
  await rejects(tt, await vote(voter1, { choice: 0 }), 'invalid choice');
  await rejects(tt, await vote(outsider, { choice: 1 }), 'no voting power');
  await rejects(tt, await vote(voter1, { choice: 1, metadata: 'x'.repeat(2001) }), 'too large metadata');
  await rejects(tt, await vote(voter1, { choice: 1, app: 'x'.repeat(25) }), 'wrong vote format');
  await rejects(tt, await vote(voter1, { choice: 1, timestamp: now() - 3600 }), 'not in voting window');
  await rejects(
    tt,
    await sign(voter1, 'vote-string', { space: 'test.eth', proposal: proposalId, choice: '{"1":1}' }),
    'invalid choice',
  );

  const t0 = now();
  tt.equal((await post(await vote(voter1, { choice: 1, timestamp: t0 - 5 }))).status, 200);
  tt.equal((await post(await vote(voter2, { choice: 2, timestamp: t0 - 5 }))).status, 200);
  tt.equal((await post(await vote(voter3, { choice: 3, timestamp: t0 - 5 }))).status, 200);
  let { data } = await graphql(server.url, `{ proposal(id: "${proposalId}") { scores scores_by_strategy scores_total votes } }`);
  tt.same(data.proposal, { scores: [10, 5, 1], scores_by_strategy: [[10], [5], [1]], scores_total: 16, votes: 3 });

  // voter2 changes to For: the tally moves 5 from Against to For.
  tt.equal((await post(await vote(voter2, { choice: 1, timestamp: t0 - 2 }))).status, 200);
  await rejects(tt, await vote(voter2, { choice: 3, timestamp: t0 - 4 }), 'already voted at later time');
  ({ data } = await graphql(server.url, `{ proposal(id: "${proposalId}") { scores scores_total votes } votes(where: { proposal: "${proposalId}" }, orderBy: "vp") { voter choice vp } }`));
  tt.same(data.proposal, { scores: [15, 0, 1], scores_total: 16, votes: 3 });
  tt.same(data.votes, [
    { voter: voter1.address, choice: 1, vp: 10 },
    { voter: voter2.address, choice: 1, vp: 5 },
    { voter: voter3.address, choice: 3, vp: 1 },
  ]);
  const [history] = await queryRows<{ n: string }>(server.database.db, sql`SELECT count(*) AS n FROM vote_history WHERE proposal = ${proposalId}`);
  tt.equal(Number(history.n), 4, 'every accepted vote is kept in history');

  // Same timestamp: the higher id wins, the lower is refused.
  const a = await vote(voter3, { choice: 1, timestamp: t0 });
  const b = await vote(voter3, { choice: 2, timestamp: t0 });
  const [low, high] = [a, b].sort((x, y) => (hashOf(x) < hashOf(y) ? -1 : 1));
  tt.equal((await post(high)).status, 200);
  await rejects(tt, low, 'already voted same time with lower index');
});

/** The message id: the EIP-712 digest, recomputed independently of the server. */
function hashOf(envelope: Envelope): string {
  return _TypedDataEncoder.hash(envelope.data.domain, envelope.data.types as any, envelope.data.message);
}

t.test('concurrent votes from many voters all land and the tally is exact', async (tt) => {
  const crowd = wallets(40, 7);
  const space = 'crowd.eth';
  const powers = Object.fromEntries(crowd.map((wallet, index) => [wallet.address, index + 1]));
  tt.equal(
    (await post(await sign(controller, 'settings', { space, settings: JSON.stringify({ name: 'Crowd', strategies: [{ name: 'whitelist', params: { addresses: powers } }] }) }))).status,
    200,
  );
  const created = await post(await sign(controller, 'proposal', { space, title: 'Crowd', choices: ['A', 'B'], start: now() - 10, end: now() + 3600 }));
  const t0 = now() - 5;
  // Each voter votes twice at once (A then B, B newer): the newer must win whatever the arrival order.
  const envelopes = await Promise.all(
    crowd.flatMap((wallet) => [
      sign(wallet, 'vote', { space, proposal: created.body.id, choice: 1, timestamp: t0 }),
      sign(wallet, 'vote', { space, proposal: created.body.id, choice: 2, timestamp: t0 + 1 }),
    ]),
  );
  const responses = await Promise.all(envelopes.reverse().map(post));
  const accepted = responses.filter((response) => response.status === 200).length;
  tt.ok(accepted >= 40, 'every newer vote accepted');
  for (const response of responses) {
    if (response.status !== 200) tt.equal(response.body.error_description, 'already voted at later time');
  }
  const { data } = await graphql(server.url, `{ proposal(id: "${created.body.id}") { scores scores_total votes } }`);
  const total = (40 * 41) / 2;
  tt.same(data.proposal, { scores: [0, total], scores_total: total, votes: 40 });
});

t.test('votes locked by the space cannot change', async (tt) => {
  const space = 'locked.eth';
  await post(await sign(controller, 'settings', { space, settings: JSON.stringify({ name: 'Locked', voting: { lockVotes: true }, strategies: [{ name: 'ticket' }] }) }));
  const created = await post(await sign(controller, 'proposal', { space, title: 'Once', choices: ['A', 'B'], start: now() - 10, end: now() + 3600 }));
  tt.equal((await post(await sign(voter1, 'vote', { space, proposal: created.body.id, choice: 1, timestamp: now() - 2 }))).status, 200);
  await rejects(tt, await sign(voter1, 'vote', { space, proposal: created.body.id, choice: 2 }), 'votes are locked in this space: a vote cannot be changed');
});

t.test('other voting types are accepted with their encodings', async (tt) => {
  const cases: Array<[string, 'vote' | 'vote-array' | 'vote-string', unknown]> = [
    ['approval', 'vote-array', [1, 3]],
    ['ranked-choice', 'vote-array', [2, 1, 3]],
    ['copeland', 'vote-array', [3, 1, 2]],
    ['quadratic', 'vote-string', '{"1":2,"2":1}'],
    ['weighted', 'vote-string', '{"3":1}'],
  ];
  for (const [type, kind, choice] of cases) {
    const created = await post(await sign(controller, 'proposal', { space: 'test.eth', type, title: type, choices: ['A', 'B', 'C'], start: now() - 10, end: now() + 3600 }));
    tt.equal(created.status, 200, `${type} proposal`);
    const response = await post(await sign(voter1, kind, { space: 'test.eth', proposal: created.body.id, choice }));
    tt.equal(response.status, 200, `${type} vote`);
    await rejects(tt, await sign(voter2, 'vote', { space: 'test.eth', proposal: created.body.id, choice: 1 }), 'invalid choice');
  }
});

t.test('aliases: a session key votes for its owner, only for allowed kinds, until revoked', async (tt) => {
  tt.equal((await post(await sign(voter3, 'alias', { alias: sessionKey.address }))).status, 200);
  await rejects(tt, await sign(outsider, 'alias', { alias: sessionKey.address }), 'alias already used by another address');
  await rejects(tt, await sign(voter3, 'alias', { alias: voter3.address }), 'an address cannot be its own alias');
  const created = await post(await sign(controller, 'proposal', { space: 'test.eth', title: 'Alias', choices: ['A', 'B'], start: now() - 10, end: now() + 3600 }));
  const byAlias = await sign(sessionKey, 'vote', { space: 'test.eth', proposal: created.body.id, choice: 2, from: voter3.address });
  tt.equal((await post(byAlias)).status, 200);
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${created.body.id}" }) { voter choice } aliases(where: { address: "${voter3.address.toLowerCase()}" }) { alias } }`);
  tt.same(data.votes, [{ voter: voter3.address, choice: 2 }]);
  tt.same(data.aliases, [{ alias: sessionKey.address }]);
  await rejects(tt, await sign(sessionKey, 'settings', { space: 'test.eth', settings: settings(), from: voter3.address }), 'alias not allowed for the type: settings');
  tt.equal((await post(await sign(voter3, 'revoke-alias', { alias: sessionKey.address }))).status, 200);
  await rejects(tt, await sign(sessionKey, 'vote', { space: 'test.eth', proposal: created.body.id, choice: 1, from: voter3.address }), 'wrong alias');
});

t.test('follow and unfollow', async (tt) => {
  // Distinct timestamps make distinct messages: the same envelope again would just return its receipt.
  const t0 = now();
  tt.equal((await post(await sign(voter2, 'follow', { space: 'test.eth', timestamp: t0 }))).status, 200);
  await rejects(tt, await sign(voter2, 'follow', { space: 'test.eth', timestamp: t0 - 1 }), 'you are already following this space');
  const { data } = await graphql(server.url, `{ follows(where: { follower: "${voter2.address}" }) { follower space { id } } }`);
  tt.same(data.follows, [{ follower: voter2.address, space: { id: 'test.eth' } }]);
  tt.equal((await post(await sign(voter2, 'unfollow', { space: 'test.eth', timestamp: t0 }))).status, 200);
  await rejects(tt, await sign(voter2, 'unfollow', { space: 'test.eth', timestamp: t0 - 1 }), 'you are not following this space');
});

t.test('delete-space hides the space; its controller can restore it', async (tt) => {
  await post(await sign(outsider, 'settings', { space: 'gone.eth', settings: JSON.stringify({ name: 'Gone', strategies: [{ name: 'ticket' }] }) }));
  tt.equal((await post(await sign(outsider, 'delete-space', { space: 'gone.eth' }))).status, 200);
  let { data } = await graphql(server.url, '{ space(id: "gone.eth") { id } }');
  tt.equal(data.space, null);
  await rejects(tt, await sign(voter1, 'settings', { space: 'gone.eth', settings: JSON.stringify({ name: 'Mine', strategies: [{ name: 'ticket' }] }) }), 'not allowed to change this space');
  tt.equal((await post(await sign(outsider, 'settings', { space: 'gone.eth', settings: JSON.stringify({ name: 'Back', strategies: [{ name: 'ticket' }] }) }))).status, 200);
  ({ data } = await graphql(server.url, '{ space(id: "gone.eth") { name controller } }'));
  tt.same(data.space, { name: 'Back', controller: outsider.address });
});

t.test('the message log is ordered and holds every accepted message with its signature', async (tt) => {
  const { data } = await graphql(server.url, '{ messages(first: 1000, orderBy: "mci", orderDirection: asc) { mci id type sig receipt address } }');
  const mcis = data.messages.map((message: { mci: number }) => message.mci);
  tt.same(mcis, [...mcis].sort((a, b) => a - b));
  tt.equal(new Set(mcis).size, mcis.length);
  const [count] = await queryRows<{ n: string }>(server.database.db, sql`SELECT count(*) AS n FROM messages`);
  tt.equal(data.messages.length, Number(count.n));
});
