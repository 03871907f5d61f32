/**
 * Admin sessions through the running service: Sign-In with Ethereum (nonce from the server, single use, pinned
 * domain), and the admin-only deny-list endpoint that revokes a member's credential at once.
 */
import t from 'tap';
import { decodeJWT } from 'did-jwt';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { graphql, postJson } from './support/client.ts';
import { didKeyIssuer, startLocalServer } from './support/identity.ts';
import {
  createProposal,
  now,
  postAuthorized,
  putSpace,
  servedStatusList,
  siweLogin,
  tableCounts,
  vote,
} from './support/identity-service.ts';
import { startTestServer } from './support/server.ts';
import { wallets } from './support/sign.ts';

const server = await startTestServer({ SIWE_DOMAIN: 'conclave.test' });
t.teardown(() => server.close());
const local = await startLocalServer();
t.teardown(() => local.close());

const SPACE = 'guarded.eth';
const issuer = didKeyIssuer();
const [controller, admin, member, outsider] = wallets(4, 9);
const list = await servedStatusList(local, issuer, '/status/admin');
const revocations = `${server.url}/api/spaces/${SPACE}/revocations`;

await putSpace(server, controller, SPACE, { admins: [admin.address], identity: { required: true, trustedIssuers: [issuer.did] } });
const proposal = await createProposal(server, controller, SPACE, now() - 60);
const memberCredential = await issueMembershipCredential({
  issuer, space: SPACE, address: member.address, validFrom: now() - 3600, statusListUrl: list.url, statusListIndex: 7,
});
const jti = decodeJWT(memberCredential).payload.jti as string;

let adminToken = '';

t.test('SIWE happy path: a nonce from the service, a signed message, a session token', async (tt) => {
  const nonceResponse = await fetch(`${server.url}/api/auth/nonce`);
  tt.equal(nonceResponse.status, 200);
  tt.equal(nonceResponse.headers.get('cache-control'), 'no-store');
  const { nonce, expiresAt } = (await nonceResponse.json()) as { nonce: string; expiresAt: number };
  tt.match(nonce, /^[0-9a-f]{32}$/);
  tt.ok(expiresAt > Date.now());
  const login = await siweLogin(server, admin, { nonce });
  const response = await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: login.signature });
  tt.equal(response.status, 200, JSON.stringify(response.body));
  tt.equal(response.body.address, admin.address);
  tt.ok(response.body.expiresAt > Date.now());
  tt.match(response.body.token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  adminToken = response.body.token;

  const replayed = await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: login.signature });
  tt.same(replayed, { status: 401, body: { error: 'client_error', error_description: 'nonce already used' } }, 'replayed nonce');
});

t.test('a nonce is used once even by two logins at the same instant', async (tt) => {
  const login = await siweLogin(server, admin);
  const body = { message: login.message, signature: login.signature };
  const results = await Promise.all([postJson(`${server.url}/api/auth/siwe`, body), postJson(`${server.url}/api/auth/siwe`, body)]);
  tt.same(results.map((result) => result.status).sort(), [200, 401]);
  tt.same(results.find((result) => result.status === 401)?.body, { error: 'client_error', error_description: 'nonce already used' });
});

t.test('SIWE refusals: unknown nonce, wrong domain, wrong signer; a failed attempt does not burn the nonce', async (tt) => {
  const unknown = await siweLogin(server, admin, { nonce: 'f'.repeat(32) });
  tt.same(await postJson(`${server.url}/api/auth/siwe`, { message: unknown.message, signature: unknown.signature }), {
    status: 401,
    body: { error: 'client_error', error_description: 'unknown nonce' },
  });
  const phished = await siweLogin(server, admin, { domain: 'evil.example' });
  tt.same(await postJson(`${server.url}/api/auth/siwe`, { message: phished.message, signature: phished.signature }), {
    status: 401,
    body: { error: 'client_error', error_description: 'wrong domain' },
  });
  const login = await siweLogin(server, admin);
  const otherSigner = await outsider.signMessage(login.message);
  tt.same(await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: otherSigner }), {
    status: 401,
    body: { error: 'client_error', error_description: 'invalid sign-in signature' },
  });
  const retried = await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: login.signature });
  tt.equal(retried.status, 200, 'the nonce survived the failed attempt');
});

t.test('the deny-list endpoint: a session is required, and only admins of the space may use it', async (tt) => {
  const before = await tableCounts(server);
  tt.same(await postAuthorized(revocations, undefined, { jti }), {
    status: 401,
    body: { error: 'client_error', error_description: 'admin session required: sign in with Ethereum at /api/auth/siwe' },
  });
  const forged = `${adminToken.split('.')[0]}.${'A'.repeat(43)}`;
  tt.equal((await postAuthorized(revocations, forged, { jti })).status, 401, 'a forged token is refused');

  const login = await siweLogin(server, outsider);
  const outsiderToken = (await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: login.signature })).body.token;
  tt.same(await postAuthorized(revocations, outsiderToken, { jti }), {
    status: 403,
    body: { error: 'client_error', error_description: 'only an admin of the space can revoke credentials' },
  });
  tt.equal((await postAuthorized(`${server.url}/api/spaces/nowhere.eth/revocations`, adminToken, { jti })).status, 404);
  tt.same(await tableCounts(server), before, 'nothing written by refused requests');
});

t.test('revocation via the deny-list: the member voted, is revoked by an admin, and cannot vote again', async (tt) => {
  tt.equal((await postJson(`${server.url}/api/credentials`, { space: SPACE, jwt: memberCredential })).status, 200);
  tt.equal((await vote(server, member, SPACE, proposal, { reason: 'before' })).status, 200);

  const revoked = await postAuthorized(revocations, adminToken, { jti });
  tt.equal(revoked.status, 200, JSON.stringify(revoked.body));
  tt.match(revoked.body, { space: SPACE, jti, revokedBy: admin.address, revokedAt: Number });
  const again = await postAuthorized(revocations, adminToken, { jti });
  tt.same(again.body, revoked.body, 'revoking twice keeps the first record');

  const before = await tableCounts(server);
  const refused = await vote(server, member, SPACE, proposal, { reason: 'after' });
  tt.same(refused, { status: 400, body: { error: 'client_error', error_description: 'credential revoked' } });
  tt.same(await tableCounts(server), before, 'nothing written');
  const { data } = await graphql(server.url, `{ identity(space: "${SPACE}", address: "${member.address}") { status reason } }`);
  tt.same(data.identity, { status: 'invalid', reason: 'credential revoked' });

  // The controller may revoke too; a revoked id cannot be submitted afterwards.
  const login = await siweLogin(server, controller);
  const controllerToken = (await postJson(`${server.url}/api/auth/siwe`, { message: login.message, signature: login.signature })).body.token;
  const ahead = await issueMembershipCredential({
    issuer, space: SPACE, address: outsider.address, validFrom: now() - 3600, statusListUrl: list.url, statusListIndex: 8, jti: 'urn:uuid:revoked-ahead',
  });
  tt.equal((await postAuthorized(revocations, controllerToken, { jti: 'urn:uuid:revoked-ahead' })).status, 200);
  const submitted = await postJson(`${server.url}/api/credentials`, { space: SPACE, jwt: ahead });
  tt.same(submitted, { status: 400, body: { error: 'client_error', error_description: 'credential revoked' } });
});
