import t from 'tap';
import { Wallet } from 'ethers';
import { createJWT } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import type { JwtCredentialPayload } from 'did-jwt-vc';
import {
  CredentialExpiredError,
  CredentialNotYetValidError,
  CredentialRevokedError,
  CredentialTooOldError,
  CredentialWithoutExpiryError,
  CredentialWithoutStatusError,
  IdentityError,
  InvalidCredentialError,
  InvalidCredentialSignatureError,
  IssuerUnresolvableError,
  NoCredentialError,
  UntrustedIssuerError,
  WrongCredentialTypeError,
  WrongSpaceError,
  WrongSubjectError,
} from '../server/identity/errors.ts';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { createIdentityResolver } from '../server/identity/resolver.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import type { VerifyMembershipCredentialParameters } from '../server/identity/verify-credential.ts';
import { didKeyIssuer, didPkhIssuer, flipCharacter, rejectsWith } from './support/identity.ts';

const SPACE = 'mydao.eth';
/** Credentials are issued at a fixed instant in the past: verification must not depend on the wall clock. */
const ISSUED = Date.UTC(2025, 0, 1) / 1000;
const NOW = ISSUED + 3600;
const LIST = 'https://issuer.example/status/1';

const issuer = didKeyIssuer();
const pkhIssuer = didPkhIssuer();
const voter = Wallet.createRandom();
const policy = parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did, pkhIssuer.did] });
const resolver = createIdentityResolver();

function issue(overrides: Partial<Parameters<typeof issueMembershipCredential>[0]> = {}): Promise<string> {
  return issueMembershipCredential({
    issuer,
    space: SPACE,
    address: voter.address,
    validFrom: ISSUED,
    days: 30,
    statusListUrl: LIST,
    statusListIndex: 7,
    ...overrides,
  });
}

/** A hand-made payload, for shapes the issuing helper never produces. */
function rawPayload(overrides: Record<string, unknown> = {}, vcOverrides: Record<string, unknown> = {}): JwtCredentialPayload {
  return {
    sub: `did:pkh:eip155:1:${voter.address}`,
    iat: ISSUED,
    nbf: ISSUED,
    exp: ISSUED + 86400,
    jti: 'urn:uuid:6c1a5d0e-0000-4000-8000-000000000001',
    ...overrides,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'DAOMembershipCredential'],
      credentialSubject: { membership: { space: SPACE } },
      credentialStatus: {
        id: `${LIST}#7`,
        type: 'StatusList2021Entry',
        statusPurpose: 'revocation',
        statusListIndex: '7',
        statusListCredential: LIST,
      } as { id: string; type: string },
      ...vcOverrides,
    },
  };
}

function verify(jwt: string | undefined, extra: Partial<VerifyMembershipCredentialParameters> = {}) {
  return verifyMembershipCredential({ jwt, space: SPACE, policy, resolver, now: NOW, ...extra });
}


t.test('a good credential from a did:key issuer becomes a normalised record', async (t) => {
  const jwt = await issue();
  const record = await verify(jwt);
  t.match(record.id, /^urn:uuid:[0-9a-f-]{36}$/);
  t.same({ ...record, id: 'x' }, {
    id: 'x',
    issuer: issuer.did,
    address: voter.address,
    chainId: 1,
    space: SPACE,
    credentialType: 'DAOMembershipCredential',
    issuedAt: ISSUED,
    validFrom: ISSUED,
    expiresAt: ISSUED + 30 * 86400,
    statusListUrl: LIST,
    statusListIndex: 7,
    jwt,
  });
});

t.test('a good credential from a did:pkh issuer (ES256K-R), subject address checksummed', async (t) => {
  const jwt = await createVerifiableCredentialJwt(
    rawPayload({ sub: `did:pkh:eip155:10:${voter.address.toLowerCase()}` }),
    pkhIssuer,
  );
  const record = await verify(jwt, { address: voter.address.toLowerCase() });
  t.equal(record.issuer, pkhIssuer.did);
  t.equal(record.address, voter.address, 'checksummed');
  t.equal(record.chainId, 10);
});

t.test('no credential', async (t) => {
  await rejectsWith(t, verify(undefined), NoCredentialError, 'no credential');
  await rejectsWith(t, verify(''), NoCredentialError, 'no credential');
  await rejectsWith(t, verify('   '), NoCredentialError, 'no credential');
});

t.test('untrusted issuer', async (t) => {
  const stranger = didKeyIssuer();
  await rejectsWith(t, verify(await issue({ issuer: stranger })), UntrustedIssuerError, 'untrusted issuer');
});

t.test('tampered credential: invalid credential signature', async (t) => {
  const jwt = await issue();
  const [header, payload, signature] = jwt.split('.');
  // Swap the subject for another address, keeping the original signature.
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims.sub = `did:pkh:eip155:1:${Wallet.createRandom().address}`;
  const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
  await rejectsWith(t, verify(forged), InvalidCredentialSignatureError, 'invalid credential signature');
  // A flipped signature character.
  await rejectsWith(t, verify(`${header}.${payload}.${flipCharacter(signature, 20)}`), InvalidCredentialSignatureError, 'invalid credential signature');
  // A damaged signature segment: truncated, too long, all zeros.
  for (const damaged of [signature.slice(0, -4), `${signature}xx`, 'A'.repeat(signature.length)]) {
    await rejectsWith(t, verify(`${header}.${payload}.${damaged}`), InvalidCredentialSignatureError, 'invalid credential signature');
  }
  // A trusted issuer's DID with someone else's key.
  const rogue = { ...didKeyIssuer(), did: issuer.did };
  await rejectsWith(t, verify(await issue({ issuer: rogue })), InvalidCredentialSignatureError, 'invalid credential signature');
  // A did:pkh issuer's DID signed by another wallet.
  const rogueWallet = didPkhIssuer();
  const roguePkh = { ...rogueWallet, did: pkhIssuer.did };
  await rejectsWith(t, verify(await issue({ issuer: roguePkh })), InvalidCredentialSignatureError, 'invalid credential signature');
});

t.test('garbage is an invalid credential', async (t) => {
  await rejectsWith(t, verify('not-a-jwt'), InvalidCredentialError, 'invalid credential');
  await rejectsWith(t, verify('a.b.c'), InvalidCredentialError, 'invalid credential');
  const [header, payload] = (await issue()).split('.');
  await rejectsWith(t, verify(`${header}.${payload}`), InvalidCredentialError, 'invalid credential');
  await rejectsWith(t, verify(`${header}.${payload.slice(0, -3)}.sig`), InvalidCredentialError, 'invalid credential');
  // Correctly signed, but VCDM 2.0 (unsupported by did-jwt-vc): a schema error, not a signature error.
  const v2 = await createJWT(
    { ...rawPayload(), vc: { ...rawPayload().vc, '@context': ['https://www.w3.org/ns/credentials/v2'] } },
    { issuer: issuer.did, signer: issuer.signer },
    { alg: issuer.alg },
  );
  await rejectsWith(t, verify(v2), InvalidCredentialError, 'invalid credential');
  await rejectsWith(t, verify('x'.repeat(20_000)), InvalidCredentialError, 'invalid credential');
});

t.test('wrong credential type', async (t) => {
  await rejectsWith(t, verify(await issue({ credentialType: 'SomethingElse' })), WrongCredentialTypeError, 'wrong credential type');
  const guild = parseIdentityPolicy({ trustedIssuers: [issuer.did], credentialType: 'GuildMember' });
  await rejectsWith(t, verify(await issue(), { policy: guild }), WrongCredentialTypeError, 'wrong credential type');
  const record = await verify(await issue({ credentialType: 'GuildMember' }), { policy: guild });
  t.equal(record.credentialType, 'GuildMember');
});

t.test('wrong subject', async (t) => {
  // Credential for someone else than the expected address.
  const other = Wallet.createRandom();
  await rejectsWith(t, verify(await issue(), { address: other.address }), WrongSubjectError, 'wrong subject');
  // Subject is not a did:pkh EVM account.
  for (const sub of [issuer.did, 'did:pkh:solana:4sGjMW1sUnHzSxGspuhpqLDx6wiyjNtZ:CKg5d12Jhpej1JqtmxLJgaFqqeYjxgPqToJ4LBdvG9Ev', 'did:pkh:eip155:1:0x1234']) {
    const jwt = await createVerifiableCredentialJwt(rawPayload({ sub }), issuer);
    await rejectsWith(t, verify(jwt), WrongSubjectError, 'wrong subject');
  }
});

t.test('wrong space', async (t) => {
  await rejectsWith(t, verify(await issue({ space: 'otherdao.eth' })), WrongSpaceError, 'wrong space');
  const noSpace = await createVerifiableCredentialJwt(rawPayload({}, { credentialSubject: { membership: { role: 'member' } } }), issuer);
  await rejectsWith(t, verify(noSpace), WrongSpaceError, 'wrong space');
  t.equal((await verify(await issue({ space: 'MyDAO.eth' }))).space, SPACE, 'space ids compare case-insensitively');
});

t.test('validity window with zero clock skew', async (t) => {
  const jwt = await issue();
  const exp = ISSUED + 30 * 86400;
  await rejectsWith(t, verify(jwt, { now: ISSUED - 1 }), CredentialNotYetValidError, 'credential not yet valid');
  t.ok(await verify(jwt, { now: ISSUED }), 'valid from nbf exactly');
  t.ok(await verify(jwt, { now: exp - 1 }), 'valid until the second before exp');
  await rejectsWith(t, verify(jwt, { now: exp }), CredentialExpiredError, 'credential expired');
  await rejectsWith(t, verify(jwt, { now: exp + 100 }), CredentialExpiredError, 'credential expired');
  // iat in the future without nbf.
  const future = await createVerifiableCredentialJwt(rawPayload({ nbf: undefined, iat: NOW + 10 }), issuer);
  await rejectsWith(t, verify(future), CredentialNotYetValidError, 'credential not yet valid');
});

t.test('expiry is mandatory', async (t) => {
  const jwt = await createVerifiableCredentialJwt(rawPayload({ exp: undefined }), issuer);
  await rejectsWith(t, verify(jwt), CredentialWithoutExpiryError, 'credential has no expiry');
});

t.test('maxAge', async (t) => {
  const strict = parseIdentityPolicy({ trustedIssuers: [issuer.did], maxAge: 3600 });
  const jwt = await issue();
  t.ok(await verify(jwt, { policy: strict, now: ISSUED + 3600 }), 'exactly maxAge old');
  await rejectsWith(t, verify(jwt, { policy: strict, now: ISSUED + 3601 }), CredentialTooOldError, 'credential too old');
});

t.test('status entry', async (t) => {
  const without = await issue({ statusListUrl: undefined, statusListIndex: undefined });
  await rejectsWith(t, verify(without), CredentialWithoutStatusError, 'credential has no status entry');
  const lenient = parseIdentityPolicy({ trustedIssuers: [issuer.did], requireStatus: false });
  const record = await verify(without, { policy: lenient });
  t.notOk('statusListUrl' in record);
  for (const credentialStatus of [
    { id: 'x', type: 'RevocationList2020Status' },
    { id: 'x', type: 'StatusList2021Entry', statusListIndex: '-1', statusListCredential: LIST },
    { id: 'x', type: 'StatusList2021Entry', statusListIndex: '3', statusListCredential: 'ftp://x/y' },
    { id: 'x', type: 'StatusList2021Entry', statusPurpose: 'suspension', statusListIndex: '3', statusListCredential: LIST },
  ]) {
    const jwt = await createVerifiableCredentialJwt(rawPayload({}, { credentialStatus }), issuer);
    await rejectsWith(t, verify(jwt), InvalidCredentialError, 'invalid credential');
  }
  const noJti = await createVerifiableCredentialJwt(rawPayload({ jti: undefined }), issuer);
  await rejectsWith(t, verify(noJti), InvalidCredentialError, 'invalid credential');
});

t.test('revocation at submission', async (t) => {
  const jwt = await issue();
  const seen: string[] = [];
  await rejectsWith(
    t,
    verify(jwt, {
      checkRevocation: async (record) => {
        seen.push(record.id);
        return { revoked: true, source: 'status-list' };
      },
    }),
    CredentialRevokedError,
    'credential revoked',
  );
  t.equal(seen.length, 1);
  t.ok(await verify(jwt, { checkRevocation: async () => ({ revoked: false }) }));
});

t.test('an issuer whose DID cannot be resolved: retryable', async (t) => {
  const webPolicy = parseIdentityPolicy({ trustedIssuers: ['did:web:issuer.example'] });
  const offline = createIdentityResolver({
    web: {
      fetch: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    },
  });
  const jwt = await issue({ issuer: { ...issuer, did: 'did:web:issuer.example' } });
  try {
    await verify(jwt, { policy: webPolicy, resolver: offline });
    t.fail('accepted');
  } catch (error) {
    t.type(error, IssuerUnresolvableError);
    t.equal((error as IdentityError).message, 'issuer unresolvable');
    t.equal((error as IdentityError).retryable, true);
  }
  // did:web not enabled on this server: not retryable.
  try {
    await verify(jwt, { policy: webPolicy, resolver: createIdentityResolver() });
    t.fail('accepted');
  } catch (error) {
    t.type(error, IssuerUnresolvableError);
    t.equal((error as IdentityError).retryable, false);
  }
  // Untrusted did:web issuers are refused before anything is fetched.
  let fetched = 0;
  const counting = createIdentityResolver({
    web: {
      fetch: async () => {
        fetched++;
        throw new Error('unreachable');
      },
    },
  });
  const evil = await issue({ issuer: { ...issuer, did: 'did:web:evil.example' } });
  await rejectsWith(t, verify(evil, { policy: webPolicy, resolver: counting }), UntrustedIssuerError, 'untrusted issuer');
  t.equal(fetched, 0);
});

t.test('determinism: the answer at a fixed instant does not change later', async (t) => {
  const jwt = await issue();
  const first = await verify(jwt);
  // The credential expired long before the real clock's now; at the fixed instant it is still valid.
  t.ok(ISSUED + 30 * 86400 < Date.now() / 1000, 'the real clock is past the credential expiry');
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = await verify(jwt);
  t.same(second, first);
  await rejectsWith(t, verify(jwt, { now: ISSUED + 31 * 86400 }), CredentialExpiredError, 'credential expired');
  await rejectsWith(t, verify(jwt, { now: ISSUED + 31 * 86400 }), CredentialExpiredError, 'credential expired');
});
