/**
 * did:ethr credential issuers through ethr-did-resolver against an ERC-1056 registry on the local hardhat chain:
 * an EOA issuer with no registry changes, a delegate key added later (seen only once the cached document
 * expires), an owner change, and the service configured from IDENTITY_DID_METHODS / RPC_URLS / ETHR_DID_REGISTRIES.
 */
import t from 'tap';
import { Interface } from 'ethers';
import { EthereumDIDRegistry, stringToBytes32 } from 'ethr-did-resolver';
import { issuerFromKeyFile, type IssuerSigner } from '../server/identity/issuer-key.ts';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { ethrNetworks } from '../server/identity/ethr-networks.ts';
import { createIdentityResolver } from '../server/identity/resolver.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import { InvalidCredentialSignatureError } from '../server/identity/errors.ts';
import { startChain, type TestAccount } from './support/chain.ts';
import { postJson } from './support/client.ts';
import { manualClock, startLocalServer } from './support/identity.ts';
import { createProposal, now, putSpace, servedStatusList, tableCounts, vote } from './support/identity-service.ts';
import { startTestServer } from './support/server.ts';
import { wallets } from './support/sign.ts';

const chain = await startChain();
t.teardown(() => chain.stop());
const [, issuerAccount, delegateAccount, newOwnerAccount, movedAccount] = chain.accounts;
// The ERC-1056 registry as ethr-did-resolver ships it (ABI and bytecode of the dependency), deployed on the
// local chain the way the Safe tests deploy Safe's own artifacts: nothing copied into the project.
const registry = await chain.deployContract({ abi: EthereumDIDRegistry.abi, bytecode: EthereumDIDRegistry.bytecode });
const registryAbi = new Interface(EthereumDIDRegistry.abi);
const rpcUrls = { 31337: chain.url };
const networks = ethrNetworks({ rpcUrls, registries: { 31337: registry } });
const SPACE = 'ethr.eth';
const network = `0x${chain.chainId.toString(16)}`;

/** An issuer `did:ethr:0x7a69:<account>` signing ES256K-R with `key` (the account's own key unless delegated). */
function ethrIssuer(account: TestAccount, key: TestAccount = account): IssuerSigner {
  const did = `did:ethr:${network}:${account.address}`;
  if (key === account) return issuerFromKeyFile({ kind: 'conclave-issuer-key', did, alg: 'ES256K-R', privateKeyHex: key.privateKey });
  // A delegate key signs for the DID; the key file only vouches for the DID's own address, so build it by hand.
  const { signer } = issuerFromKeyFile({ kind: 'conclave-issuer-key', did: `did:pkh:eip155:1:${key.address}`, alg: 'ES256K-R', privateKeyHex: key.privateKey });
  return { did, alg: 'ES256K-R', signer };
}

const [member] = wallets(1, 61);
const credential = (issuer: IssuerSigner) =>
  issueMembershipCredential({ issuer, space: SPACE, address: member.address, validFrom: now() - 60, days: 30 });
const policyFor = (issuer: IssuerSigner) => parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did], requireStatus: false });

t.test('ethrNetworks: one network per numeric http(s) RPC_URLS entry; chain 1 is also mainnet', async (tt) => {
  tt.same(ethrNetworks({ rpcUrls: { 1: 'https://one.example', 10: 'wss://ten.example', base: 'https://b.example' }, registries: {} }), [
    { name: 'mainnet', chainId: 1, rpcUrl: 'https://one.example' },
  ]);
  tt.same(networks, [{ chainId: 31337, rpcUrl: chain.url, registry }]);
  tt.throws(
    () => issuerFromKeyFile({ kind: 'conclave-issuer-key', did: `did:ethr:${network}:${delegateAccount.address}`, alg: 'ES256K-R', privateKeyHex: issuerAccount.privateKey }),
    /does not belong to the DID's address/,
    'an issuer key file for a did:ethr must hold that address\'s key',
  );
});

t.test('an EOA did:ethr with no registry changes resolves to its default document and issues credentials', async (tt) => {
  const issuer = ethrIssuer(issuerAccount);
  const resolver = createIdentityResolver({ ethr: { networks } });
  const { didDocument, didResolutionMetadata } = await resolver.resolve(issuer.did);
  tt.equal(didResolutionMetadata.error, undefined);
  tt.equal(didDocument?.id, issuer.did);
  tt.same(
    didDocument?.verificationMethod?.map((method) => [method.id, method.controller, method.blockchainAccountId]),
    [[`${issuer.did}#controller`, issuer.did, `eip155:31337:${issuerAccount.address}`]],
  );
  const record = await verifyMembershipCredential({ jwt: await credential(issuer), space: SPACE, policy: policyFor(issuer), resolver, now: now() });
  tt.equal(record.issuer, issuer.did);
  tt.equal(record.address, member.address);

  const rogue = ethrIssuer(issuerAccount, delegateAccount);
  await tt.rejects(
    verifyMembershipCredential({ jwt: await credential(rogue), space: SPACE, policy: policyFor(issuer), resolver, now: now() }),
    InvalidCredentialSignatureError,
    'a key the registry does not list cannot sign for the DID',
  );
});

t.test('a delegate added in the registry counts once the cached document expires (time-limited cache)', async (tt) => {
  const clock = manualClock();
  const resolver = createIdentityResolver({ ethr: { networks }, cacheTtlMs: 60_000, now: clock.now });
  const identity = ethrIssuer(newOwnerAccount);
  const viaDelegate = ethrIssuer(newOwnerAccount, delegateAccount);
  const policy = policyFor(identity);
  const jwt = await credential(viaDelegate);
  await tt.rejects(verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now: now() }), InvalidCredentialSignatureError, 'no delegate yet');

  await chain.sendTransaction({
    from: newOwnerAccount.address,
    to: registry,
    data: registryAbi.encodeFunctionData('addDelegate', [newOwnerAccount.address, stringToBytes32('veriKey'), delegateAccount.address, 86_400]),
  });
  await tt.rejects(
    verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now: now() }),
    InvalidCredentialSignatureError,
    'the cached document (no delegate) is still used within the TTL',
  );
  clock.advance(60_001);
  const record = await verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now: now() });
  tt.equal(record.issuer, identity.did, 'after the TTL the registry change is seen');
});

t.test('the service: did:ethr issuers enabled by IDENTITY_DID_METHODS with RPC_URLS and ETHR_DID_REGISTRIES', async (tt) => {
  const server = await startTestServer({
    IDENTITY_DID_METHODS: 'key,pkh,ethr',
    RPC_URLS: JSON.stringify(rpcUrls),
    ETHR_DID_REGISTRIES: JSON.stringify({ 31337: registry }),
  });
  tt.teardown(() => server.close());
  const local = await startLocalServer();
  tt.teardown(() => local.close());
  const issuer = ethrIssuer(issuerAccount);
  const moved = ethrIssuer(movedAccount);
  const [controller, outsider, other] = wallets(3, 62);
  await putSpace(server, controller, SPACE, { identity: { required: true, trustedIssuers: [issuer.did, moved.did] } });
  const list = await servedStatusList(local, issuer, '/status/ethr');
  const movedList = await servedStatusList(local, moved, '/status/moved');
  const start = now() - 30;
  const proposal = await createProposal(server, controller, SPACE, start);
  const issue = (from: IssuerSigner, url: string, index: number, address = member.address) =>
    issueMembershipCredential({ issuer: from, space: SPACE, address, validFrom: start - 60, days: 30, statusListUrl: url, statusListIndex: index });

  const accepted = await postJson(`${server.url}/api/credentials`, { space: SPACE, jwt: await issue(issuer, list.url, 3) });
  tt.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const voted = await vote(server, member, SPACE, proposal);
  tt.equal(voted.status, 200, JSON.stringify(voted.body));
  tt.same((await vote(server, outsider, SPACE, proposal)).body, { error: 'client_error', error_description: 'no credential' });

  // The DID's owner moves to another key in the registry: the original key no longer speaks for it. The same
  // credential verifies before the move (a separate resolver: the service's would cache the document 5 minutes).
  const movedJwt = await issue(moved, movedList.url, 4, other.address);
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [moved.did] });
  const beforeMove = await verifyMembershipCredential({ jwt: movedJwt, space: SPACE, policy, resolver: createIdentityResolver({ ethr: { networks } }), now: now() });
  tt.equal(beforeMove.issuer, moved.did, 'valid while the key owns the DID');
  await chain.sendTransaction({
    from: movedAccount.address,
    to: registry,
    data: registryAbi.encodeFunctionData('changeOwner', [movedAccount.address, newOwnerAccount.address]),
  });
  const before = await tableCounts(server);
  const refused = await postJson(`${server.url}/api/credentials`, { space: SPACE, jwt: movedJwt });
  tt.same(refused.body, { error: 'client_error', error_description: 'invalid credential signature' });
  tt.same(await tableCounts(server), before, 'nothing written');
});
