import t from 'tap';
import { SiweMessage } from 'siwe';
import { Wallet } from 'ethers';
import {
  InvalidSiweMessageError,
  NonceExpiredError,
  NonceReplayedError,
  SiweExpiredError,
  SiweExpiryTooLongError,
  SiweInvalidSignatureError,
  SiweNotYetValidError,
  SiweWrongDomainError,
  UnknownNonceError,
} from '../server/identity/errors.ts';
import { InMemorySiweNonceStore, isListedAdmin, issueSiweNonce, verifySiweLogin } from '../server/identity/siwe.ts';
import { rejectsWith } from './support/identity.ts';

const DOMAIN = 'vote.example.org';
const admin = Wallet.createRandom();

type MessageOptions = { nonce: string; issuedAt?: number; expiresIn?: number | null; domain?: string; notBefore?: number; address?: string };

function siweText(options: MessageOptions): string {
  const issuedAt = options.issuedAt ?? Date.now();
  return new SiweMessage({
    domain: options.domain ?? DOMAIN,
    address: options.address ?? admin.address,
    statement: 'Sign in to administer mydao.eth',
    uri: `https://${options.domain ?? DOMAIN}/admin`,
    version: '1',
    chainId: 1,
    nonce: options.nonce,
    issuedAt: new Date(issuedAt).toISOString(),
    ...(options.expiresIn === null ? {} : { expirationTime: new Date(issuedAt + (options.expiresIn ?? 600_000)).toISOString() }),
    ...(options.notBefore === undefined ? {} : { notBefore: new Date(options.notBefore).toISOString() }),
    resources: ['urn:vote:space:mydao.eth:admin'],
  }).prepareMessage();
}

async function signed(options: MessageOptions, wallet = admin): Promise<{ message: string; signature: string }> {
  const message = siweText(options);
  return { message, signature: await wallet.signMessage(message) };
}


t.test('happy path: server nonce, signed message, admin address', async (t) => {
  const store = new InMemorySiweNonceStore();
  const { nonce, expiresAt } = await issueSiweNonce({ store });
  t.match(nonce, /^[0-9a-f]{32}$/);
  t.ok(expiresAt > Date.now());
  const login = await signed({ nonce, expiresIn: 3600_000 });
  const session = await verifySiweLogin({ ...login, domain: DOMAIN, store });
  t.equal(session.address, admin.address);
  t.equal(session.did, `did:pkh:eip155:1:${admin.address}`);
  t.equal(session.nonce, nonce);
  t.equal(session.expiresAt - session.issuedAt, 3600_000, 'one hour is allowed');
  t.same(session.resources, ['urn:vote:space:mydao.eth:admin']);
  t.equal(session.statement, 'Sign in to administer mydao.eth');
});

t.test('replayed nonce', async (t) => {
  const store = new InMemorySiweNonceStore();
  const { nonce } = await issueSiweNonce({ store });
  const login = await signed({ nonce });
  await verifySiweLogin({ ...login, domain: DOMAIN, store });
  await rejectsWith(t, verifySiweLogin({ ...login, domain: DOMAIN, store }), NonceReplayedError, 'nonce already used');
  // A nonce we never issued.
  await rejectsWith(t, verifySiweLogin({ ...(await signed({ nonce: 'abcdef0123456789' })), domain: DOMAIN, store }), UnknownNonceError, 'unknown nonce');
});

t.test('wrong domain', async (t) => {
  const store = new InMemorySiweNonceStore();
  const { nonce } = await issueSiweNonce({ store });
  const phished = await signed({ nonce, domain: 'vote.example.org.evil.example' });
  await rejectsWith(t, verifySiweLogin({ ...phished, domain: DOMAIN, store }), SiweWrongDomainError, 'wrong domain');
  // The nonce was not burnt by the failed attempt.
  t.ok(await verifySiweLogin({ ...(await signed({ nonce })), domain: DOMAIN, store }));
});

t.test('expired message, expired nonce, expiry too long or missing, not yet valid', async (t) => {
  const store = new InMemorySiweNonceStore();
  const now = Date.now();
  const { nonce } = await issueSiweNonce({ store, now });
  const login = await signed({ nonce, issuedAt: now, expiresIn: 600_000 });
  await rejectsWith(t, verifySiweLogin({ ...login, domain: DOMAIN, store, now: now + 600_000 }), SiweExpiredError, 'sign-in message expired');
  await rejectsWith(
    t,
    verifySiweLogin({ ...(await signed({ nonce, expiresIn: 3600_001 })), domain: DOMAIN, store }),
    SiweExpiryTooLongError,
    'sign-in expiry too long',
  );
  await rejectsWith(
    t,
    verifySiweLogin({ ...(await signed({ nonce, expiresIn: null })), domain: DOMAIN, store }),
    SiweExpiryTooLongError,
    'sign-in expiry too long',
  );
  await rejectsWith(
    t,
    verifySiweLogin({ ...(await signed({ nonce, notBefore: now + 60_000 })), domain: DOMAIN, store, now }),
    SiweNotYetValidError,
    'sign-in message not yet valid',
  );
  // A stricter session cap.
  await rejectsWith(
    t,
    verifySiweLogin({ ...(await signed({ nonce, expiresIn: 900_000 })), domain: DOMAIN, store, maxSessionSeconds: 600 }),
    SiweExpiryTooLongError,
    'sign-in expiry too long',
  );
  // None of the failures consumed the nonce.
  t.ok(await verifySiweLogin({ ...login, domain: DOMAIN, store, now: now + 1000 }));

  // A nonce used after its own expiry.
  const old = await issueSiweNonce({ store, now, ttlMs: 1000 });
  const late = await signed({ nonce: old.nonce, issuedAt: now });
  await rejectsWith(t, verifySiweLogin({ ...late, domain: DOMAIN, store, now: now + 1000 }), NonceExpiredError, 'nonce expired');
});

t.test('bad signature and malformed messages', async (t) => {
  const store = new InMemorySiweNonceStore();
  const { nonce } = await issueSiweNonce({ store });
  const message = siweText({ nonce });
  const other = await Wallet.createRandom().signMessage(message);
  await rejectsWith(t, verifySiweLogin({ message, signature: other, domain: DOMAIN, store }), SiweInvalidSignatureError, 'invalid sign-in signature');
  const edited = message.replace('Sign in to administer', 'Sign in to drain');
  await rejectsWith(
    t,
    verifySiweLogin({ message: edited, signature: await admin.signMessage(message), domain: DOMAIN, store }),
    SiweInvalidSignatureError,
    'invalid sign-in signature',
  );
  await rejectsWith(t, verifySiweLogin({ message: 'hello', signature: '0x', domain: DOMAIN, store }), InvalidSiweMessageError, 'invalid sign-in message');
  await rejectsWith(t, verifySiweLogin({ message, signature: '0x1234', domain: DOMAIN, store }), SiweInvalidSignatureError, 'invalid sign-in signature');
  t.ok(await verifySiweLogin({ message, signature: await admin.signMessage(message), domain: DOMAIN, store }), 'nonce still usable');
});

t.test('admin list lookup', async (t) => {
  const other = Wallet.createRandom().address;
  t.ok(isListedAdmin(admin.address, [other, `did:pkh:eip155:1:${admin.address.toLowerCase()}`]));
  t.ok(isListedAdmin(admin.address.toLowerCase(), [admin.address]));
  t.ok(isListedAdmin(admin.address, [`did:pkh:eip155:10:${admin.address}`]), 'EOA admins are chain-agnostic');
  t.notOk(isListedAdmin(admin.address, [other, `did:pkh:eip155:1:${other}`, 'did:key:z6Mk']));
  t.notOk(isListedAdmin(admin.address, []));
});
