import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { randomKeys, signEnvelope } from '../bench/support.ts';
import { loadServiceKey } from '../server/service-key.ts';
import { startServiceProcess } from './support/service-process.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-secrets-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const hex = () => crypto.randomBytes(32).toString('hex');

/** Every way a 32-byte key could show up in text. */
const leaks = (text: string, key: string) => {
  const bare = key.replace(/^0x/, '').toLowerCase();
  const lower = text.toLowerCase();
  return [bare, bare.slice(0, 16), bare.slice(-16)].filter((part) => lower.includes(part));
};

t.test('a generated key file is 0600 in a 0700 directory, kept across starts, never overwritten', async (tt) => {
  const dataDir = path.join(tmp, 'generated');
  const first = loadServiceKey({ dataDir });
  const file = path.join(dataDir, 'service.key');
  tt.equal(fs.statSync(file).mode & 0o777, 0o600);
  tt.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
  tt.equal(loadServiceKey({ dataDir }).address, first.address, 'the same key next time');
  const fromFile = path.join(tmp, 'given.key');
  const key = `0x${hex()}`;
  fs.writeFileSync(fromFile, `${key}\n`, { mode: 0o600 });
  tt.not(loadServiceKey({ serviceKeyFile: fromFile, dataDir }).address, first.address, 'SERVICE_KEY_FILE wins over the generated key');
  fs.writeFileSync(path.join(tmp, 'bad.key'), 'not a key but a secret-ish text');
  tt.throws(() => loadServiceKey({ serviceKeyFile: path.join(tmp, 'bad.key'), dataDir }), /does not hold a 32-byte hex private key/);
});

const apiKey = `api-${hex()}`;

async function exercise(url: string) {
  const [author] = randomKeys(1);
  const now = Math.floor(Date.now() / 1000);
  const post = (body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': apiKey }, body });
  await post(signEnvelope(author, 'settings', { space: 'secret.eth', timestamp: now, settings: JSON.stringify({ name: 'S', strategies: [{ name: 'ticket', params: {} }] }) }));
  await post('{"broken": ');
  await post(signEnvelope(author, 'follow', { space: 'missing.eth', timestamp: now, network: 's' }));
  await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ spaces { id } }' }) });
  await fetch(`${url}/api/checkpoints/latest`);
  await fetch(`${url}/nope`);
}

for (const source of ['SERVICE_KEY', 'SERVICE_KEY_FILE'] as const) {
  t.test(`the service key from ${source} never appears in debug logs`, async (tt) => {
    const key = `0x${hex()}`;
    const dataDir = path.join(tmp, source);
    const keyFile = path.join(tmp, `${source}.key`);
    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    const env: Record<string, string> = source === 'SERVICE_KEY' ? { SERVICE_KEY: key } : { SERVICE_KEY_FILE: keyFile };
    const service = await startServiceProcess({
      ...env,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'trace',
      CHECKPOINT_INTERVAL: '1',
      API_KEYS: JSON.stringify({ [apiKey]: 1000 }),
    });
    try {
      await exercise(service.url);
    } finally {
      await service.stop();
    }
    const output = service.output();
    tt.ok(output.length > 1000, `debug logs were captured (${output.length} characters)`);
    tt.match(output, /"level":(10|20)/, 'at trace/debug level');
    tt.same(leaks(output, key), [], 'no part of the service key');
    tt.notOk(output.includes(apiKey), 'no API key');
  });
}

t.test('a malformed key in the environment stops the service without echoing it', async (tt) => {
  const secret = `0x${'ab'.repeat(31)}zz`;
  const result = spawnSync(process.execPath, ['server/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, SERVICE_KEY: secret, DATA_DIR: path.join(tmp, 'bad'), LOG_LEVEL: 'trace', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  tt.equal(result.status, 78);
  tt.match(result.stderr, 'SERVICE_KEY must be a 32-byte hex private key');
  tt.notOk(`${result.stdout}${result.stderr}`.includes('abababab'));
});
