/**
 * Identity benchmark: ingest throughput of signed votes on a space that requires membership credentials vs an open
 * space, same service, same load, printed side by side (target: identity-required ≥ 90% of open). Each member's
 * credential is submitted once beforehand (verification happens there); a vote adds one indexed read of the voter's
 * credentials and the status-list bit (list cached ≤ 5 min), served here by a local HTTP server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { issueMembershipCredential } from '../server/identity/issue-credential.ts';
import { generateEd25519IssuerKey, issuerFromKeyFile } from '../server/identity/issuer-key.ts';
import { createStatusList, createStatusListCredential } from '../server/identity/status-list.ts';
import { fire, freshPostgres, postOk, randomKeys, signEnvelope, startService, type Key, type Service } from './support.ts';

const VOTES = Number(process.env.BENCH_VOTES ?? 5000);
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
  // Open first, then identity-required, then open again: the ratio uses the mean of the two open runs.
  const half = Math.floor(VOTES / 2);
  const openBodies = votes(openVoters, 'open.eth', open);
  const openA = await fire(service.url, openBodies.slice(0, half), CONNECTIONS);
  const gated = await fire(service.url, votes(memberVoters, 'members.eth', members), CONNECTIONS);
  const openB = await fire(service.url, openBodies.slice(half), CONNECTIONS);
  for (const [label, result] of [['open', openA], ['identity', gated], ['open', openB]] as const) {
    if (result.non2xx || result.errors) throw new Error(`${label}: ${result.non2xx} refused, ${result.errors} errors`);
  }
  const openRate = (openA.requestsPerSecond + openB.requestsPerSecond) / 2;
  console.log(`${'space'.padEnd(24)} ${'votes/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  console.log(`${'open'.padEnd(24)} ${openRate.toFixed(0).padStart(9)} ${openA.p50.toFixed(0).padStart(8)} ${Math.max(openA.p99, openB.p99).toFixed(0).padStart(8)}`);
  console.log(`${'identity required'.padEnd(24)} ${gated.requestsPerSecond.toFixed(0).padStart(9)} ${gated.p50.toFixed(0).padStart(8)} ${gated.p99.toFixed(0).padStart(8)}`);
  const ratio = gated.requestsPerSecond / openRate;
  console.log(`identity-required / open ingest, ${database ? 'PostgreSQL' : 'PGlite'}: ${(ratio * 100).toFixed(1)}% (target ≥ 90%${ratio >= 0.9 ? ', met' : ', NOT met'})`);
} finally {
  await service.stop();
  await lists.close();
  await database?.drop();
}
