import t from 'tap';
import { Wallet } from '@ethersproject/wallet';
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN } from '../schema/eip712.ts';
import { graphql, postJson } from './support/client.ts';
import { startChain } from './support/chain.ts';
import { connectSafe, createSafe, deploySafeContracts, ETH_SIGN_TYPED_DATA_V4 } from './support/safe.ts';
import { startTestServer } from './support/server.ts';
import { sign } from './support/sign.ts';

// A Safe 1.4.1 on a real local chain votes: two of its three owners sign the Snapshot vote off-chain
// (EIP-1271), and the service checks it with the Safe's isValidSignature.
const chain = await startChain();
t.teardown(() => chain.stop());
const [deployer, owner1, owner2, owner3] = chain.accounts;
const contracts = await deploySafeContracts(chain);
const safe = await createSafe({ chain, contracts, owners: [owner1.address, owner2.address, owner3.address], threshold: 2 });
const server = await startTestServer({ RPC_URLS: JSON.stringify({ 31337: chain.url }) });
t.teardown(() => server.close());
const admin = new Wallet(deployer.privateKey);
const now = () => Math.floor(Date.now() / 1000);

const settings = JSON.stringify({ name: 'Safe DAO', network: '31337', strategies: [{ name: 'whitelist', params: { addresses: { [safe]: 7 } } }] });
const created = await postJson(server.url, await sign(admin, 'settings', { space: 'safe.eth', settings }));
if (created.status !== 200) throw new Error(JSON.stringify(created.body));
const proposal = await postJson(server.url, await sign(admin, 'proposal', { space: 'safe.eth', title: 'Treasury', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }));

/** The vote envelope signed by the given owners through protocol-kit (SafeMessage, EIP-712). */
async function safeVote(ownerKeys: string[], choice: number) {
  const types = { Vote: MESSAGE_TYPES.vote.fields };
  const message = { from: safe, space: 'safe.eth', timestamp: now(), proposal: proposal.body.id, choice, reason: '', app: '', metadata: '{}' };
  let signed;
  for (const key of ownerKeys) {
    const kit = await connectSafe(chain, contracts, safe, key);
    signed = await kit.signMessage(signed ?? kit.createMessage({ domain: SNAPSHOT_DOMAIN, types, primaryType: 'Vote', message }), ETH_SIGN_TYPED_DATA_V4);
  }
  return { address: safe, sig: signed!.encodedSignatures(), data: { domain: SNAPSHOT_DOMAIN, types, message } };
}

t.test('two owners of a 2-of-3 Safe cast its vote', async (tt) => {
  const response = await postJson(server.url, await safeVote([owner1.privateKey, owner3.privateKey], 1));
  tt.equal(response.status, 200, JSON.stringify(response.body));
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${proposal.body.id}" }) { voter vp choice } }`);
  tt.same(data.votes, [{ voter: safe, vp: 7, choice: 1 }]);
});

t.test('one owner alone is not the Safe', async (tt) => {
  const response = await postJson(server.url, await safeVote([owner2.privateKey], 2));
  tt.same(response.body, { error: 'client_error', error_description: 'signature validation failed' });
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${proposal.body.id}" }) { choice } }`);
  tt.same(data.votes, [{ choice: 1 }], 'the Safe vote is unchanged');
});

t.test('owner signatures over another message do not count', async (tt) => {
  const envelope = await safeVote([owner1.privateKey, owner2.privateKey], 2);
  const tampered = { ...envelope, data: { ...envelope.data, message: { ...envelope.data.message, choice: 1, timestamp: envelope.data.message.timestamp - 1 } } };
  const response = await postJson(server.url, tampered);
  tt.same(response.body, { error: 'client_error', error_description: 'signature validation failed' });
});
