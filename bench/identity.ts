/**
 * Identity benchmark: ingest throughput of signed votes on a space that requires membership credentials vs an open
 * space, same service, same load, in interleaved rounds, printed side by side (target: identity-required ≥ 90% of open). Each member's
 * credential is submitted once beforehand (verification happens there); a vote adds one indexed read of the voter's
 * credentials and the status-list bit (list cached ≤ 5 min), served here by a local HTTP server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { generateEd25519IssuerKey, issuerFromKeyFile } from '../server/identity/issuer-key.ts';
import { createStatusList, createStatusListCredential } from '../server/identity/status-list.ts';
import { fire, freshPostgres, postOk, randomKeys, signEnvelope, startService, type Key, type LoadResult, type Service } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = 64;
const SUBMIT_CONCURRENCY = 8;

const issuer = issuerFromKeyFile(generateEd25519IssuerKey());

/** The issuer's status list, served over plain HTTP on 127.0.0.1. */
async function statusListServer() {
  let body = '';
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/jwt' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/status/1`;
  body = await createStatusListCredential({ issuer, url, list: createStatusList() });
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function seed(service: Service) {
  const [controller] = randomKeys(1);
  const now = Math.floor(Date.now() / 1000);
  const space = async (id: string, extra: Record<string, unknown>) =>
    postOk(
      service.url,
      signEnvelope(controller, 'settings', {
        space: id,
        timestamp: now,
        settings: JSON.stringify({ name: id, strategies: [{ name: 'ticket', params: {} }], ...extra }),
      }),
    );
  await space('open.eth', {});
  await space('members.eth', { identity: { required: true, trustedIssuers: [issuer.did] } });
  const proposal = async (id: string) =>
    (
      await postOk(
        service.url,
        signEnvelope(controller, 'proposal', {
          space: id, timestamp: now, type: 'single-choice', title: 'throughput', body: '', discussion: '',
          choices: ['For', 'Against', 'Abstain'], labels: [], start: now - 60, end: now + 86_400, snapshot: 1,
          plugins: '{}', privacy: '', app: '',
        }),
      )
    ).id;
  return { open: await proposal('open.eth'), members: await proposal('members.eth') };
}

/** Issues and submits one credential per voter (not timed). */
async function enrol(service: Service, voters: Key[], statusListUrl: string) {
  const validFrom = Math.floor(Date.now() / 1000) - 3600;
  let next = 0;
  const worker = async () => {
    while (next < voters.length) {
      const index = next++;
      const jwt = await issueMembershipCredential({
        issuer, space: 'members.eth', address: voters[index].address, validFrom, statusListUrl, statusListIndex: index,
      });
      await postOk(`${service.url}/api/credentials`, JSON.stringify({ space: 'members.eth', jwt }));
    }
  };
  await Promise.all(Array.from({ length: SUBMIT_CONCURRENCY }, worker));
}

function votes(keys: Key[], space: string, proposal: string): string[] {
  const now = Math.floor(Date.now() / 1000);
  return keys.map((key, index) =>
    signEnvelope(key, 'vote', { space, timestamp: now, proposal, choice: (index % 3) + 1, reason: '', app: 'bench', metadata: '{}' }),
  );
}

console.log(`# identity benchmark — ${new Date().toISOString()} — ${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, ${VOTES} votes per space`);
const usePglite = process.env.BENCH_DB === 'pglite';
const database = usePglite ? undefined : await freshPostgres();
const lists = await statusListServer();
const service = await startService(database ? { DATABASE_URL: database.url } : {});
try {
  const { open, members } = await seed(service);
  const openVoters = randomKeys(VOTES);
  const memberVoters = randomKeys(VOTES);
  const started = Date.now();
  await enrol(service, memberVoters, lists.url);
  console.log(`enrolled ${VOTES} members (credential submission, not timed in the ratio): ${((VOTES * 1000) / (Date.now() - started)).toFixed(0)} credentials/s`);
  // Interleaved rounds (open then identity-required, the order swapped every other round) so that drift in the
  // machine's load hits both alike; the ratio is the median of the per-round ratios.
  const openBodies = votes(openVoters, 'open.eth', open);
  const gatedBodies = votes(memberVoters, 'members.eth', members);
  const perRound = Math.floor(VOTES / ROUNDS);
  const rounds: { open: LoadResult; gated: LoadResult }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const slice = (bodies: string[]) => bodies.slice(round * perRound, (round + 1) * perRound);
    const run = async (label: string, bodies: string[]) => {
      const result = await fire(service.url, slice(bodies), CONNECTIONS);
      if (result.non2xx || result.errors) throw new Error(`${label}: ${result.non2xx} refused, ${result.errors} errors`);
      return result;
    };
    const [first, second] = round % 2 === 0 ? ['open', 'identity'] : ['identity', 'open'];
    const a = await run(first, first === 'open' ? openBodies : gatedBodies);
    const b = await run(second, second === 'open' ? openBodies : gatedBodies);
    const [openRun, gatedRun] = first === 'open' ? [a, b] : [b, a];
    rounds.push({ open: openRun, gated: gatedRun });
    console.log(`round ${round + 1}: open ${openRun.requestsPerSecond.toFixed(0)}, identity required ${gatedRun.requestsPerSecond.toFixed(0)} votes/s`);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const openRate = median(rounds.map((r) => r.open.requestsPerSecond));
  const gatedRate = median(rounds.map((r) => r.gated.requestsPerSecond));
  const ratios = rounds.map((r) => r.gated.requestsPerSecond / r.open.requestsPerSecond);
  console.log(`${'space (median of rounds)'.padEnd(24)} ${'votes/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const [label, rate, runs] of [['open', openRate, rounds.map((r) => r.open)], ['identity required', gatedRate, rounds.map((r) => r.gated)]] as const) {
    console.log(`${label.padEnd(24)} ${rate.toFixed(0).padStart(9)} ${median(runs.map((r) => r.p50)).toFixed(0).padStart(8)} ${median(runs.map((r) => r.p99)).toFixed(0).padStart(8)}`);
  }
  const ratio = median(ratios);
  console.log(`per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`identity-required / open ingest, ${database ? 'PostgreSQL' : 'PGlite'}: ${(ratio * 100).toFixed(1)}% (median of ${ROUNDS} rounds; target ≥ 90%${ratio >= 0.9 ? ', met' : ', NOT met'})`);
} finally {
  await service.stop();
  await lists.close();
  await database?.drop();
}
