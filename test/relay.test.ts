import t from 'tap';
import * as apiKitModule from '@safe-global/api-kit';
import { sql } from 'drizzle-orm';
import type { Hex } from 'viem';
import { buildApp } from '../server/app.ts';
import { queryRows } from '../server/db/open-database.ts';
import { decideProposal } from '../server/scoring/decide-proposal.ts';
import { createRelay } from '../signer/create-relay.ts';
import { graphql, postJson } from './support/client.ts';
import { ethBalance, setupRelayChain, signSafeTransaction, tokenBalance, transactionCount, transferData } from './support/relay.ts';
import { connectSafe, ETH_SIGN_TYPED_DATA_V4 } from './support/safe.ts';
import { realtimeStats, record, waitFor, wsClient } from './support/realtime.ts';
import { startTestServer } from './support/server.ts';
import { sign, wallets } from './support/sign.ts';

// api-kit's CJS-flavoured typings: the default import is typed as the namespace; at run time it is the class.
const SafeApiKit = apiKitModule.default as unknown as typeof apiKitModule.default.default;

const { chain, contracts, token, safe, owners } = await setupRelayChain({ eth: 10n ** 18n, tokens: 1_000_000n });
t.teardown(() => chain.stop());
const [, owner1, owner2, owner3, , executor, recipient, outsider, newOwner] = chain.accounts;
const server = await startTestServer({
  RPC_URLS: JSON.stringify({ '31337': chain.url }),
  RELAY_EXECUTOR_KEY: executor.privateKey,
  // Sweeps run by hand in this file, so every step is deterministic.
  RELAY_INTERVAL_MS: '3600000',
  RELAY_WATCH_INTERVAL_MS: '3600000',
  FINALIZE_INTERVAL_MS: '3600000',
});
t.teardown(() => server.close());
const db = server.database.db;
const serviceUrl = `${server.url}/api/safe-transaction-service/31337`;
const apiKit = new SafeApiKit({ chainId: 31337n, txServiceUrl: serviceUrl });
const [controller, alice, bob] = wallets(3, 61);
const now = () => Math.floor(Date.now() / 1000);

async function post(body: unknown) {
  const response = await postJson(server.url, body);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return response.body as { id: string };
}

async function space(id: string, relay: Record<string, unknown> = { autoExecute: true }) {
  await post(
    await sign(controller, 'settings', {
      space: id,
      settings: JSON.stringify({
        name: id,
        network: '31337',
        strategies: [{ name: 'whitelist', params: { addresses: { [alice.address]: 60, [bob.address]: 40 } } }],
        plugins: { safe: relay },
      }),
    }),
  );
}

function proposalMessage(spaceId: string, plugins: unknown, type = 'basic', choices = ['For', 'Against', 'Abstain']) {
  return sign(controller, 'proposal', { space: spaceId, type, title: 'pay', choices, start: now() - 30, end: now() + 3600, plugins: JSON.stringify(plugins) });
}

/** A proposal that passes (or not), decided, and the relay swept once; returns the decision. */
async function decided(spaceId: string, plugins: unknown, choice = 1) {
  const proposal = (await post(await proposalMessage(spaceId, plugins))).id;
  await post(await sign(alice, 'vote', { space: spaceId, proposal, choice }));
  const [{ end }] = await queryRows<{ end: string }>(db, sql`SELECT "end" FROM proposals WHERE id = ${proposal}`);
  const result = await decideProposal({ db, serviceKey: server.app.serviceKey, proposalId: proposal, now: Number(end) + 1, settleSeconds: 0, rpcUrls: {} });
  if (result.status !== 'decided') throw new Error('not decided');
  await server.app.relay.sweep();
  return { proposal, decision: result.decision };
}

async function queuedFor(decision: string) {
  const [row] = await queryRows<{ safe_tx_hash: string; nonce: string; status: string; status_reason: string | null }>(
    db,
    sql`SELECT safe_tx_hash, nonce, status, status_reason FROM safe_transactions WHERE decision = ${decision}`,
  );
  return row;
}

async function status(safeTxHash: string) {
  const [row] = await queryRows<{ status: string; status_reason: string | null }>(db, sql`SELECT status, status_reason FROM safe_transactions WHERE safe_tx_hash = ${safeTxHash}`);
  return row;
}

async function trail(decision: string) {
  const response = await fetch(`${server.url}/api/decisions/${decision}/trail`);
  return ((await response.json()) as { entries: { step: string; detail: any }[] }).entries;
}

/** An owner's raw wallet EIP-712 signature of the SafeTx (no SDK), as returned by eth_signTypedData_v4. */
async function walletSignature(privateKey: Hex, safeTxHash: string): Promise<Hex> {
  return signSafeTransaction({ privateKey, chainId: 31337, safe, transaction: await apiKit.getTransaction(safeTxHash) });
}

/** An owner confirms through api-kit with a protocol-kit EIP-712 signature. */
async function confirmWithSdk(privateKey: string, safeTxHash: string) {
  const kit = await connectSafe(chain, contracts, safe, privateKey);
  const pending = await apiKit.getTransaction(safeTxHash);
  const tx = await kit.createTransaction({
    transactions: [{ to: pending.to, value: pending.value, data: pending.data ?? '0x', operation: pending.operation }],
    options: { nonce: Number(pending.nonce), safeTxGas: pending.safeTxGas, baseGas: pending.baseGas, gasPrice: pending.gasPrice, gasToken: pending.gasToken, refundReceiver: pending.refundReceiver },
  });
  const signed = await kit.signTransaction(tx, ETH_SIGN_TYPED_DATA_V4);
  const signature = signed.getSignature(await kit.getSafeProvider().getSignerAddress() as string);
  if (!signature) throw new Error('no signature');
  await apiKit.confirmTransaction(safeTxHash, signature.data);
}

const payPlugins = (ethWei: bigint, tokens: bigint) => ({
  safe: {
    network: '31337',
    safe,
    batches: {
      '1': [
        { to: recipient.address, value: String(ethWei), data: '0x', operation: 0 },
        { to: token, value: '0', data: transferData(recipient.address, tokens), operation: 0 },
      ],
    },
  },
});

t.test('proposal time: the payload is checked against the chain', async (tt) => {
  await space('checks.eth');
  const refused = async (plugins: unknown) => (await postJson(server.url, await proposalMessage('checks.eth', plugins))).body.error_description as string;
  tt.match(await refused({ safe: { network: '31337', safe: outsider.address, batches: { '1': [{ to: recipient.address, value: '1', data: '0x', operation: 0 }] } } }), /no Safe at/);
  tt.match(await refused({ safe: { network: '1', safe, batches: { '1': [{ to: recipient.address, value: '1', data: '0x', operation: 0 }] } } }), /network 1, the space on 31337/);
  tt.match(await refused({ safe: { network: '31337', safe, batches: { '1': [{ to: recipient.address, value: '1', data: '0x', operation: 1 }] } } }), /delegatecall/);
  tt.match(await refused({ safe: { network: '31337', safe, batches: { '2': [{ to: recipient.address, value: '1', data: '0x' }] } } }), /basic proposals carry one batch/);
  tt.match(await refused({ safe: { network: '31337', safe, batches: { '1': [{ to: 'nope', value: '1', data: '0x' }] } } }), /must be an address/);

  const reverting = (await post(await proposalMessage('checks.eth', payPlugins(0n, 10n ** 12n)))).id;
  const [payload] = await queryRows<{ warnings: string[] }>(db, sql`SELECT warnings FROM relay_payloads WHERE proposal = ${reverting}`);
  tt.equal(payload.warnings.length, 1, 'a batch that would revert is accepted with a warning');
  tt.match(payload.warnings[0], /choice 1 would revert/);
  const fine = (await post(await proposalMessage('checks.eth', payPlugins(1n, 1n)))).id;
  const [ok] = await queryRows<{ warnings: string[] }>(db, sql`SELECT warnings FROM relay_payloads WHERE proposal = ${fine}`);
  tt.same(ok.warnings, []);
});

t.test('a passed vote moves ETH and tokens out of the Safe after two owners confirm (api-kit and a raw wallet signature)', async (tt) => {
  await space('pay.eth');
  // A signer's frontend follows the Safe's transactions live.
  const client = wsClient(server.url);
  tt.teardown(() => client.dispose());
  const feed = record(client, 'subscription ($safe: String!) { safeTransaction(safe: $safe) { safeTxHash status } }', { safe });
  await waitFor(async () => (await realtimeStats(server.url)).subscriptions >= 1, 'the subscription');
  const ethBefore = await ethBalance(chain, recipient.address);
  const tokensBefore = await tokenBalance(chain, token, recipient.address);
  const { proposal, decision } = await decided('pay.eth', payPlugins(10n ** 17n, 12_345n));
  tt.equal(decision.outcome, 'passed');
  const queued = await queuedFor(decision.id);
  tt.match(queued, { status: 'queued', nonce: 0 });
  const safeTxHash = queued.safe_tx_hash;

  // signers see the proposal, the result and the decision signature next to what they sign
  const about = await apiKit.getServiceInfo();
  tt.match(about.name, /conclave/);
  const info = await apiKit.getSafeInfo(safe);
  tt.same(info.owners, owners);
  const pending = await apiKit.getPendingTransactions(safe);
  tt.equal(pending.results.length, 1);
  tt.equal(pending.results[0].safeTxHash, safeTxHash);
  tt.equal(pending.results[0].to, contracts.multiSendCallOnlyAddress, 'two calls go through MultiSendCallOnly');
  tt.equal(pending.results[0].operation, 1);
  tt.match(JSON.parse(pending.results[0].origin), { url: new RegExp(`/api/proposals/${proposal}/outcome$`) });
  const full = (await (await fetch(`${serviceUrl}/v2/multisig-transactions/${safeTxHash}/`)).json()) as any;
  tt.match(full.conclave.decision, { id: decision.id, proposal, outcome: 'passed', signature: decision.signature, resultsHash: decision.resultsHash });
  const atClose = (decision as any).riskReport;
  tt.ok(atClose, 'the decision carries the risk report as of its close');
  tt.same(full.conclave.risk, {
    level: atClose.oversight.level,
    headline: atClose.oversight.summary.headline,
    votesAnalyzed: 1,
    flags: atClose.report.flags.map((flag: any) => ({ kind: flag.kind, severity: flag.severity, explanation: flag.explanation, outcomeChanged: flag.outcomeChanged ?? null, voters: flag.evidence.voters.length, votes: flag.evidence.votes.length })),
    winnerWithoutFlagged: atClose.report.resultWithoutFlagged.winner,
    report: `/api/proposals/${proposal}/outcome`,
  }, 'signers see the overseer\'s report next to what they sign');

  // a non-owner is refused; the first owner confirms through api-kit; a duplicate is ignored
  const foreign = await walletSignature(outsider.privateKey, safeTxHash);
  const refused = await postJson(`${serviceUrl}/v1/multisig-transactions/${safeTxHash}/confirmations/`, { signature: foreign });
  tt.equal(refused.status, 422);
  tt.match(refused.body.detail, /not an owner/);
  await tt.rejects(apiKit.confirmTransaction(safeTxHash, foreign), /not an owner/, 'api-kit reports the reason');
  await confirmWithSdk(owner1.privateKey, safeTxHash);
  await confirmWithSdk(owner1.privateKey, safeTxHash);
  tt.equal((await apiKit.getTransactionConfirmations(safeTxHash)).results.length, 1, 'duplicates are ignored');
  tt.equal((await status(safeTxHash)).status, 'confirming');

  // the second owner signs with a plain wallet (EIP-712); auto-execution submits, the sweep sees the receipt
  const signature = await walletSignature(owner2.privateKey, safeTxHash);
  const confirmed = await postJson(`${serviceUrl}/v1/multisig-transactions/${safeTxHash}/confirmations/`, { signature });
  tt.equal(confirmed.status, 201);
  tt.equal((await status(safeTxHash)).status, 'submitted');
  await server.app.relay.sweep();
  tt.equal((await status(safeTxHash)).status, 'executed');
  tt.equal(await ethBalance(chain, recipient.address) - ethBefore, 10n ** 17n);
  tt.equal(await tokenBalance(chain, token, recipient.address) - tokensBefore, 12_345n);
  const executed = await apiKit.getTransaction(safeTxHash);
  tt.equal(executed.isExecuted, true);
  tt.equal(executed.isSuccessful, true);
  tt.equal(executed.executor, executor.address);

  const steps = (await trail(decision.id)).map((entry) => entry.step);
  tt.same(steps, ['queued', 'confirmation', 'status', 'confirmation', 'status', 'submitted', 'receipt', 'executed', 'effects-checked']);
  const effects = (await trail(decision.id)).at(-1)?.detail;
  tt.match(effects, { executionSuccess: true, sameAsQueued: true, executedCall: { to: contracts.multiSendCallOnlyAddress, operation: 1, nonce: 0 } }, 'the mined call is the queued one');
  const { data } = await graphql(server.url, `{ safeTransactions(where: { decision: "${decision.id}" }) { safeTxHash status nonce executor confirmations { owner signatureType } trail { step } } }`);
  tt.match(data.safeTransactions[0], { safeTxHash, status: 'executed', nonce: 0, executor: executor.address });
  tt.same(data.safeTransactions[0].confirmations.map((c: any) => c.owner), [owner1.address, owner2.address]);
  tt.equal(data.safeTransactions[0].trail.length, steps.length);
  // GraphQL carries every SafeTx field an owner signs, the same as the Transaction Service route.
  const signed = await graphql(server.url, `{ safeTransactions(where: { safeTxHash: "${safeTxHash}" }) { chainId to value data operation safeTxGas baseGas gasPrice gasToken refundReceiver nonce } }`);
  tt.same(signed.data.safeTransactions[0], {
    chainId: 31337,
    to: executed.to,
    value: executed.value,
    data: executed.data,
    operation: executed.operation,
    safeTxGas: String(executed.safeTxGas),
    baseGas: String(executed.baseGas),
    gasPrice: executed.gasPrice,
    gasToken: executed.gasToken,
    refundReceiver: executed.refundReceiver,
    nonce: Number(executed.nonce),
  });
  const late = await postJson(`${serviceUrl}/v1/multisig-transactions/${safeTxHash}/confirmations/`, { signature: await walletSignature(owner3.privateKey, safeTxHash) });
  tt.equal(late.status, 422, 'no confirmation after execution');
  await waitFor(() => feed.events.some((event) => event.safeTransaction.status === 'executed'), 'the execution, by subscription');
  const seen = feed.events.filter((event) => event.safeTransaction.safeTxHash === safeTxHash).map((event) => event.safeTransaction.status);
  tt.same(seen.filter((status, index) => seen.indexOf(status) === index), ['queued', 'confirming', 'submitted', 'executed'], 'each status change pushed once, in order');
  tt.same(feed.errors, []);
});

t.test('rejected votes queue nothing', async (tt) => {
  await space('no.eth');
  const { decision } = await decided('no.eth', payPlugins(1n, 1n), 2);
  tt.equal(decision.outcome, 'rejected');
  tt.equal(await queuedFor(decision.id), undefined);
  tt.same((await trail(decision.id)).map((entry) => entry.step), ['not-queued']);
  const { data } = await graphql(server.url, `{ decisionTrail(decision: "${decision.id}") { step detail } }`);
  tt.match(data.decisionTrail, [{ step: 'not-queued', detail: { outcome: 'rejected' } }]);
  await server.app.relay.sweep();
  tt.equal((await trail(decision.id)).length, 1, 'handled once');
});

t.test('a batch that would revert is reported at proposal time and at pre-flight, and never executed', async (tt) => {
  await space('broke.eth');
  const nonceBefore = await transactionCount(chain, executor.address);
  const { decision } = await decided('broke.eth', payPlugins(0n, 10n ** 12n));
  const { safe_tx_hash: safeTxHash } = await queuedFor(decision.id);
  await confirmWithSdk(owner1.privateKey, safeTxHash);
  await confirmWithSdk(owner3.privateKey, safeTxHash);
  tt.match(await status(safeTxHash), { status: 'failed', status_reason: /would revert/ });
  tt.equal(await transactionCount(chain, executor.address), nonceBefore, 'nothing was sent');
  tt.match((await trail(decision.id)).map((entry) => entry.step), ['queued', 'confirmation', 'status', 'confirmation', 'status', 'preflight-failed']);
});

/** A signature item for an owner's on-chain approved hash (r = owner, s = 0, v = 1). */
function approvedHashSignature(owner: string): string {
  return `0x${owner.slice(2).toLowerCase().padStart(64, '0')}${'0'.repeat(64)}01`;
}

async function safeNonce(): Promise<number> {
  return Number((await apiKit.getSafeInfo(safe)).nonce);
}

t.test('an owner change between queueing and execution: removed owners no longer count', async (tt) => {
  await space('owners.eth');
  const start = await safeNonce();
  // An owner proposes removing owner1 through api-kit (eth_sign signature), at the current nonce.
  const kit2 = await connectSafe(chain, contracts, safe, owner2.privateKey);
  const removal = await kit2.createRemoveOwnerTx({ ownerAddress: owner1.address, threshold: 2 });
  const removalHash = await kit2.getTransactionHash(removal);
  const ethSign = await kit2.signHash(removalHash);
  await apiKit.proposeTransaction({ safeAddress: safe, safeTransactionData: removal.data, safeTxHash: removalHash, senderAddress: owner2.address, senderSignature: ethSign.data, origin: 'owners' });
  const wrong = await postJson(`${serviceUrl}/v2/safes/${safe}/multisig-transactions/`, { ...removal.data, contractTransactionHash: `0x${'1'.repeat(64)}`, sender: owner2.address, signature: ethSign.data });
  tt.match(wrong.body.detail, /does not match/);

  // The decision takes the next unused nonce, behind the pending proposal.
  const { decision } = await decided('owners.eth', payPlugins(1000n, 7n));
  const { safe_tx_hash: safeTxHash, nonce } = await queuedFor(decision.id);
  tt.equal(Number(nonce), start + 1);
  await confirmWithSdk(owner1.privateKey, safeTxHash);
  await confirmWithSdk(owner2.privateKey, safeTxHash);
  tt.equal((await status(safeTxHash)).status, 'ready', 'enough confirmations, but its nonce is not next yet');

  // owner3 approves the removal on chain and confirms with an approved-hash signature; owner2 executes it.
  const kit3 = await connectSafe(chain, contracts, safe, owner3.privateKey);
  await (await kit3.approveTransactionHash(removalHash)).hash;
  await apiKit.confirmTransaction(removalHash, approvedHashSignature(owner3.address));
  tt.same((await apiKit.getTransactionConfirmations(removalHash)).results.map((c) => c.signatureType).sort(), ['APPROVED_HASH', 'ETH_SIGN']);
  const executed = await kit2.executeTransaction(await apiKit.getTransaction(removalHash));
  await chain.rpc.request('eth_getTransactionReceipt', [executed.hash]);
  tt.same((await apiKit.getSafeInfo(safe)).owners, [owner2.address, owner3.address]);

  await server.app.relay.sweep();
  tt.equal((await status(removalHash)).status, 'executed', 'the owners\' own execution is recognised');
  tt.equal((await status(safeTxHash)).status, 'confirming', 'owner1\'s confirmation no longer counts');
  const steps = await trail(decision.id);
  const changed = steps.find((entry) => entry.step === 'owners-changed');
  tt.same(changed?.detail.ownersAfter, [owner2.address, owner3.address]);
  const removed = await postJson(`${serviceUrl}/v1/multisig-transactions/${safeTxHash}/confirmations/`, { signature: await walletSignature(owner1.privateKey, safeTxHash) });
  tt.equal(removed.status, 422, 'a removed owner cannot confirm');

  await confirmWithSdk(owner3.privateKey, safeTxHash);
  await server.app.relay.sweep();
  tt.equal((await status(safeTxHash)).status, 'executed');
  tt.equal(await safeNonce(), start + 2);

  // One page, two transactions: each gets its own confirmations and trail from the batched loaders.
  const { data } = await graphql(
    server.url,
    `{ safeTransactions(first: 1000, where: { safe: "${safe}" }) { safeTxHash confirmations { owner signatureType } trail { step } } }`,
  );
  const byHash = new Map(data.safeTransactions.map((row: any) => [row.safeTxHash, row]));
  tt.same((byHash.get(removalHash.toLowerCase()) as any).confirmations.map((c: any) => c.signatureType).sort(), ['APPROVED_HASH', 'ETH_SIGN']);
  tt.same((byHash.get(safeTxHash) as any).confirmations.map((c: any) => c.owner), [owner1.address, owner2.address, owner3.address]);
  tt.ok((byHash.get(safeTxHash) as any).trail.some((entry: any) => entry.step === 'owners-changed'));
  tt.notOk((byHash.get(removalHash.toLowerCase()) as any).trail.some((entry: any) => entry.step === 'owners-changed'));
});

t.test('a nonce used by another transaction marks the queued one replaced', async (tt) => {
  await space('replaced.eth');
  const { decision } = await decided('replaced.eth', payPlugins(1000n, 7n));
  const { safe_tx_hash: safeTxHash, nonce } = await queuedFor(decision.id);
  await confirmWithSdk(owner2.privateKey, safeTxHash);
  const kit2 = await connectSafe(chain, contracts, safe, owner2.privateKey);
  const kit3 = await connectSafe(chain, contracts, safe, owner3.privateKey);
  const rejection = await kit2.createRejectionTransaction(Number(nonce));
  const signed = await kit3.signTransaction(await kit2.signTransaction(rejection, ETH_SIGN_TYPED_DATA_V4), ETH_SIGN_TYPED_DATA_V4);
  await kit2.executeTransaction(signed);
  await server.app.relay.sweep();
  tt.match(await status(safeTxHash), { status: 'replaced', status_reason: new RegExp(`nonce ${nonce} was used`) });
  tt.equal((await trail(decision.id)).at(-1)?.step, 'replaced');
});

t.test('oSnap payload without auto-execution: the relay waits, an owner executes, the relay records it', async (tt) => {
  await space('osnap.eth', { autoExecute: false });
  const ethBefore = await ethBalance(chain, recipient.address);
  const plugins = {
    oSnap: {
      safes: [
        {
          safeName: 'Treasury',
          safeAddress: safe,
          network: '31337',
          transactions: [{ type: 'transferFunds', to: recipient.address, value: '5000', data: '0x', formatted: [recipient.address, 0, '5000', '0x'] }],
        },
      ],
    },
  };
  const { decision } = await decided('osnap.eth', plugins);
  const { safe_tx_hash: safeTxHash } = await queuedFor(decision.id);
  const single = await apiKit.getTransaction(safeTxHash);
  tt.match(single, { to: recipient.address, value: '5000', operation: 0 }, 'one call is not wrapped in MultiSend');
  await confirmWithSdk(owner2.privateKey, safeTxHash);
  await confirmWithSdk(owner3.privateKey, safeTxHash);
  await server.app.relay.sweep();
  tt.equal((await status(safeTxHash)).status, 'ready', 'no executor run without auto-execution');
  const kit3 = await connectSafe(chain, contracts, safe, owner3.privateKey);
  await kit3.executeTransaction(await apiKit.getTransaction(safeTxHash));
  await server.app.relay.sweep();
  tt.equal((await status(safeTxHash)).status, 'executed');
  tt.equal(await ethBalance(chain, recipient.address) - ethBefore, 5000n);
  tt.match((await trail(decision.id)).find((entry) => entry.step === 'executed')?.detail, { by: owner3.address, executedElsewhere: true });
  tt.match((await trail(decision.id)).at(-1), { step: 'effects-checked', detail: { sameAsQueued: true } });
});

t.test('restart between persisting the submission and sending it: a new instance sends the same bytes once', async (tt) => {
  await space('restart.eth');
  const { decision } = await decided('restart.eth', payPlugins(777n, 3n));
  const { safe_tx_hash: safeTxHash } = await queuedFor(decision.id);
  const sentBefore = await transactionCount(chain, executor.address);
  const nonceBefore = await safeNonce();
  // Instance A stops right after it stored 'submitted' (its broadcast never happens).
  const instanceA = createRelay({
    db,
    rpcUrls: server.config.rpcUrls,
    executorKey: executor.privateKey,
    publicUrl: server.config.publicUrl,
    sendRawTransaction: async () => {
      throw new Error('process killed');
    },
  });
  // (owner1 was removed by the owner-change test)
  await instanceA.confirm(safeTxHash, await walletSignature(owner2.privateKey, safeTxHash));
  await instanceA.confirm(safeTxHash, await walletSignature(owner3.privateKey, safeTxHash));
  tt.equal((await status(safeTxHash)).status, 'submitted');
  tt.equal(await transactionCount(chain, executor.address), sentBefore, 'nothing reached the chain');

  // Instance B on the same database continues.
  const instanceB = await buildApp({ config: server.config, database: server.database, serviceKey: server.app.serviceKey, logger: false });
  await instanceB.ready();
  await instanceB.relay.sweep();
  await instanceB.relay.sweep();
  await server.app.relay.sweep();
  await instanceB.close();
  tt.equal((await status(safeTxHash)).status, 'executed');
  tt.equal(await transactionCount(chain, executor.address), sentBefore + 1, 'one transaction from the executor');
  tt.equal(await safeNonce(), nonceBefore + 1);
  const steps = (await trail(decision.id)).map((entry) => entry.step);
  tt.equal(steps.filter((step) => step === 'submitted').length, 1, 'signed and submitted once');
  tt.equal(steps.filter((step) => step === 'resent').length, 1, 'the stored bytes were broadcast by the new instance');
  tt.same(steps.slice(-3), ['receipt', 'executed', 'effects-checked']);
});

t.test('a restart after sending: the new instance only watches the receipt', async (tt) => {
  await space('after.eth');
  const { decision } = await decided('after.eth', payPlugins(1n, 1n));
  const { safe_tx_hash: safeTxHash } = await queuedFor(decision.id);
  const sentBefore = await transactionCount(chain, executor.address);
  const instanceA = createRelay({ db, rpcUrls: server.config.rpcUrls, executorKey: executor.privateKey, publicUrl: server.config.publicUrl });
  await instanceA.confirm(safeTxHash, await walletSignature(owner2.privateKey, safeTxHash));
  await instanceA.confirm(safeTxHash, await walletSignature(owner3.privateKey, safeTxHash));
  tt.equal((await status(safeTxHash)).status, 'submitted');
  const instanceB = await buildApp({ config: server.config, database: server.database, serviceKey: server.app.serviceKey, logger: false });
  await instanceB.ready();
  await instanceB.relay.sweep();
  await instanceB.close();
  tt.equal((await status(safeTxHash)).status, 'executed');
  tt.equal(await transactionCount(chain, executor.address), sentBefore + 1);
  tt.notOk((await trail(decision.id)).some((entry) => entry.step === 'resent'));
});
