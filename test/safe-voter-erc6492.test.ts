import t from 'tap';
import { defaultAbiCoder } from '@ethersproject/abi';
import { _TypedDataEncoder } from '@ethersproject/hash';
import { Wallet } from '@ethersproject/wallet';
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN } from '../schema/eip712.ts';
import { parseErc6492Signature } from '../server/identity/parse-erc6492-signature.ts';
import { verifySignature } from '../server/ingest/verify-signature.ts';
import { graphql, postJson } from './support/client.ts';
import { startChain } from './support/chain.ts';
import { deploySafeContracts, ETH_SIGN_TYPED_DATA_V4, Safe, safeContractNetworks, type SafeKit } from './support/safe.ts';
import { startTestServer } from './support/server.ts';
import { sign } from './support/sign.ts';

// A Safe 1.4.1 that is not deployed yet votes: its owners sign the Snapshot vote off-chain (SafeMessage,
// EIP-712), the signature is wrapped in ERC-6492 with the SafeProxyFactory deployment call, and the service
// simulates deployment + isValidSignature in one eth_call without deploying anything.
const MAGIC = '0x' + '6492'.repeat(16);
const chain = await startChain();
t.teardown(() => chain.stop());
const [deployer, owner1, owner2, owner3, stranger] = chain.accounts;
const contracts = await deploySafeContracts(chain);
const owners = [owner1.address, owner2.address, owner3.address];
const rpcUrls = { 31337: chain.url };
const server = await startTestServer({ RPC_URLS: JSON.stringify(rpcUrls) });
t.teardown(() => server.close());
const admin = new Wallet(deployer.privateKey);
const now = () => Math.floor(Date.now() / 1000);

/** protocol-kit for a Safe that is only predicted (owners, threshold 2, salt), signing as `signer`. */
function predictedSafe(saltNonce: string, signer?: string): Promise<SafeKit> {
  return Safe.init({
    provider: chain.url,
    signer,
    predictedSafe: { safeAccountConfig: { owners, threshold: 2 }, safeDeploymentConfig: { saltNonce, safeVersion: '1.4.1' } },
    contractNetworks: safeContractNetworks(chain, contracts),
  });
}

const kit = await predictedSafe('6492');
const safe = await kit.getAddress();
const deployment = await kit.createSafeDeploymentTransaction();
// Same owners, another salt: the factory call succeeds but deploys a different address.
const elsewhere = await (await predictedSafe('6493')).createSafeDeploymentTransaction();

const getCode = () => chain.rpc.request<string>('eth_getCode', [safe, 'latest']);
if ((await getCode()) !== '0x') throw new Error('the Safe must start undeployed');

const settings = JSON.stringify({ name: 'Counterfactual DAO', network: '31337', strategies: [{ name: 'whitelist', params: { addresses: { [safe]: 5 } } }] });
const created = await postJson(server.url, await sign(admin, 'settings', { space: 'cf.eth', settings }));
if (created.status !== 200) throw new Error(JSON.stringify(created.body));
const proposal = await postJson(server.url, await sign(admin, 'proposal', { space: 'cf.eth', title: 'Fund', choices: ['Yes', 'No'], start: now() - 10, end: now() + 3600 }));

/** The vote envelope signed by the given keys as the (predicted) Safe's owners, and its EIP-712 digest. */
async function safeVote(ownerKeys: string[], choice: number, timestamp = now()) {
  const types = { Vote: MESSAGE_TYPES.vote.fields };
  const message = { from: safe, space: 'cf.eth', timestamp, proposal: proposal.body.id, choice, reason: '', app: '', metadata: '{}' };
  let signed;
  for (const key of ownerKeys) {
    const ownerKit = await predictedSafe('6492', key);
    signed = await ownerKit.signMessage(signed ?? ownerKit.createMessage({ domain: SNAPSHOT_DOMAIN, types, primaryType: 'Vote', message }), ETH_SIGN_TYPED_DATA_V4);
  }
  const digest = _TypedDataEncoder.hash(SNAPSHOT_DOMAIN, types, message);
  return { digest, envelope: { address: safe, sig: signed!.encodedSignatures(), data: { domain: SNAPSHOT_DOMAIN, types, message } } };
}

/** Owner-style signatures by any keys (protocol-kit only lets owners sign): SafeMessage under the Safe's domain, sorted by signer. */
async function rawSafeSignatures(keys: string[], digest: string): Promise<string> {
  const wallets = keys.map((key) => new Wallet(key)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const domain = { chainId: chain.chainId, verifyingContract: safe };
  const types = { SafeMessage: [{ name: 'message', type: 'bytes' }] };
  const signatures = await Promise.all(wallets.map((wallet) => wallet._signTypedData(domain, types, { message: digest })));
  return '0x' + signatures.map((signature) => signature.slice(2)).join('');
}

/** ERC-6492: abi.encode(factory, factoryCalldata, signature) ++ magic suffix. */
function wrap(factory: string, calldata: string, signature: string): string {
  return defaultAbiCoder.encode(['address', 'bytes', 'bytes'], [factory, calldata, signature]) + MAGIC.slice(2);
}

async function votes() {
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${proposal.body.id}" }) { voter vp choice } }`);
  return data.votes;
}

const refused = { error: 'client_error', error_description: 'signature validation failed' };
let accepted: { digest: string; sig: string } | undefined;

t.test('the ERC-6492 wrapper round-trips through our decoder', async (tt) => {
  const inner = '0x' + 'ab'.repeat(65);
  tt.same(parseErc6492Signature(wrap(deployment.to, deployment.data, inner)), {
    factory: deployment.to.toLowerCase(),
    factoryCalldata: deployment.data.toLowerCase(),
    signature: inner,
  });
  tt.equal(parseErc6492Signature(inner), undefined, 'no suffix: not wrapped');
  tt.throws(() => parseErc6492Signature('0x' + '00'.repeat(40) + MAGIC.slice(2)), TypeError, 'suffix on garbage');
  const truncated = wrap(deployment.to, deployment.data, inner);
  tt.throws(() => parseErc6492Signature(truncated.slice(0, 2 + 64 * 4) + MAGIC.slice(2)), TypeError, 'bytes past the end');
});

t.test('owners of an undeployed Safe vote through ERC-6492; nothing is deployed', async (tt) => {
  const { digest, envelope } = await safeVote([owner1.privateKey, owner3.privateKey], 1);
  const unwrapped = await postJson(server.url, envelope);
  tt.same(unwrapped.body, refused, 'without the wrapper there is no contract to ask');
  const wrapped = { ...envelope, sig: wrap(deployment.to, deployment.data, envelope.sig) };
  const response = await postJson(server.url, wrapped);
  tt.equal(response.status, 200, JSON.stringify(response.body));
  tt.same(await votes(), [{ voter: safe, vp: 5, choice: 1 }]);
  tt.equal(await getCode(), '0x', 'the Safe is still not deployed');
  accepted = { digest, sig: wrapped.sig };
});

t.test('a wrapped signature from a non-owner is refused; nothing written', async (tt) => {
  const { digest, envelope } = await safeVote([owner2.privateKey], 2);
  // The same construction with two owners passes, so the refusal below is about the stranger alone.
  const twoOwners = await rawSafeSignatures([owner2.privateKey, owner3.privateKey], digest);
  tt.equal(await verifySignature({ digest, signature: wrap(deployment.to, deployment.data, twoOwners), signer: safe, network: '31337', rpcUrls }), true);
  const withStranger = await rawSafeSignatures([owner2.privateKey, stranger.privateKey], digest);
  const response = await postJson(server.url, { ...envelope, sig: wrap(deployment.to, deployment.data, withStranger) });
  tt.same(response.body, refused);
  tt.same(await votes(), [{ voter: safe, vp: 5, choice: 1 }], 'the vote is unchanged');
  tt.equal(await getCode(), '0x');
});

t.test('one owner alone (below threshold) is refused', async (tt) => {
  const { envelope } = await safeVote([owner2.privateKey], 2);
  const response = await postJson(server.url, { ...envelope, sig: wrap(deployment.to, deployment.data, envelope.sig) });
  tt.same(response.body, refused);
  tt.same(await votes(), [{ voter: safe, vp: 5, choice: 1 }]);
});

t.test('factory calldata that deploys another address is refused', async (tt) => {
  tt.equal(elsewhere.to, deployment.to, 'same factory');
  tt.not(elsewhere.data, deployment.data);
  const { envelope } = await safeVote([owner1.privateKey, owner2.privateKey], 2);
  const response = await postJson(server.url, { ...envelope, sig: wrap(elsewhere.to, elsewhere.data, envelope.sig) });
  tt.same(response.body, refused);
  const reverting = await postJson(server.url, { ...envelope, sig: wrap(deployment.to, '0xdeadbeef', envelope.sig) });
  tt.same(reverting.body, refused, 'a factory call that reverts');
  tt.same(await votes(), [{ voter: safe, vp: 5, choice: 1 }]);
  tt.equal(await getCode(), '0x');
});

t.test('once the Safe is deployed, the same wrapped signature verifies through EIP-1271', async (tt) => {
  if (!accepted) throw new Error('needs the accepted vote');
  await chain.sendTransaction({ to: deployment.to, data: deployment.data });
  tt.not(await getCode(), '0x', 'deployed');
  // The factory call would now revert (the address is taken), so only the inner EIP-1271 path can pass.
  const simulated = await chain.rpc
    .request('eth_call', [{ to: deployment.to, data: deployment.data }, 'latest'])
    .then(() => 'succeeded', () => 'reverted');
  tt.equal(simulated, 'reverted');
  tt.equal(await verifySignature({ digest: accepted.digest, signature: accepted.sig, signer: safe, network: '31337', rpcUrls }), true);

  // A later second than the accepted vote: two ballots of one voter in the same second are refused (Snapshot's rule).
  const { envelope } = await safeVote([owner2.privateKey, owner3.privateKey], 2, now() + 1);
  const response = await postJson(server.url, { ...envelope, sig: wrap(deployment.to, deployment.data, envelope.sig) });
  tt.equal(response.status, 200, JSON.stringify(response.body));
  tt.same(await votes(), [{ voter: safe, vp: 5, choice: 2 }]);
});
