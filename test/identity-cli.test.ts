import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import { decodeJWT } from 'did-jwt';
import { parseIdentityPolicy } from '../server/identity/policy.ts';
import { createIdentityResolver } from '../server/identity/resolver.ts';
import { createRevocationChecker } from '../server/identity/revocation.ts';
import { verifyMembershipCredential } from '../server/identity/verify-credential.ts';
import { startLocalServer } from './support/identity.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../scripts/issue-credential.ts', import.meta.url));

/** Runs the CLI with the same Node as the tests; resolves to stdout, or rejects with code and stderr. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { timeout: 30_000 });
  return stdout.trim();
}

t.test('generate a key, issue, verify, revoke: round trip', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'issuer.json');
  const did = await cli('--generate-key', keyFile);
  t.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  t.equal(statSync(keyFile).mode & 0o777, 0o600, 'key file is private');
  t.equal(JSON.parse(readFileSync(keyFile, 'utf8')).did, did);
  await t.rejects(cli('--generate-key', keyFile), 'refuses to overwrite a key');

  const server = await startLocalServer();
  t.teardown(() => server.close());
  const url = `${server.origin}/status/1`;
  const listFile = join(dir, 'status-1.jwt');
  await cli('--issuer-key', keyFile, '--create-status-list', url, '--out', listFile);
  server.routes.set('/status/1', readFileSync(listFile, 'utf8').trim());

  const voter = Wallet.createRandom().address;
  const jwt = await cli('--issuer-key', keyFile, '--space', 'mydao.eth', '--address', voter, '--chain', '10', '--days', '30', '--status-list', url, '--index', '17');
  t.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const { payload } = decodeJWT(jwt);
  t.equal(payload.exp! - payload.nbf!, 30 * 86400);

  const resolver = createIdentityResolver();
  const policy = parseIdentityPolicy({ required: true, trustedIssuers: [did] });
  const checker = createRevocationChecker({ resolver });
  const now = Math.floor(Date.now() / 1000) + 1;
  const record = await verifyMembershipCredential({ jwt, space: 'mydao.eth', policy, resolver, now, address: voter, checkRevocation: checker.check });
  t.equal(record.address, voter);
  t.equal(record.chainId, 10);
  t.equal(record.statusListIndex, 17);

  await cli('--issuer-key', keyFile, '--status-list-file', listFile, '--revoke', '17');
  server.routes.set('/status/1', readFileSync(listFile, 'utf8').trim());
  checker.clear();
  t.same(await checker.check(record).then((s) => s.revoked), true);
});

t.test('usage errors exit with 2 and say why', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'issuer.json');
  await cli('--generate-key', keyFile);
  const cases: Array<[string[], RegExp]> = [
    [['--issuer-key', keyFile, '--address', Wallet.createRandom().address], /--space is required/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', '0x1234'], /--address must be an EVM address/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', Wallet.createRandom().address, '--days', '0'], /--days must be/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', Wallet.createRandom().address, '--index', '3'], /go together/],
    [['--space', 'x.eth'], /--issuer-key is required/],
    [['--bogus'], /Unknown option/],
  ];
  for (const [args, message] of cases) {
    try {
      await cli(...args);
      t.fail(`accepted ${args.join(' ')}`);
    } catch (error) {
      const failure = error as { code: number; stderr: string };
      t.equal(failure.code, 2, args.join(' '));
      t.match(failure.stderr, message);
    }
  }
  // A key file that does not match its DID.
  const bad = join(dir, 'bad.json');
  const key = JSON.parse(readFileSync(keyFile, 'utf8'));
  writeFileSync(bad, JSON.stringify({ ...key, privateKeyHex: '11'.repeat(32) }));
  try {
    await cli('--issuer-key', bad, '--space', 'x.eth', '--address', Wallet.createRandom().address);
    t.fail('accepted a mismatched key');
  } catch (error) {
    t.equal((error as { code: number }).code, 1);
    t.match((error as { stderr: string }).stderr, /does not belong to the did:key/);
  }
});
