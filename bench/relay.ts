/**
 * Signer relay benchmark on a local chain with a real 2-of-3 Safe 1.4.1 and auto-execution on: from a
 * decision (as a client sees it) to its queued Safe transaction, and from the last needed confirmation
 * to the submitted execution. The service runs in its own process; the finalizer and the relay's queue
 * sweep run every 100 ms, so "decision → queued" includes up to one sweep interval.
 */
import type { Hex } from 'viem';
import { setupRelayChain, signSafeTransaction, transferData } from '../scripts/devnet/treasury.ts';
import { postOk, randomKeys, report, signEnvelope, startService } from './support.ts';

const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 5);
const { chain, token, safe } = await setupRelayChain({ eth: 10n ** 18n, tokens: 1_000_000n });
const [, owner1, owner2, , , executor, recipient] = chain.accounts;
const service = await startService({
  RPC_URLS: JSON.stringify({ '31337': chain.url }),
  RELAY_EXECUTOR_KEY: executor.privateKey,
  RELAY_INTERVAL_MS: '100',
  RELAY_WATCH_INTERVAL_MS: '1000',
  FINALIZE_INTERVAL_MS: '100',
  DECISION_SETTLE_SECONDS: '0',
});
const api = `${service.url}/api/safe-transaction-service/31337`;
const [controller, voter] = randomKeys(2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const response = await fetch(url, init);
  return response.ok ? response.json() : undefined;
}

async function confirm(privateKey: Hex, tx: any): Promise<void> {
  const signature = await signSafeTransaction({ privateKey, chainId: 31337, safe, transaction: tx });
  const response = await fetch(`${api}/v1/multisig-transactions/${tx.safeTxHash}/confirmations/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signature }),
  });
  if (response.status !== 201) throw new Error(`confirmation refused: ${await response.text()}`);
}

try {
  const now = () => Math.floor(Date.now() / 1000);
  await postOk(service.url, signEnvelope(controller, 'settings', {
    space: 'relay-bench.eth',
    timestamp: now(),
    settings: JSON.stringify({
      name: 'Relay bench', network: '31337',
      strategies: [{ name: 'whitelist', params: { addresses: { [voter.address]: 1 } } }],
      plugins: { safe: { autoExecute: true } },
    }),
  }));
  const toQueued: number[] = [];
  const toSubmitted: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const plugins = { safe: { network: '31337', safe, batches: { '1': [
      { to: recipient.address, value: '1000', data: '0x', operation: 0 },
      { to: token, value: '0', data: transferData(recipient.address, 1n), operation: 0 },
    ] } } };
    const end = now() + 2;
    const { id: proposal } = await postOk(service.url, signEnvelope(controller, 'proposal', {
      space: 'relay-bench.eth', timestamp: now(), type: 'basic', title: `pay ${round}`, body: '', discussion: '',
      choices: ['For', 'Against', 'Abstain'], labels: [], start: now() - 10, end, snapshot: 1, plugins: JSON.stringify(plugins), privacy: '', app: '',
    }));
    await postOk(service.url, signEnvelope(voter, 'vote', { space: 'relay-bench.eth', timestamp: now(), proposal, choice: 1, reason: '', app: '', metadata: '{}' }));
    const decision = await until(() => json(`${service.url}/api/proposals/${proposal}/outcome`));
    const decidedAt = performance.now();
    const tx = await until(async () => {
      const list = await json(`${api}/v2/safes/${safe}/multisig-transactions/?executed=false`);
      return list?.results.find((entry: any) => entry.conclave?.decision?.id === decision.id);
    });
    toQueued.push(performance.now() - decidedAt);
    await confirm(owner1.privateKey, tx);
    const lastConfirmation = performance.now();
    await confirm(owner2.privateKey, tx);
    await until(async () => {
      const current = await json(`${api}/v2/multisig-transactions/${tx.safeTxHash}/`);
      return ['submitted', 'executed'].includes(current?.conclave.status) ? true : undefined;
    });
    toSubmitted.push(performance.now() - lastConfirmation);
    // the next round's nonce follows this execution
    await until(async () => ((await json(`${api}/v2/multisig-transactions/${tx.safeTxHash}/`))?.conclave.status === 'executed' ? true : undefined));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`decision → queued (ms, ${ROUNDS} rounds): ${toQueued.map((v) => v.toFixed(0)).join(', ')}`);
  console.log(`last confirmation → submitted (ms): ${toSubmitted.map((v) => v.toFixed(0)).join(', ')}`);
  report('decision → queued, median', median(toQueued), 'ms', 1000, 'target ≤');
  report('last confirmation → submitted, median', median(toSubmitted), 'ms', 1000, 'target ≤');
  report('decision → queued, worst', Math.max(...toQueued), 'ms', 1000, 'target ≤');
  report('last confirmation → submitted, worst', Math.max(...toSubmitted), 'ms', 1000, 'target ≤');
} finally {
  await service.stop();
  await chain.stop();
}
