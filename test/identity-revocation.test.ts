import t from 'tap';
import { Wallet } from 'ethers';
import { decodeJWT } from 'did-jwt';
import { checkMembership } from '../server/identity/check-membership.ts';
import {
  CredentialRevokedError,
  InvalidStatusListError,
  StatusListUnavailableError,
} from '../server/identity/errors.ts';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { createIdentityResolver } from '../server/identity/resolver.ts';
import { createRevocationChecker, InMemoryJtiDenyList, MAX_STATUS_LIST_TTL_MS } from '../server/identity/revocation.ts';
import {
  createStatusList,
  createStatusListCredential,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  readStatusListPayload,
  setStatusBit,
  updateStatusListCredential,
} from '../server/identity/status-list.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import { didKeyIssuer, didPkhIssuer, manualClock, startLocalServer } from './support/identity.ts';

const SPACE = 'mydao.eth';
const resolver = createIdentityResolver();

t.test('bitstring: index 0 is the left-most bit; gzip + base64url round trip', async (t) => {
  const list = createStatusList();
  t.equal(list.length, 16384, '131,072 entries by default');
  setStatusBit(list, 0, true);
  setStatusBit(list, 9, true);
  setStatusBit(list, 131_071, true);
  t.equal(list[0], 0x80);
  t.equal(list[1], 0x40);
  t.equal(list[16383], 0x01);
  const encoded = encodeStatusList(list);
  t.match(encoded, /^[A-Za-z0-9_-]+$/);
  t.ok(encoded.length < 200, 'mostly zeros compress well');
  const decoded = decodeStatusList(encoded);
  t.same(decoded, list);
  t.same(decodeStatusList(`u${encoded}`), list, 'multibase u prefix accepted');
  t.ok(getStatusBit(decoded, 9));
  t.notOk(getStatusBit(decoded, 10));
  setStatusBit(decoded, 9, false);
  t.notOk(getStatusBit(decoded, 9));
  t.throws(() => getStatusBit(decoded, 131_072), RangeError);
  t.throws(() => createStatusList(12), RangeError);
  t.throws(() => decodeStatusList('not base64!'));
});

t.test('status list VC-JWT: create and update', async (t) => {
  const issuer = didKeyIssuer();
  const url = 'https://issuer.example/status/1';
  const jwt = await createStatusListCredential({ issuer, url, list: createStatusList() });
  const updated = await updateStatusListCredential({ issuer, jwt, index: 42, revoked: true });
  const content = readStatusListPayload(decodeJWT(updated).payload);
  t.equal(content.url, url);
  t.equal(content.purpose, 'revocation');
  t.ok(getStatusBit(content.list, 42));
  t.equal(decodeJWT(updated).header.alg, 'EdDSA');
  const reinstated = await updateStatusListCredential({ issuer, jwt: updated, index: 42, revoked: false });
  t.notOk(getStatusBit(readStatusListPayload(decodeJWT(reinstated).payload).list, 42));
  await t.rejects(updateStatusListCredential({ issuer: didKeyIssuer(), jwt, index: 1, revoked: true }), /another issuer/);
});

t.test('revocation through a status list served by a local HTTP server', async (t) => {
  const server = await startLocalServer();
  t.teardown(() => server.close());
  const issuer = didKeyIssuer();
  const url = `${server.origin}/status/1`;
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did] });
  const clock = manualClock(Date.now());
  const denyList = new InMemoryJtiDenyList();
  const checker = createRevocationChecker({ resolver, denyList, now: clock.now, ttlMs: 60_000 });

  let listJwt = await createStatusListCredential({ issuer, url, list: createStatusList() });
  server.routes.set('/status/1', listJwt);

  const voter = Wallet.createRandom().address;
  const now = Math.floor(clock.now() / 1000);
  const jwt = await issueMembershipCredential({ issuer, space: SPACE, address: voter, validFrom: now - 60, statusListUrl: url, statusListIndex: 5 });
  const record = await verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now, checkRevocation: checker.check });
  t.equal(server.hits.length, 1);

  const state = await checker.check(record);
  t.equal(state.revoked, false);
  t.match(state.statusListHash, /^[0-9a-f]{64}$/);
  t.equal(server.hits.length, 1, 'list cached');

  // The issuer revokes entry 5 (CLI-style update) and republishes.
  listJwt = await updateStatusListCredential({ issuer, jwt: listJwt, index: 5, revoked: true });
  server.routes.set('/status/1', listJwt);
  t.equal((await checker.check(record)).revoked, false, 'stale until the cache expires');
  clock.advance(60_000);
  const revoked = await checker.check(record);
  t.same({ revoked: revoked.revoked, source: revoked.source }, { revoked: true, source: 'status-list' });
  t.equal(server.hits.length, 2);
  const vote = checkMembership({ credential: record, proposalStart: now, voteTime: now + 10, revocation: revoked });
  t.equal(vote.ok ? 'ok' : vote.error.message, 'credential revoked');
  try {
    await verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now, checkRevocation: checker.check });
    t.fail('revoked credential accepted at submission');
  } catch (error) {
    t.type(error, CredentialRevokedError);
  }

  // clear() forces a fetch.
  checker.clear();
  await checker.check(record);
  t.equal(server.hits.length, 3);

  // Another entry in the same list is unaffected.
  const other = await verifyMembershipCredential({
    jwt: await issueMembershipCredential({ issuer, space: SPACE, address: Wallet.createRandom().address, validFrom: now - 60, statusListUrl: url, statusListIndex: 6 }),
    space: SPACE,
    policy,
    resolver,
    now,
  });
  t.equal((await checker.check(other)).revoked, false);

  // Local deny-list by jti wins immediately, without a fetch.
  denyList.add(other.id);
  const hitsBefore = server.hits.length;
  t.same(await checker.check(other), { revoked: true, source: 'deny-list' });
  t.equal(server.hits.length, hitsBefore);
  denyList.delete(other.id);
  t.equal((await checker.check(other)).revoked, false);
});

t.test('status list signed by another DID, or unusable, is refused', async (t) => {
  const server = await startLocalServer();
  t.teardown(() => server.close());
  const issuer = didPkhIssuer();
  const impostor = didKeyIssuer();
  const clock = manualClock(Date.now());
  const checker = createRevocationChecker({ resolver, now: clock.now });
  const record = { id: 'urn:uuid:1', issuer: issuer.did, statusListUrl: `${server.origin}/status/a`, statusListIndex: 3 };

  server.routes.set('/status/a', await createStatusListCredential({ issuer: impostor, url: record.statusListUrl, list: createStatusList() }));
  await t.rejects(checker.check(record), InvalidStatusListError, 'signed by another DID');

  // The issuer's own list works (did:pkh signer, ES256K-R), including with a lower-case issuer DID on the record.
  server.routes.set('/status/a', await createStatusListCredential({ issuer, url: record.statusListUrl, list: createStatusList() }));
  clock.advance(MAX_STATUS_LIST_TTL_MS);
  t.equal((await checker.check({ ...record, issuer: issuer.did.toLowerCase() })).revoked, false);

  // A list served under another URL than it names.
  server.routes.set('/status/b', await createStatusListCredential({ issuer, url: record.statusListUrl, list: createStatusList() }));
  await t.rejects(checker.check({ ...record, statusListUrl: `${server.origin}/status/b` }), InvalidStatusListError);

  // Index beyond a short list.
  server.routes.set('/status/c', await createStatusListCredential({ issuer, url: `${server.origin}/status/c`, list: createStatusList(8) }));
  await t.rejects(checker.check({ ...record, statusListUrl: `${server.origin}/status/c`, statusListIndex: 8 }), InvalidStatusListError);

  // Tampered list: bits changed without re-signing.
  const good = await createStatusListCredential({ issuer, url: `${server.origin}/status/d`, list: createStatusList() });
  const [header, payload, signature] = good.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const flipped = createStatusList();
  setStatusBit(flipped, 3, true);
  claims.vc.credentialSubject.encodedList = encodeStatusList(flipped);
  server.routes.set('/status/d', `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`);
  await t.rejects(checker.check({ ...record, statusListUrl: `${server.origin}/status/d` }), InvalidStatusListError);

  // Unreachable list: fail closed with a retryable error.
  await t.rejects(checker.check({ ...record, statusListUrl: `${server.origin}/missing` }), StatusListUnavailableError);
  try {
    await checker.check({ ...record, statusListUrl: `${server.origin}/missing` });
  } catch (error) {
    t.equal((error as StatusListUnavailableError).retryable, true);
    t.equal((error as Error).message, 'status list unavailable');
  }

  // A list stamped by an issuer clock 30 s ahead is accepted; one 10 minutes ahead is not.
  const url = `${server.origin}/status/e`;
  const nowSeconds = Math.floor(clock.now() / 1000);
  server.routes.set('/status/e', await createStatusListCredential({ issuer, url, list: createStatusList(), validFrom: nowSeconds + 30 }));
  t.equal((await checker.check({ ...record, statusListUrl: url })).revoked, false);
  const url2 = `${server.origin}/status/f`;
  server.routes.set('/status/f', await createStatusListCredential({ issuer, url: url2, list: createStatusList(), validFrom: nowSeconds + 600 }));
  await t.rejects(checker.check({ ...record, statusListUrl: url2 }), InvalidStatusListError);

  // A credential without a status entry is only subject to the deny-list.
  t.same(await checker.check({ id: 'urn:uuid:2', issuer: issuer.did }), { revoked: false });
});

t.test('cache TTL is capped at 5 minutes; fetch is injectable', async (t) => {
  const issuer = didKeyIssuer();
  const url = 'https://issuer.example/status/9';
  const body = await createStatusListCredential({ issuer, url, list: createStatusList() });
  let fetches = 0;
  const clock = manualClock(Date.now());
  const checker = createRevocationChecker({
    resolver,
    now: clock.now,
    ttlMs: 24 * 3600 * 1000,
    fetch: async (requested) => {
      fetches++;
      t.equal(requested, url);
      return { ok: true, status: 200, text: async () => body };
    },
  });
  const record = { id: 'urn:uuid:3', issuer: issuer.did, statusListUrl: url, statusListIndex: 0 };
  await Promise.all([checker.check(record), checker.check(record)]);
  t.equal(fetches, 1, 'concurrent checks share one fetch');
  clock.advance(MAX_STATUS_LIST_TTL_MS - 1);
  await checker.check(record);
  t.equal(fetches, 1);
  clock.advance(1);
  await checker.check(record);
  t.equal(fetches, 2, 'refetched after 5 minutes despite a longer ttlMs');
});
