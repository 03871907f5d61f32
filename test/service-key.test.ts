import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { verifyMessage, Wallet } from '@ethersproject/wallet';
import { createServiceKey, loadServiceKey } from '../server/service-key.ts';
import { ConfigError } from '../server/errors.ts';

t.test('receipts are EIP-191 signatures identical to ethers Wallet.signMessage', async (tt) => {
  const privateKey = `0x${'42'.repeat(32)}`;
  const key = createServiceKey(privateKey);
  tt.equal(key.address, new Wallet(privateKey).address);
  for (const text of [`0x${'ab'.repeat(65)}`, '', 'héllo 🗳']) {
    const signature = key.signMessage(text);
    tt.equal(signature, await new Wallet(privateKey).signMessage(text));
    tt.equal(verifyMessage(text, signature), key.address);
  }
});

t.test('a generated key is kept with mode 0600 and reused on the next start', async (tt) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-key-'));
  tt.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const first = loadServiceKey({ dataDir });
  const file = path.join(dataDir, 'service.key');
  tt.equal(fs.statSync(file).mode & 0o777, 0o600);
  tt.equal(loadServiceKey({ dataDir }).address, first.address);
  fs.writeFileSync(file, 'not a key');
  tt.throws(() => loadServiceKey({ dataDir }), ConfigError);
});
