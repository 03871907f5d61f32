import t from 'tap';
import snapshotModule from '@snapshot-labs/snapshot.js';
import { startTestServer } from './support/server.ts';
import { graphql } from './support/client.ts';
import { wallets } from './support/sign.ts';

// The real snapshot.js client, unmodified, against a running service.
const server = await startTestServer();
t.teardown(() => server.close());
// The package's CommonJS typings describe the default export one level down from what ESM gets at run time.
const snapshot = snapshotModule as unknown as (typeof snapshotModule)['default'];
const client = new snapshot.Client712(server.url);
const [controller, alice, bob] = wallets(3, 42);
const now = () => Math.floor(Date.now() / 1000);
let proposalId = '';

t.test('creates a space', async (tt) => {
  const receipt = (await client.space(controller, controller.address, {
    space: 'client.eth',
    settings: JSON.stringify({
      name: 'Client DAO',
      network: '1',
      symbol: 'CL',
      strategies: [{ name: 'whitelist', params: { addresses: { [alice.address]: 3, [bob.address]: 2 } } }],
    }),
  })) as { id: string; relayer: { address: string } };
  tt.match(receipt, { id: /^0x[0-9a-f]{64}$/, relayer: { address: server.app.serviceKey.address } });
});

t.test('publishes a proposal', async (tt) => {
  const receipt = (await client.proposal(controller, controller.address, {
    space: 'client.eth',
    type: 'single-choice',
    title: 'Adopt the charter',
    body: 'Shall we?',
    choices: ['Yes', 'No', 'Later'],
    start: now() - 30,
    end: now() + 3600,
    snapshot: 1,
    plugins: '{}',
    labels: [],
    discussion: '',
  } as never)) as { id: string };
  proposalId = receipt.id;
  const { data } = await graphql(server.url, `query($id: String) { proposal(id: $id) { title choices state author space { id name } } }`, { id: proposalId });
  tt.same(data.proposal, { title: 'Adopt the charter', choices: ['Yes', 'No', 'Later'], state: 'active', author: controller.address, space: { id: 'client.eth', name: 'Client DAO' } });
});

t.test('casts and changes votes; reads them back with Snapshot hub queries', async (tt) => {
  await client.vote(alice, alice.address, { space: 'client.eth', proposal: proposalId, type: 'single-choice', choice: 1, reason: 'charter is good', app: 'test' } as never);
  await client.vote(bob, bob.address, { space: 'client.eth', proposal: proposalId, type: 'single-choice', choice: 2, timestamp: now() - 5 } as never);
  await client.vote(bob, bob.address, { space: 'client.eth', proposal: proposalId, type: 'single-choice', choice: 3 } as never);
  // The query Snapshot's UI sends for a proposal's votes.
  const { data } = await graphql(
    server.url,
    `query Votes($id: String!, $first: Int, $skip: Int, $orderBy: String, $orderDirection: OrderDirection, $reason_not: String, $voter: String) {
      votes(first: $first, skip: $skip, where: { proposal: $id, vp_gt: 0, voter: $voter, reason_not: $reason_not }, orderBy: $orderBy, orderDirection: $orderDirection) {
        ipfs voter choice vp vp_by_strategy reason created
      }
      proposal(id: $id) { scores scores_total scores_state votes }
    }`,
    { id: proposalId, first: 10, skip: 0, orderBy: 'vp', orderDirection: 'desc' },
  );
  tt.same(
    data.votes.map((vote: { voter: string; choice: number; vp: number; reason: string }) => [vote.voter, vote.choice, vote.vp, vote.reason]),
    [
      [alice.address, 1, 3, 'charter is good'],
      [bob.address, 3, 2, ''],
    ],
  );
  tt.same(data.proposal, { scores: [3, 0, 2], scores_total: 5, scores_state: 'pending', votes: 2 });
});

t.test('refusals reach the client as Snapshot error objects', async (tt) => {
  const outsider = wallets(1, 99)[0];
  const refusal = await client
    .vote(outsider, outsider.address, { space: 'client.eth', proposal: proposalId, type: 'single-choice', choice: 1 } as never)
    .then(() => 'accepted', (error: unknown) => error);
  tt.same(refusal, { error: 'client_error', error_description: 'no voting power' });
});

t.test('follows and cancels through the client', async (tt) => {
  await client.follow(alice, alice.address, { space: 'client.eth', network: 's' } as never);
  await client.cancelProposal(controller, controller.address, { space: 'client.eth', proposal: proposalId } as never);
  const { data } = await graphql(server.url, `{ follows(where: { space: "client.eth" }) { follower } proposal(id: "${proposalId}") { id } }`);
  tt.same(data, { follows: [{ follower: alice.address }], proposal: null });
});
