import t from 'tap';
import { Wallet } from 'ethers';
import { checkMembership } from '../server/identity/check-membership.ts';
import type { CheckMembershipParameters } from '../server/identity/check-membership.ts';
import { checkVoter } from '../server/identity/check-voter.ts';
import type { CheckVoterParameters } from '../server/identity/check-voter.ts';
import type { RevocationState } from '../server/identity/revocation.ts';
import { StatusListUnavailableError } from '../server/identity/errors.ts';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { createIdentityResolver } from '../server/identity/resolver.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import type { MembershipCredentialRecord } from '../server/identity/verify-credential.ts';
import { didKeyIssuer } from './support/identity.ts';

const SPACE = 'mydao.eth';
const VALID_FROM = Date.UTC(2025, 5, 1) / 1000;
const EXPIRES = VALID_FROM + 30 * 86400;

const voter = Wallet.createRandom();
const issuer = didKeyIssuer();
// A real record, produced by verification, not a hand-written object.
const record: MembershipCredentialRecord = await verifyMembershipCredential({
  jwt: await issueMembershipCredential({
    issuer,
    space: SPACE,
    address: voter.address,
    validFrom: VALID_FROM,
    days: 30,
    statusListUrl: 'https://issuer.example/status/1',
    statusListIndex: 0,
  }),
  space: SPACE,
  policy: parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did] }),
  resolver: createIdentityResolver(),
  now: VALID_FROM,
});

function check(overrides: Partial<CheckMembershipParameters> = {}) {
  return checkMembership({
    credential: record,
    proposalStart: VALID_FROM + 86400,
    voteTime: VALID_FROM + 2 * 86400,
    revocation: { revoked: false },
    space: SPACE,
    address: voter.address,
    ...overrides,
  });
}

function failure(result: ReturnType<typeof checkMembership>): string {
  return result.ok ? 'ok' : `${result.error.constructor.name}: ${result.error.message}`;
}

t.test('valid at proposal start and at vote time', async (t) => {
  t.same(check(), { ok: true });
  t.same(check({ address: voter.address.toLowerCase(), space: 'MyDAO.eth' }), { ok: true });
  t.same(check({ proposalStart: VALID_FROM, voteTime: EXPIRES - 1 }), { ok: true }, 'both window edges');
  t.same(check({ space: undefined, address: undefined }), { ok: true });
});

t.test('rejections', async (t) => {
  t.equal(failure(check({ credential: undefined })), 'NoCredentialError: no credential');
  t.equal(failure(check({ credential: null })), 'NoCredentialError: no credential');
  t.equal(failure(check({ revocation: { revoked: true, source: 'status-list' } })), 'CredentialRevokedError: credential revoked');
  t.equal(failure(check({ revocation: { revoked: true, source: 'deny-list' } })), 'CredentialRevokedError: credential revoked');
  t.equal(failure(check({ address: Wallet.createRandom().address })), 'WrongSubjectError: wrong subject');
  t.equal(failure(check({ space: 'other.eth' })), 'WrongSpaceError: wrong space');
  // Member only after the proposal started: not valid at the start.
  t.equal(failure(check({ proposalStart: VALID_FROM - 1 })), 'CredentialNotYetValidError: credential not yet valid');
  // Expired between proposal start and vote.
  t.equal(failure(check({ voteTime: EXPIRES })), 'CredentialExpiredError: credential expired');
  // Expired before the proposal started.
  t.equal(failure(check({ proposalStart: EXPIRES + 10, voteTime: EXPIRES + 20 })), 'CredentialExpiredError: credential expired');
  // maxAge counted at vote time.
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did] });
  t.same(check({ policy }), { ok: true });
  t.equal(failure(check({ policy: { ...policy, maxAge: 86400 } })), 'CredentialTooOldError: credential too old');
  t.same(check({ policy: { ...policy, maxAge: 2 * 86400 } }), { ok: true });
  // The space stopped trusting the issuer after the credential was stored (issuer rotation).
  const rotated = parseIdentityPolicy({ required: true, trustedIssuers: [didKeyIssuer().did] });
  t.equal(failure(check({ policy: rotated })), 'UntrustedIssuerError: untrusted issuer');
  t.equal(failure(check({ policy: { ...policy, credentialType: 'GuildMember' } })), 'WrongCredentialTypeError: wrong credential type');
  const result = check({ voteTime: EXPIRES });
  t.equal(result.ok ? '' : result.error.code, 'credential_expired');
});

t.test('pure: same inputs, same answer, inputs untouched', async (t) => {
  const before = JSON.stringify(record);
  const answers = new Set(Array.from({ length: 100 }, () => failure(check({ voteTime: EXPIRES }))));
  t.same([...answers], ['CredentialExpiredError: credential expired']);
  t.equal(JSON.stringify(record), before);
});

t.test('checkVoter: the per-vote entry point', async (t) => {
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [issuer.did] });
  let lookups = 0;
  const clean = {
    check: async (): Promise<RevocationState> => {
      lookups++;
      return { revoked: false, statusListHash: 'ab'.repeat(32) };
    },
  };
  const base = { policy, space: SPACE, voter: voter.address, credentials: [record], proposalStart: VALID_FROM + 10, voteTime: VALID_FROM + 20, revocation: clean };

  t.same(await checkVoter(base), { ok: true, credentialId: record.id, statusListHash: 'ab'.repeat(32) });
  t.same(await checkVoter({ ...base, policy: parseIdentityPolicy({ required: false }) }), { ok: true }, 'not required');
  t.same(await checkVoter({ ...base, policy: undefined }), { ok: true }, 'no policy');
  const message = async (overrides: Partial<CheckVoterParameters>) => {
    const result = await checkVoter({ ...base, ...overrides });
    return result.ok ? 'ok' : result.error.message;
  };
  lookups = 0;
  t.equal(await message({ credentials: [] }), 'no credential');
  t.equal(await message({ voteTime: EXPIRES }), 'credential expired');
  t.equal(await message({ voter: Wallet.createRandom().address }), 'wrong subject');
  t.equal(lookups, 0, 'no revocation lookup when the pure check already fails');
  t.equal(await message({ revocation: { check: async () => ({ revoked: true, source: 'deny-list' }) } }), 'credential revoked');
  // A renewed credential (valid from later) next to the old one: the old one still covers an earlier proposal.
  const renewed = { ...record, id: 'urn:uuid:renewed', validFrom: EXPIRES - 86400, issuedAt: EXPIRES - 86400, expiresAt: EXPIRES + 30 * 86400 };
  t.same(await checkVoter({ ...base, credentials: [renewed, record] }), { ok: true, credentialId: record.id, statusListHash: 'ab'.repeat(32) });
  t.same(
    await checkVoter({ ...base, credentials: [record, renewed], proposalStart: EXPIRES, voteTime: EXPIRES + 5 }),
    { ok: true, credentialId: renewed.id, statusListHash: 'ab'.repeat(32) },
  );
  t.equal(await message({ credentials: [renewed] }), 'credential not yet valid', 'the renewed one alone started too late');
  const revokedOnly = { check: async (c: { id: string }): Promise<RevocationState> => ({ revoked: c.id === record.id, source: 'status-list' }) };
  t.equal(await message({ credentials: [record], revocation: revokedOnly }), 'credential revoked');
  const unavailable = await checkVoter({
    ...base,
    revocation: {
      check: async () => {
        throw new StatusListUnavailableError('HTTP 503');
      },
    },
  });
  t.equal(unavailable.ok ? 'ok' : `${unavailable.error.message} retryable=${unavailable.error.retryable}`, 'status list unavailable retryable=true');
  await t.rejects(
    checkVoter({
      ...base,
      revocation: {
        check: async () => {
          throw new TypeError('bug');
        },
      },
    }),
    TypeError,
    'programming errors are not swallowed',
  );
});
