import t from 'tap';
import { sql } from 'drizzle-orm';
import { formatEther, getAddress } from 'viem';
import { queryRows } from '../server/db/open-database.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { collectPageErrors, injectWallet, launchBrowser, screenshot } from './support/browser.ts';
import { postMessage } from './support/client.ts';
import { ethBalance, setupRelayChain, tokenBalance, transferData } from './support/relay.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

// A signer's side of the console: the Safe queue of a passed proposal, two owners confirming with their
// browser wallets (real EIP-712 SafeTx signatures from real keys), and one executing from the wallet.
const { chain, token, safe, owners } = await setupRelayChain({ eth: 10n ** 18n, tokens: 1_000_000n });
t.teardown(() => chain.stop());
const [, owner1, owner2, , outsider, , recipient] = chain.accounts;
const server = await startTestServer({
  RPC_URLS: JSON.stringify({ '31337': chain.url }),
  // Sweeps run by hand, so each step is deterministic; no executor key: an owner executes.
  RELAY_INTERVAL_MS: '3600000',
  RELAY_WATCH_INTERVAL_MS: '3600000',
  FINALIZE_INTERVAL_MS: '3600000',
});
t.teardown(() => server.close());
const browser = await launchBrowser();
t.teardown(() => browser.close());
const db = server.database.db;
const serviceUrl = `${server.url}/api/safe-transaction-service/31337`;
const [controller, alice] = wallets(2, 77);
const now = () => Math.floor(Date.now() / 1000);
const post = (envelope: unknown) => postMessage(server.url, envelope);

// A passed proposal whose batch pays 0.25 ETH and 4,321 TestToken to the recipient, queued by the relay.
await post(
  await sign(controller, 'settings', {
    space: 'treasury.eth',
    settings: JSON.stringify({ name: 'Treasury', network: '31337', strategies: [{ name: 'whitelist', params: { addresses: { [alice.address]: 1 } } }], plugins: { safe: {} } }),
  }),
);
const batch = [
  { to: recipient.address, value: String(25n * 10n ** 16n), data: '0x', operation: 0 },
  { to: token, value: '0', data: transferData(recipient.address, 4321n), operation: 0 },
];
const proposal = (
  await post(
    await sign(controller, 'proposal', {
      space: 'treasury.eth',
      type: 'basic',
      title: 'Pay the auditors',
      choices: ['For', 'Against', 'Abstain'],
      start: now() - 30,
      end: now() + 3600,
      plugins: JSON.stringify({ safe: { network: '31337', safe, batches: { '1': batch } } }),
    }),
  )
).id;
await post(await sign(alice, 'vote', { space: 'treasury.eth', proposal, choice: 1 }));
const [{ end }] = await queryRows<{ end: string }>(db, sql`SELECT "end" FROM proposals WHERE id = ${proposal}`);
const decided = await decideProposal({ db, serviceKey: server.app.serviceKey, proposalId: proposal, now: Number(end) + 1, settleSeconds: 0, rpcUrls: {} });
if (decided.status !== 'decided' || decided.decision.outcome !== 'passed') throw new Error('the proposal did not pass');
await server.app.relay.sweep();
const [{ safe_tx_hash: safeTxHash }] = await queryRows<{ safe_tx_hash: string }>(db, sql`SELECT safe_tx_hash FROM safe_transactions WHERE proposal = ${proposal}`);

async function ownerPage(privateKey: string) {
  const context = await browser.newContext();
  const calls = await injectWallet(context, { privateKey, rpcUrl: chain.url, chainId: 31337 });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  // The lower-case address in the link is read as the checksummed Safe.
  await page.goto(`${server.url}/#/safe/${safe.toLowerCase()}`);
  const card = page.locator(`[data-safe-tx="${safeTxHash}"]`);
  await card.waitFor();
  return { context, page, card, calls, errors };
}

async function confirmations() {
  const response = await fetch(`${serviceUrl}/v1/multisig-transactions/${safeTxHash}/confirmations/`);
  return ((await response.json()) as { results: { owner: string; signatureType: string }[] }).results;
}

t.test('an owner sees what the transaction does and confirms it with the browser wallet', async (tt) => {
  const { context, page, card, calls, errors } = await ownerPage(owner1.privateKey);
  tt.teardown(() => context.close());
  const text = (await card.textContent()) ?? '';
  tt.match(text, 'send ETH', 'the ETH transfer is decoded');
  tt.match(text, `${formatEther(25n * 10n ** 16n)} ETH`);
  tt.match(text, 'transfer', 'the token transfer is decoded');
  tt.match(text, '4321', 'with its amount');
  tt.equal(text.split(recipient.address).length - 1, 2, 'and its recipient, for both calls');
  tt.match(text, getAddress(token), 'the token contract called');
  for (const owner of owners) tt.match(text, owner, 'every owner is listed');
  await card.locator('.confirmations', { hasText: '0 of 2' }).waitFor();
  await screenshot(page, 'safe-queue-before');

  await card.getByRole('button', { name: 'Confirm' }).click();
  await card.locator('.confirmations', { hasText: '1 of 2' }).waitFor();
  await card.getByRole('status').filter({ hasText: 'Confirmation recorded' }).waitFor();
  tt.same(calls.map((call) => call.method).filter((method) => method.startsWith('eth_sign')), ['eth_signTypedData_v4'], 'signed as EIP-712 typed data');
  tt.match(await confirmations(), [{ owner: owner1.address, signatureType: 'EOA' }], 'the relay verified the signature as the owner’s');
  tt.equal(await card.getByRole('button', { name: 'Confirm' }).count(), 0, 'no second confirmation offered');
  await screenshot(page, 'safe-queue-confirmed-once');
  tt.same(errors, []);
});

t.test('a wallet that is not an owner cannot confirm', async (tt) => {
  const { context, card, errors } = await ownerPage(outsider.privateKey);
  tt.teardown(() => context.close());
  await card.page().getByRole('button', { name: 'Connect wallet' }).click();
  await card.getByText('not an owner of this Safe').waitFor();
  tt.equal(await card.getByRole('button', { name: 'Confirm' }).isDisabled(), true);
  tt.same(errors, []);
});

t.test('the second owner confirms, then executes from the wallet; the relay records the execution', async (tt) => {
  const ethBefore = await ethBalance(chain, recipient.address);
  const tokensBefore = await tokenBalance(chain, token, recipient.address);
  const { context, page, card, calls, errors } = await ownerPage(owner2.privateKey);
  tt.teardown(() => context.close());
  await card.getByRole('button', { name: 'Confirm' }).click();
  await card.locator('.confirmations', { hasText: '2 of 2' }).waitFor();
  await card.getByRole('button', { name: 'Execute' }).click();
  await card.getByRole('status').filter({ hasText: 'Execution sent' }).waitFor({ timeout: 60_000 });
  tt.ok(calls.some((call) => call.method === 'eth_sendTransaction'), 'execTransaction went through the wallet');
  tt.equal(await ethBalance(chain, recipient.address) - ethBefore, 25n * 10n ** 16n, 'ETH moved on chain');
  tt.equal(await tokenBalance(chain, token, recipient.address) - tokensBefore, 4321n, 'tokens moved on chain');
  // The relay's watcher sees the execution; the page hears it over the subscription.
  await server.app.relay.sweep();
  await card.locator('.status-executed').waitFor();
  tt.equal(await card.getByRole('button').count(), 0, 'nothing left to do');
  await screenshot(page, 'safe-queue-executed');
  tt.same(errors, []);
});
