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
import { runIssuerCli } from '../server/identity/issuer-cli.ts';
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

t.test('usage errors exit with 2 and say why (in-process)', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'issuer.json');
  t.equal((await runIssuerCli(['--generate-key', keyFile])).exitCode, 0);
  const address = Wallet.createRandom().address;
  const cases: Array<[string[], RegExp]> = [
    [['--issuer-key', keyFile, '--address', address], /--space is required/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', '0x1234'], /--address must be an EVM address/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', address, '--days', '0'], /--days must be/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', address, '--days', '9x'], /--days must be a whole number/],
    [['--issuer-key', keyFile, '--space', 'x.eth', '--address', address, '--index', '3'], /go together/],
    [['--issuer-key', keyFile, '--status-list-file', join(dir, 'l.jwt')], /exactly one of --revoke N or --reinstate N/],
    [['--issuer-key', keyFile, '--create-status-list', 'https://x.example/l'], /--out is required/],
    [['--space', 'x.eth'], /--issuer-key is required/],
    [['--bogus'], /Unknown option/],
  ];
  for (const [args, message] of cases) {
    const result = await runIssuerCli(args);
    t.equal(result.exitCode, 2, args.slice(2).join(' '));
    t.match(result.stderr, message);
    t.equal(result.stdout, '');
  }
  // A key file that does not match its DID, and a missing one: exit 1.
  const bad = join(dir, 'bad.json');
  const key = JSON.parse(readFileSync(keyFile, 'utf8'));
  writeFileSync(bad, JSON.stringify({ ...key, privateKeyHex: '11'.repeat(32) }));
  const mismatched = await runIssuerCli(['--issuer-key', bad, '--space', 'x.eth', '--address', address]);
  t.equal(mismatched.exitCode, 1);
  t.match(mismatched.stderr, /does not belong to the did:key/);
  const missing = await runIssuerCli(['--issuer-key', join(dir, 'nope.json'), '--space', 'x.eth', '--address', address]);
  t.equal(missing.exitCode, 1);
  t.match(missing.stderr, /cannot read issuer key/);
  // did:pkh issuer key file (ES256K-R).
  const wallet = Wallet.createRandom();
  const pkhFile = join(dir, 'pkh.json');
  writeFileSync(pkhFile, JSON.stringify({ kind: 'conclave-issuer-key', did: `did:pkh:eip155:1:${wallet.address}`, alg: 'ES256K-R', privateKeyHex: wallet.privateKey }));
  const issued = await runIssuerCli(['--issuer-key', pkhFile, '--space', 'x.eth', '--address', address, '--status-list', 'https://x.example/l', '--index', '0']);
  t.equal(issued.exitCode, 0);
  t.equal(decodeJWT(issued.stdout.trim()).header.alg, 'ES256K-R');
});
