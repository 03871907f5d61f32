/**
 * `npm run demo`: the whole life of a decision on a local chain, with nothing to set up. A hardhat node with
 * a token and a 2-of-3 Safe, the service (embedded database in a fresh temp directory), a space, a proposal
 * paying from the Safe, a few hundred simulated voters with a sybil ring among them, live tallies and flags,
 * the close, the signed decision, two owners confirming, execution and the funds arriving. Every run starts
 * from nothing and stops every process it started (also on Ctrl-C and on errors).
 *
 * Options: `--port N` (default 4000 when free, otherwise any free port; 0 = any free port), `--keep` (leave the
 * service and chain running for browsing until Ctrl-C), `--window S` (voting window, seconds; default 40).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Hex } from 'viem';
import { graphql, postJson } from './devnet/client.ts';
import { freePort, startChain, testAccounts } from './devnet/chain.ts';
import { compileTestContracts } from './devnet/solidity.ts';
import { startServiceProcess, type ServiceProcess } from './devnet/service-process.ts';
import { sign, wallets } from './devnet/sign.ts';
import { distributeTokens, setupRelayChain, signSafeTransaction, tokenBalance, transferData } from './devnet/treasury.ts';
import { buildPopulation } from './demo/population.ts';
import { castVotes } from './demo/cast-votes.ts';
import { watchProposal } from './demo/watch-proposal.ts';

// Measured from the process start, module loading included.
const started = performance.timeOrigin;
const { values: options } = parseArgs({
  options: { port: { type: 'string' }, keep: { type: 'boolean', default: false }, window: { type: 'string', default: '40' } },
});
const WINDOW_SECONDS = Number(options.window);
if (!Number.isInteger(WINDOW_SECONDS) || WINDOW_SECONDS < 20) {
  process.stderr.write('--window must be a whole number of seconds, at least 20\n');
  process.exit(2);
}
const E18 = 10n ** 18n;
const SPACE = 'demo-dao.eth';
const TREASURY_TOKENS = 1_000_000n * E18;
const GRANT = 250_000n * E18;
const NETWORK = '31337';

const print = (line = '') => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
let stage = 0;
let serviceOutput: (() => string) | undefined;
const step = (title: string, link?: string) => {
  print();
  print(`[${++stage}] ${title}   (${elapsed()})`);
  if (link) print(`    → ${link}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tokens = (units: bigint) => `${(units / E18).toLocaleString('en-US')} TT`;

// Everything started is stopped in reverse order, once, whatever ends the run.
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const stop of cleanups.reverse()) {
      try {
        await stop();
      } catch (error) {
        process.stderr.write(`cleanup: ${String(error)}\n`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    print(`\n${signal}: stopping the service and the chain…`);
    void cleanup().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

/** Whether nothing listens on 127.0.0.1:`port`. */
function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `--port`, else 4000 when nothing listens there (the port `npm start` uses), else a free one other than `taken`. */
async function choosePort(taken: number): Promise<number> {
  if (options.port !== undefined && Number(options.port) !== 0) return Number(options.port);
  if (options.port === undefined && (await listenable(4000))) return 4000;
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

/** Polls `probe` until it returns a value (bounded, so a stuck step fails the run instead of hanging it). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  return response.ok ? response.json() : undefined;
}

async function main(): Promise<void> {
  print('conclave demo: the life of one decision, from a fresh chain to the funds arriving');

  step('Local chain: hardhat node, Safe 1.4.1, Treasury Token (TT) and a 2-of-3 Safe; the service starting alongside');
  // The node and the service start side by side (the service only needs the node's URL, not the node).
  const chainPort = await freePort();
  const chainUrl = `http://127.0.0.1:${chainPort}`;
  const [, owner1, owner2, , , executor, recipient] = testAccounts();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conclave-demo-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const starting = startServiceProcess(
    {
      DATA_DIR: dataDir,
      // Always the embedded database and in-process events: the demo needs nothing but `npm install`.
      DATABASE_URL: undefined,
      DATABASE_READ_URL: undefined,
      REDIS_URL: undefined,
      LLM_BASE_URL: undefined,
      SERVICE_KEY: undefined,
      SERVICE_KEY_FILE: undefined,
      PUBLIC_URL: undefined,
      RPC_URLS: JSON.stringify({ [NETWORK]: chainUrl }),
      RELAY_EXECUTOR_KEY: executor.privateKey,
      // Days of a real vote compressed into seconds: decide right after the close, sweep often.
      DECISION_SETTLE_SECONDS: '2',
      FINALIZE_INTERVAL_MS: '1000',
      RELAY_INTERVAL_MS: '500',
      RELAY_WATCH_INTERVAL_MS: '1000',
      RISK_INTERVAL_MS: '1000',
      RISK_DEBOUNCE_SECONDS: '2',
    },
    await choosePort(chainPort),
  );
  // Stopped gracefully once started; a service still starting when the run ends is killed on exit
  // (startServiceProcess's exit hook). Its failure is reported where it is awaited.
  let service: ServiceProcess | undefined;
  void starting.then((started) => (service = started)).catch(() => undefined);
  cleanups.push(async () => service?.stop());
  const chainStarting = startChain({ port: chainPort });
  void chainStarting.catch(() => undefined); // awaited below; its exit hook kills the node if this process fails first
  // CPU work of this process while both children boot: the contracts (compiled once, then cached on disk) and the voters.
  compileTestContracts();
  const population = buildPopulation();
  const chain = await chainStarting;
  cleanups.push(() => chain.stop());
  const { token, safe, owners } = await setupRelayChain({ chain, eth: 0n, tokens: TREASURY_TOKENS });
  print(`    chain ${chain.url} (id ${chain.chainId}, pid ${chain.pid}), token ${token}`);
  print(`    Safe ${safe}: owners ${owners.join(', ')}, threshold 2, holding ${tokens(await tokenBalance(chain, token, safe))}`);

  step('Simulated voters: honest holders and a sybil ring (server/ai/simulate, scenario S1), tokens sent on chain');
  const snapshot = await distributeTokens({ chain, token, amounts: population.balances });
  print(`    ${population.balances.size} holders funded in block ${snapshot}; ${population.votes.length} votes to cast, ${population.ring.size} of the voters are a sybil ring`);

  step('Service: server/main.ts with an embedded database in a fresh temporary directory');
  const { url, output, child } = await starting;
  serviceOutput = output;
  const api = `${url}/api/safe-transaction-service/${NETWORK}`;
  print(`    ${url}  (pid ${child.pid}, GraphQL ${url}/graphql, data ${dataDir})`);

  async function post(body: unknown): Promise<{ id: string }> {
    const { status, body: answer } = await postJson(url, body);
    if (status !== 200) throw new Error(`message refused: ${JSON.stringify(answer)}`);
    return answer;
  }

  step('Space: token-weighted voting (erc20-balance-of on TT), relay with auto-execution', `${url}/#/space/${SPACE}`);
  const [controller] = wallets(1, 4242);
  await post(
    await sign(controller, 'settings', {
      space: SPACE,
      settings: JSON.stringify({
        name: 'Demo DAO',
        about: 'The conclave demo: a treasury Safe paid out by a token vote.',
        network: NETWORK,
        symbol: 'TT',
        strategies: [{ name: 'erc20-balance-of', params: { address: token, symbol: 'TT', decimals: 18 } }],
        voting: { type: 'basic', quorum: population.quorum },
        plugins: { safe: { autoExecute: true } },
      }),
    }),
  );
  print(`    controller ${controller.address}, quorum ${population.quorum.toLocaleString('en-US')} TT`);

  const now = Math.floor(Date.now() / 1000);
  const start = now;
  const end = now + WINDOW_SECONDS;
  const plugins = { safe: { network: NETWORK, safe, batches: { '1': [{ to: token, value: '0', data: transferData(recipient.address, GRANT), operation: 0 }] } } };
  const proposal = (
    await post(
      await sign(controller, 'proposal', {
        space: SPACE,
        type: 'basic',
        title: `Grant ${tokens(GRANT)} from the treasury to the builders`,
        body: `If this passes, the DAO Safe ${safe} transfers ${tokens(GRANT)} to ${recipient.address}.`,
        choices: ['For', 'Against', 'Abstain'],
        start,
        end,
        snapshot: snapshot,
        plugins: JSON.stringify(plugins),
        timestamp: now,
      }),
    )
  ).id;
  step(`Proposal: a treasury transfer of ${tokens(GRANT)} to ${recipient.address}, voting for ${WINDOW_SECONDS} s`, `${url}/#/proposal/${proposal}`);
  print(`    id ${proposal}, snapshot block ${snapshot}, Safe payload checked against the chain at submission`);
  const recipientBefore = await tokenBalance(chain, token, recipient.address);

  step(`Voting: ${population.votes.length} signed votes arriving over the window, live tally and risk flags`, `${url}/#/proposal/${proposal}`);
  const watcher = watchProposal({ url, proposal, ring: population.ring, print });
  const cast = await castVotes({ url, space: SPACE, proposal, votes: population.votes, startMs: start * 1000, windowMs: WINDOW_SECONDS * 1000 });
  print(`    all votes sent: ${cast.accepted} accepted, ${cast.refused.length} refused${cast.refused.length ? ` (first: ${cast.refused[0].reason})` : ''}`);
  // The overseer's last report comes within a sweep or two of the last vote.
  await sleep(Math.max(0, Math.min(end * 1000 - Date.now(), 4000)));
  const live = { state: await watcher.stop() };
  if (cast.accepted === 0) throw new Error('no vote was accepted');

  step('Close: waiting for the end of the window and the decision');
  const decision = await until('the decision', () => getJson(`${url}/api/proposals/${proposal}/outcome`), 60_000 + WINDOW_SECONDS * 1000);
  const scores = (decision.scores as number[]).map((score, i) => `${decision.choices[i]} ${Math.round(score).toLocaleString('en-US')}`).join(', ');
  print(`    decision signed: ${decision.outcome} (${scores} TT; quorum ${population.quorum.toLocaleString('en-US')})`);
  print(`    decision hash ${decision.id}`);
  print(`    signer ${decision.signer}, signature ${decision.signature.slice(0, 20)}…`);
  const finalFlags = live.state?.risk?.flags ?? [];
  print(`    risk report at close: ${live.state?.risk?.level ?? 'none'} (advisory: every vote still counts)`);
  for (const flag of finalFlags) {
    const inRing = flag.evidence.voters.filter((voter) => population.ring.has(voter)).length;
    print(`      ${flag.kind} (${flag.severity}): ${flag.evidence.voters.length} wallets, ${inRing} of them in the sybil ring`);
  }
  if (decision.outcome !== 'passed') throw new Error(`the proposal did not pass (${decision.outcome}): nothing to execute`);

  step('Relay: the decision queued as a Safe transaction', `${url}/#/safe/${safe}`);
  const queued = await until('the queued Safe transaction', async () => {
    const list = await getJson(`${api}/v2/safes/${safe}/multisig-transactions/`);
    return list?.results?.find((tx: any) => tx.conclave?.decision?.id === decision.id);
  });
  print(`    safeTxHash ${queued.safeTxHash}, nonce ${queued.nonce}, ${queued.confirmationsRequired} confirmations required, status ${queued.conclave.status}`);

  step('Owners confirm: EIP-712 SafeTx signatures posted to the Transaction-Service-compatible API', `${url}/#/safe/${safe}`);
  let confirmations = 0;
  for (const owner of [owner1, owner2]) {
    const transaction = await getJson(`${api}/v2/multisig-transactions/${queued.safeTxHash}/`);
    const signature = await signSafeTransaction({ privateKey: owner.privateKey as Hex, chainId: chain.chainId, safe, transaction });
    const answer = await postJson(`${api}/v1/multisig-transactions/${queued.safeTxHash}/confirmations/`, { signature });
    if (answer.status !== 201) throw new Error(`confirmation refused: ${JSON.stringify(answer.body)}`);
    confirmations++;
    print(`    confirmation ${confirmations}/2 by owner ${owner.address}`);
  }

  step('Execution: the relay executes once the threshold is met');
  const executed = await until('the execution', async () => {
    const tx = await getJson(`${api}/v2/multisig-transactions/${queued.safeTxHash}/`);
    if (tx?.conclave.status === 'failed') throw new Error(`execution failed: ${tx.conclave.statusReason}`);
    return tx?.isExecuted ? tx : undefined;
  });
  print(`    executed in transaction ${executed.transactionHash} (block ${executed.blockNumber}) by ${executed.executor}, successful: ${executed.isSuccessful}`);

  step('Funds: the recipient\'s balance on chain', `${url}/#/safe/${safe}`);
  const recipientAfter = await tokenBalance(chain, token, recipient.address);
  print(`    before ${tokens(recipientBefore)}, after ${tokens(recipientAfter)}`);
  print(`    funds arrived: ${tokens(recipientAfter - recipientBefore)} (${recipientAfter - recipientBefore} units; ${recipientAfter - recipientBefore === GRANT ? 'exactly' : 'NOT'} the ${tokens(GRANT)} voted)`);
  print(`    Safe now holds ${tokens(await tokenBalance(chain, token, safe))}`);
  const { data } = await graphql(url, `query ($d: String!) { decisionTrail(decision: $d) { step } }`, { d: decision.id });
  print(`    decision trail: ${data.decisionTrail.map((entry: { step: string }) => entry.step).join(' → ')}`);
  if (recipientAfter - recipientBefore !== GRANT) throw new Error('the recipient did not receive the voted amount');

  print();
  print(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  print(`    space ${url}/#/space/${SPACE}`);
  print(`    proposal ${url}/#/proposal/${proposal}`);
  print(`    safe ${url}/#/safe/${safe}`);
  if (options.keep) {
    print('--keep: the service and the chain keep running; Ctrl-C stops them.');
    // A pending timer keeps the process (and so its children) alive until a signal ends it.
    await new Promise(() => setInterval(() => {}, 1 << 30));
  }
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  // After Ctrl-C, steps fail because their processes are being stopped: not worth a report.
  if (!interrupted) process.stderr.write(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  const output = interrupted ? undefined : serviceOutput?.();
  if (output) process.stderr.write(`\nservice output (last lines):\n${output.slice(-4000)}\n`);
} finally {
  await cleanup();
}
// Whatever is still pending (a service that never became ready) must not keep the demo alive.
process.exit();
