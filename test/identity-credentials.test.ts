/**
 * Membership credentials through the running service: submission (REST and GraphQL) with every rejection writing
 * nothing, per-vote checks with real signed votes, revocation through a status list on a local HTTP server.
 */
import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import type { Wallet } from '@ethersproject/wallet';
import { decodeJWT } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { graphql, postJson } from './support/client.ts';
import { didKeyIssuer, startLocalServer } from './support/identity.ts';
import {
  createProposal,
  now,
  putSpace,
  servedStatusList,
  spaceSettings,
  tableCounts,
  vote,
} from './support/identity-service.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

const server = await startTestServer();
t.teardown(() => server.close());
const local = await startLocalServer();
t.teardown(() => local.close());

const SPACE = 'members.eth';
const issuer = didKeyIssuer();
const stranger = didKeyIssuer();
const [controller, member, outsider, lateJoiner, revokedMember, renewed, rotated] = wallets(7, 5);
const list = await servedStatusList(local, issuer, '/status/1');
let nextIndex = 1;

/** A credential from `from` (default: the trusted issuer) with a fresh status index, valid from an hour ago. */
async function credential(address: string, options: { from?: typeof issuer; space?: string; validFrom?: number; days?: number; index?: number } = {}) {
  const index = options.index ?? nextIndex++;
  const jwt = await issueMembershipCredential({
    issuer: options.from ?? issuer,
    space: options.space ?? SPACE,
    address,
    validFrom: options.validFrom ?? now() - 3600,
    days: options.days ?? 30,
    statusListUrl: list.url,
    statusListIndex: index,
  });
  return { jwt, index, jti: decodeJWT(jwt).payload.jti as string };
}

const submit = (jwt: unknown, space: unknown = SPACE) => postJson(`${server.url}/api/credentials`, { space, jwt });

/** Expects the submission to be refused with `reason` (and `status`) and nothing to be written. */
async function refused(tt: Test, jwt: unknown, reason: string, status = 400, space: unknown = SPACE) {
  const before = await tableCounts(server);
  const response = await submit(jwt, space);
  tt.equal(response.status, status, `status for "${reason}"`);
  tt.same(response.body, { error: 'client_error', error_description: reason }, reason);
  tt.same(await tableCounts(server), before, `nothing written for "${reason}"`);
}

/** Expects the vote to be refused with `reason` and nothing to be written. */
async function voteRefused(tt: Test, voter: Wallet, proposal: string, reason: string, status = 400) {
  const before = await tableCounts(server);
  const response = await vote(server, voter, SPACE, proposal);
  tt.equal(response.status, status, `vote status for "${reason}"`);
  tt.same(response.body, { error: 'client_error', error_description: reason }, reason);
  tt.same(await tableCounts(server), before, `nothing written for refused vote "${reason}"`);
}

let proposal = '';

t.test('space policy: identity settings are validated with a clear reason', async (tt) => {
  const bad = async (identity: unknown, reason: string) => {
    const before = await tableCounts(server);
    const response = await postJson(server.url, await sign(controller, 'settings', { space: SPACE, settings: spaceSettings({ identity }) }));
    tt.equal(response.status, 400);
    tt.same(response.body, { error: 'client_error', error_description: `wrong space format: identity: ${reason}` });
    tt.same(await tableCounts(server), before);
  };
  await bad({ required: true, trustedIssuers: [] }, 'required is true but trustedIssuers is empty: nobody could vote');
  await bad({ required: true, trustedIssuer: [issuer.did] }, 'unknown field "trustedIssuer"');
  await bad({ required: true, trustedIssuers: ['did:ethr:0x1234567890123456789012345678901234567890'] }, 'trustedIssuers[0] uses did:ethr; supported: did:key, did:pkh, did:web');
  await bad({ required: true, trustedIssuers: [issuer.did], maxAge: 1.5 }, 'maxAge must be a positive whole number of seconds');
  await bad('yes', 'identity must be an object');

  await putSpace(server, controller, SPACE, { identity: { required: true, trustedIssuers: [issuer.did], maxAge: 365 * 86400 } });
  const { data } = await graphql(server.url, `{ space(id: "${SPACE}") { id identity { required trustedIssuers maxAge } } }`);
  tt.same(data.space, { id: SPACE, identity: { required: true, trustedIssuers: [issuer.did], maxAge: 365 * 86400 } });
  const settings = (await (await fetch(`${server.url}/api/spaces/${SPACE}`)).json()) as { identity: unknown };
  tt.same(settings.identity, {
    required: true,
    trustedIssuers: [issuer.did],
    credentialType: 'DAOMembershipCredential',
    maxAge: 365 * 86400,
    requireStatus: true,
  }, 'stored normalised, with defaults');
  await putSpace(server, controller, 'other.eth');
  proposal = await createProposal(server, controller, SPACE, now() - 60);
});

t.test('submission: every rejection gives its reason and writes nothing', async (tt) => {
  const good = await credential(member.address);
  await refused(tt, '', 'no credential');
  await refused(tt, 'not.a.jwt', 'invalid credential');
  await refused(tt, (await credential(member.address, { from: stranger })).jwt, 'untrusted issuer');
  await refused(tt, (await credential(member.address, { validFrom: now() - 40 * 86400, days: 10 })).jwt, 'credential expired');
  await refused(tt, (await credential(member.address, { validFrom: now() + 3600 })).jwt, 'credential not yet valid');
  await refused(tt, (await credential(member.address, { space: 'other.eth' })).jwt, 'wrong space');

  // A subject that is not an EVM account.
  const notPkh = await createVerifiableCredentialJwt(
    {
      sub: stranger.did,
      nbf: now() - 60,
      exp: now() + 86400,
      jti: 'urn:uuid:not-pkh',
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'DAOMembershipCredential'],
        credentialSubject: { membership: { space: SPACE } },
        credentialStatus: { id: `${list.url}#99`, type: 'StatusList2021Entry', statusPurpose: 'revocation', statusListIndex: '99', statusListCredential: list.url },
      },
    },
    issuer,
  );
  await refused(tt, notPkh, 'wrong subject');

  // Tampered: another address in the payload, the issuer's signature kept.
  const [header, payload, signature] = good.jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.sub = `did:pkh:eip155:1:${outsider.address}`;
  const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  await refused(tt, forged, 'invalid credential signature');

  // Revoked in the issuer's status list before it was ever submitted.
  const revokedFirst = await credential(member.address);
  await list.revoke(revokedFirst.index);
  server.app.membership.statusLists.clear();
  await refused(tt, revokedFirst.jwt, 'credential revoked');

  // A status list that cannot be read: refused, retryable, nothing stored.
  const unreadable = await issueMembershipCredential({
    issuer, space: SPACE, address: member.address, validFrom: now() - 60, statusListUrl: `${local.origin}/status/missing`, statusListIndex: 1,
  });
  await refused(tt, unreadable, 'status list unavailable', 503);

  await refused(tt, good.jwt, 'unknown space', 400, 'nowhere.eth');
  await refused(tt, good.jwt, 'this space does not use membership credentials', 400, 'other.eth');
});

t.test('a vote without a credential is refused; a member with a good one votes and the vote carries its id', async (tt) => {
  await voteRefused(tt, member, proposal, 'no credential');

  const good = await credential(member.address);
  const response = await submit(good.jwt);
  tt.equal(response.status, 200);
  tt.match(response.body, {
    id: good.jti,
    issuer: issuer.did,
    address: member.address,
    chainId: 1,
    space: SPACE,
    credentialType: 'DAOMembershipCredential',
    statusListUrl: list.url,
    statusListIndex: good.index,
    jwt: good.jwt,
  });
  tt.equal(response.body.expiresAt - response.body.validFrom, 30 * 86400);
  const again = await submit(good.jwt);
  tt.same(again.body, response.body, 'the same JWT again returns the stored record');
  tt.equal(Number((await tableCounts(server)).credentials), 1);

  const accepted = await vote(server, member, SPACE, proposal);
  tt.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const listHash = createHash('sha256').update(local.routes.get('/status/1')!).digest('hex');
  const { data } = await graphql(
    server.url,
    `{ votes(where: { proposal: "${proposal}" }) { voter identity { credentialId statusListHash credential { id address jwt } } } }`,
  );
  tt.same(data.votes, [
    { voter: member.address, identity: { credentialId: good.jti, statusListHash: listHash, credential: { id: good.jti, address: member.address, jwt: good.jwt } } },
  ]);

  const identity = await graphql(server.url, `{ identity(space: "${SPACE}", address: "${member.address.toLowerCase()}") { required status reason credential { id } } }`);
  tt.same(identity.data.identity, { required: true, status: 'valid', reason: null, credential: { id: good.jti } });
  const none = await graphql(server.url, `{ identity(space: "${SPACE}", address: "${outsider.address}") { status reason credential { id } } }`);
  tt.same(none.data.identity, { status: 'invalid', reason: 'no credential', credential: null });

  // An open space records no identity on its votes.
  const open = await createProposal(server, controller, 'other.eth', now() - 60);
  tt.equal((await vote(server, outsider, 'other.eth', open)).status, 200);
  const openVotes = await graphql(server.url, `{ votes(where: { proposal: "${open}" }) { identity { credentialId } } }`);
  tt.same(openVotes.data.votes, [{ identity: null }]);
  const openIdentity = await graphql(server.url, `{ identity(space: "other.eth", address: "${outsider.address}") { required status } }`);
  tt.same(openIdentity.data.identity, { required: false, status: 'none' });
});

t.test('GraphQL submitCredential: the same checks and the same record', async (tt) => {
  const mutation = 'mutation ($space: String!, $jwt: String!) { submitCredential(space: $space, jwt: $jwt) { id address space statusListIndex } }';
  const good = await credential(lateJoiner.address, { validFrom: now() - 10 });
  const result = await graphql(server.url, mutation, { space: SPACE, jwt: good.jwt });
  tt.same(result.data.submitCredential, { id: good.jti, address: lateJoiner.address, space: SPACE, statusListIndex: good.index });
  const before = await tableCounts(server);
  const wrong = await graphql(server.url, mutation, { space: SPACE, jwt: (await credential(lateJoiner.address, { from: stranger })).jwt });
  tt.equal(wrong.errors?.[0]?.message, 'untrusted issuer');
  tt.same(await tableCounts(server), before, 'nothing written');
});

t.test('a credential that starts after the proposal started does not give a vote on it', async (tt) => {
  // lateJoiner's credential (above) is valid from 10 s ago; the proposal started 60 s before it was created.
  await voteRefused(tt, lateJoiner, proposal, 'credential not yet valid');
  const later = await createProposal(server, controller, SPACE, now());
  const response = await vote(server, lateJoiner, SPACE, later);
  tt.equal(response.status, 200, 'it counts on a proposal that starts after it');
});

t.test('renewal: a newer credential does not knock out the one valid at the proposal start', async (tt) => {
  const old = await credential(renewed.address, { validFrom: now() - 7200 });
  const fresh = await credential(renewed.address, { validFrom: now() - 5 });
  tt.equal((await submit(old.jwt)).status, 200);
  tt.equal((await submit(fresh.jwt)).status, 200);
  tt.equal((await vote(server, renewed, SPACE, proposal)).status, 200);
  const { data } = await graphql(server.url, `{ votes(where: { proposal: "${proposal}", voter: "${renewed.address}" }) { identity { credentialId } } }`);
  tt.same(data.votes, [{ identity: { credentialId: old.jti } }]);
});

t.test('votes sent together are read in one batch and each gets its own answer', async (tt) => {
  const [first, second, third, fourth] = wallets(4, 50);
  const firstCredential = await credential(first.address);
  const thirdCredential = await credential(third.address);
  tt.equal((await submit(firstCredential.jwt)).status, 200);
  tt.equal((await submit(thirdCredential.jwt)).status, 200);
  const before = Number((await tableCounts(server)).votes);
  const responses = await Promise.all([first, second, third, fourth].map((voter) => vote(server, voter, SPACE, proposal)));
  tt.same(
    responses.map((response) => [response.status, response.body.error_description ?? 'accepted']),
    [[200, 'accepted'], [400, 'no credential'], [200, 'accepted'], [400, 'no credential']],
  );
  tt.equal(Number((await tableCounts(server)).votes), before + 2, 'only the members\' votes are written');
  const { data } = await graphql(
    server.url,
    `{ votes(where: { proposal: "${proposal}", voter_in: ["${first.address}", "${third.address}"] }) { voter identity { credentialId } } }`,
  );
  tt.same(
    Object.fromEntries(data.votes.map((row: { voter: string; identity: { credentialId: string } }) => [row.voter, row.identity.credentialId])),
    { [first.address]: firstCredential.jti, [third.address]: thirdCredential.jti },
  );
});

t.test('revocation through the status list: once the cached list is refreshed, votes are refused', async (tt) => {
  const held = await credential(revokedMember.address);
  tt.equal((await submit(held.jwt)).status, 200);
  tt.equal((await vote(server, revokedMember, SPACE, proposal, { reason: 'first' })).status, 200);
  await list.revoke(held.index);
  // The service caches a list for at most 5 minutes; dropping the cache stands for that time passing.
  server.app.membership.statusLists.clear();
  await voteRefused(tt, revokedMember, proposal, 'credential revoked');
  const identity = await graphql(server.url, `{ identity(space: "${SPACE}", address: "${revokedMember.address}") { status reason credential { id } } }`);
  tt.same(identity.data.identity, { status: 'invalid', reason: 'credential revoked', credential: { id: held.jti } });
});

t.test('issuer rotation: removing an issuer from the policy refuses its credentials at once', async (tt) => {
  const held = await credential(rotated.address);
  tt.equal((await submit(held.jwt)).status, 200);
  const next = didKeyIssuer();
  await putSpace(server, controller, SPACE, { identity: { required: true, trustedIssuers: [next.did] } });
  await voteRefused(tt, rotated, proposal, 'untrusted issuer');
  await putSpace(server, controller, SPACE, { identity: { required: false, trustedIssuers: [next.did] } });
  const response = await vote(server, rotated, SPACE, proposal);
  tt.equal(response.status, 200, 'not required: everyone votes again');
});
