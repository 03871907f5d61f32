import t from 'tap';
import { Wallet } from 'ethers';
import { base58btc } from 'multiformats/bases/base58';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { createIdentityResolver, didWebDocumentUrl } from '../server/identity/resolver.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import { IssuerUnresolvableError } from '../server/identity/errors.ts';
import { didKeyIssuer, manualClock, startLocalServer } from './support/identity.ts';

t.test('did:key and did:pkh resolve offline', async (t) => {
  const resolver = createIdentityResolver();
  const issuer = didKeyIssuer();
  const key = await resolver.resolve(issuer.did);
  t.equal(key.didDocument?.id, issuer.did);
  t.equal(key.didDocument?.verificationMethod?.[0]?.type, 'Ed25519VerificationKey2018');
  const address = Wallet.createRandom().address;
  const pkh = await resolver.resolve(`did:pkh:eip155:1:${address}`);
  t.equal(pkh.didDocument?.verificationMethod?.[0]?.blockchainAccountId, `eip155:1:${address}`);
  const web = await resolver.resolve('did:web:example.org');
  t.equal(web.didResolutionMetadata.error, 'unsupportedDidMethod', 'did:web only when configured');
});

t.test('did:web document URLs', async (t) => {
  t.equal(didWebDocumentUrl({ id: 'example.org' }), 'https://example.org/.well-known/did.json');
  t.equal(didWebDocumentUrl({ id: 'example.org:dao:issuers' }), 'https://example.org/dao/issuers/did.json');
  t.equal(didWebDocumentUrl({ id: 'localhost%3A8443' }, 'http'), 'http://localhost:8443/.well-known/did.json');
  t.throws(() => didWebDocumentUrl({ id: 'example.org:..' }));
  t.throws(() => didWebDocumentUrl({ id: 'evil.org%2Fx' }));
});

t.test('did:web issuer served by a local HTTP server, cached with a TTL', async (t) => {
  const server = await startLocalServer();
  t.teardown(() => server.close());
  const host = new URL(server.origin).host;
  const did = `did:web:${encodeURIComponent(host)}`;
  const key = didKeyIssuer();
  const publicKeyMultibase = key.did.slice('did:key:'.length);
  const publicKey = base58btc.decode(publicKeyMultibase).slice(2);
  const document = {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: [
      { id: `${did}#key-1`, type: 'Ed25519VerificationKey2018', controller: did, publicKeyBase58: base58btc.encode(publicKey).slice(1) },
    ],
    assertionMethod: [`${did}#key-1`],
  };
  server.routes.set('/.well-known/did.json', JSON.stringify(document));

  const clock = manualClock();
  const resolver = createIdentityResolver({ web: { scheme: 'http' }, cacheTtlMs: 60_000, now: clock.now });
  const issuer = { ...key, did };
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [did] });
  const voter = Wallet.createRandom().address;
  const now = Math.floor(Date.now() / 1000);
  const jwt = await issueMembershipCredential({ issuer, space: 'dao.eth', address: voter, validFrom: now, statusListUrl: 'https://x.example/l', statusListIndex: 1 });

  const record = await verifyMembershipCredential({ jwt, space: 'dao.eth', policy, resolver, now });
  t.equal(record.issuer, did);
  t.equal(server.hits.length, 1);
  await Promise.all([1, 2, 3].map(() => verifyMembershipCredential({ jwt, space: 'dao.eth', policy, resolver, now })));
  t.equal(server.hits.length, 1, 'cached within the TTL');

  clock.advance(59_999);
  await resolver.resolve(did);
  t.equal(server.hits.length, 1, 'still cached just before expiry');
  clock.advance(1);
  await resolver.resolve(did);
  t.equal(server.hits.length, 2, 'fetched again once the TTL has passed');

  // Concurrent misses share one request.
  clock.advance(60_000);
  await Promise.all([resolver.resolve(did), resolver.resolve(did), resolver.resolve(did)]);
  t.equal(server.hits.length, 3);

  // Failures are not cached: the document disappears, then comes back.
  clock.advance(60_000);
  server.routes.delete('/.well-known/did.json');
  try {
    await verifyMembershipCredential({ jwt, space: 'dao.eth', policy, resolver, now });
    t.fail('accepted');
  } catch (error) {
    t.type(error, IssuerUnresolvableError);
  }
  server.routes.set('/.well-known/did.json', JSON.stringify(document));
  t.ok(await verifyMembershipCredential({ jwt, space: 'dao.eth', policy, resolver, now }));

  // A document claiming another id is refused.
  server.routes.set('/.well-known/did.json', JSON.stringify({ ...document, id: 'did:web:other.example' }));
  clock.advance(60_000);
  const mismatch = await resolver.resolve(did);
  t.match(mismatch.didResolutionMetadata.message, /does not match/);
});

t.test('did:web through an injected fetch', async (t) => {
  const requested: string[] = [];
  const resolver = createIdentityResolver({
    web: {
      fetch: async (url) => {
        requested.push(url);
        return { ok: true, status: 200, text: async () => JSON.stringify({ id: 'did:web:dao.example.org:issuer' }) };
      },
    },
  });
  const result = await resolver.resolve('did:web:dao.example.org:issuer');
  t.equal(result.didDocument?.id, 'did:web:dao.example.org:issuer');
  t.same(requested, ['https://dao.example.org/issuer/did.json']);
});

t.test('did:ethr: loaded on demand; a dead RPC is a resolver error', async (t) => {
  const resolver = createIdentityResolver({ ethr: { networks: [{ name: 'dev', chainId: 1337, rpcUrl: 'http://127.0.0.1:9' }] } });
  const result = await resolver.resolve(`did:ethr:dev:${Wallet.createRandom().address}`);
  t.equal(result.didResolutionMetadata.error, 'notFound');
  t.match(result.didResolutionMetadata.message, /resolver_error|ECONNREFUSED|connect/);
});
