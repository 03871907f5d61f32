import crypto from 'node:crypto';
import net from 'node:net';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config/load-config.ts';
import { queryRows } from '../server/db/open-database.ts';
import { createServiceKey } from '../server/service-key.ts';
import { randomKeys, signEnvelope } from '../bench/support.ts';
import { startTestServer } from './support/server.ts';

// Tight limits, set explicitly (the defaults are generous). TRUST_PROXY lets each subtest be its own client IP.
const API_KEY = `test-key-${crypto.randomBytes(8).toString('hex')}`;
const server = await startTestServer({
  TRUST_PROXY: 'true',
  RATE_LIMIT_MAX: '6',
  RATE_LIMIT_SIGNER_MAX: '2',
  RATE_LIMIT_WINDOW: '600',
  API_KEYS: JSON.stringify({ [API_KEY]: 3 }),
  GRAPHQL_MAX_COMPLEXITY: '12',
  BODY_LIMIT: '4096',
  HEADER_LIMIT: '2048',
  CONNECTION_TIMEOUT: '300',
  PROPOSAL_LIMIT_DAY: '2',
  CORS_ORIGINS: 'https://app.example',
});
t.teardown(() => server.close());
const { app } = server;
let nextIp = 1;
const freshIp = () => `10.9.${Math.floor(nextIp / 250)}.${nextIp++ % 250}`;
const now = () => Math.floor(Date.now() / 1000);

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

t.test('requests per IP: the limit answers 429 in Snapshot error shape with Retry-After; probes are never limited', async (tt) => {
  const ip = { 'x-forwarded-for': freshIp() };
  for (let i = 0; i < 6; i++) {
    const response = await get('/', ip);
    tt.equal(response.statusCode, 200);
    tt.equal(response.headers['x-ratelimit-remaining'], String(5 - i));
  }
  const limited = await get('/', ip);
  tt.equal(limited.statusCode, 429);
  tt.match(limited.json(), { error: 'client_error', error_description: /^too many requests, retry in / });
  tt.ok(Number(limited.headers['retry-after']) > 0);
  tt.equal((await get('/healthz', ip)).statusCode, 200);
  tt.equal((await get('/', { 'x-forwarded-for': freshIp() })).statusCode, 200, 'another client is not affected');
});

t.test('API keys have their own quota and Snapshot headers; an unknown key is refused', async (tt) => {
  const ip = { 'x-forwarded-for': freshIp() };
  for (let i = 0; i < 3; i++) {
    const response = await get('/', { ...ip, 'x-api-key': API_KEY });
    tt.equal(response.statusCode, 200);
    tt.equal(response.headers['x-api-key-limit'], '3');
    tt.equal(response.headers['x-api-key-remaining'], String(2 - i));
    tt.ok(Number(response.headers['x-api-key-reset']) > 0);
  }
  const limited = await get('/', { ...ip, 'x-api-key': API_KEY });
  tt.equal(limited.statusCode, 429);
  tt.equal(limited.headers['x-api-key-remaining'], '0');
  tt.equal((await get('/', ip)).statusCode, 200, 'the IP quota is separate');
  const unknown = await get('/', { ...ip, 'x-api-key': 'not-a-key-at-all-really' });
  tt.equal(unknown.statusCode, 401);
  tt.same(unknown.json(), { error: 'client_error', error_description: 'invalid api key' });
});

t.test('signed messages per signer address, whatever the IP', async (tt) => {
  const [signer, other] = randomKeys(2);
  const follow = (key: typeof signer) => signEnvelope(key, 'follow', { space: 'nowhere.eth', timestamp: now(), network: 's' });
  for (let i = 0; i < 2; i++) tt.equal((await post('/', follow(signer), { 'x-forwarded-for': freshIp() })).statusCode, 400, 'unknown space');
  const limited = await post('/api/msg', follow(signer), { 'x-forwarded-for': freshIp() });
  tt.equal(limited.statusCode, 429);
  tt.match(limited.json(), { error: 'client_error', error_description: /^too many messages from this address, retry in/ });
  tt.ok(Number(limited.headers['retry-after']) > 0);
  tt.equal((await post('/', follow(other), { 'x-forwarded-for': freshIp() })).statusCode, 400, 'another signer is not affected');
});

t.test('per-space proposal quota per day', async (tt) => {
  const send = async (body: string) => post('/', body, { 'x-forwarded-for': freshIp() });
  // Proposals by different admins, so the per-signer limit (2) is not what stops the third.
  const admins = randomKeys(3);
  const withAdmins = signEnvelope(randomKeys(1)[0], 'settings', { space: 'quota2.eth', timestamp: now(), settings: JSON.stringify({ name: 'Quota', admins: admins.map((a) => a.address), strategies: [{ name: 'ticket', params: {} }] }) });
  tt.equal((await send(withAdmins)).statusCode, 200);
  const byAdmin = (index: number) =>
    signEnvelope(admins[index], 'proposal', {
      space: 'quota2.eth', timestamp: now(), type: 'single-choice', title: `p${index}`, body: '', discussion: '', choices: ['A', 'B'],
      labels: [], start: now(), end: now() + 3600, snapshot: 1, plugins: '{}', privacy: '', app: '',
    });
  tt.equal((await send(byAdmin(0))).statusCode, 200);
  tt.equal((await send(byAdmin(1))).statusCode, 200);
  const [before] = await queryRows<{ n: number }>(server.database.db, sql`SELECT count(*)::int AS n FROM messages`);
  const third = await send(byAdmin(2));
  tt.equal(third.statusCode, 400);
  tt.same(third.json(), { error: 'client_error', error_description: 'proposal limit reached' });
  const [after] = await queryRows<{ n: number }>(server.database.db, sql`SELECT count(*)::int AS n FROM messages`);
  tt.equal(after.n, before.n, 'nothing written');
});

t.test('GraphQL: at most 5 operations, 5 root fields, and the configured complexity', async (tt) => {
  const ask = async (query: string) => (await post('/graphql', { query }, { 'x-forwarded-for': freshIp() })).json();
  const six = Array.from({ length: 6 }, (_, i) => `query q${i} { spaces { id } }`).join('\n');
  tt.match((await ask(six)).errors, [{ message: 'too many operations: at most 5 in one request' }]);
  const roots = Array.from({ length: 6 }, (_, i) => `s${i}: space(id: "x") { id }`).join(' ');
  tt.match((await ask(`{ ${roots} }`)).errors, [{ message: 'too many root fields: at most 5 in one operation' }]);
  const viaFragment = `fragment f on Query { a: spaces { id } b: spaces { id } c: spaces { id } } { ...f d: spaces { id } e: spaces { id } g: spaces { id } }`;
  tt.match((await ask(viaFragment)).errors, [{ message: 'too many root fields: at most 5 in one operation' }], 'fragments count');
  const wide = `{ spaces { id name about network symbol admins members moderators created private } proposals { id title } }`;
  tt.match((await ask(wide)).errors, [{ message: 'query too complex: at most 12 fields in one request' }]);
  tt.same((await ask('{ spaces { id name } }')).data, { spaces: [{ id: 'quota2.eth', name: 'Quota' }] });
  tt.ok((await ask('{ __schema { queryType { name } } }')).data, 'introspection is not counted');
});

t.test('body and header size limits', async (tt) => {
  const big = await post('/', { address: 'x'.repeat(5000) }, { 'x-forwarded-for': freshIp() });
  tt.equal(big.statusCode, 413);
  tt.same(big.json(), { error: 'client_error', error_description: 'too large message' });
  const response = await fetch(server.url, { headers: { 'x-padding': 'y'.repeat(4096) } });
  tt.equal(response.status, 431);
});

t.test('an idle connection is closed after CONNECTION_TIMEOUT', async (tt) => {
  const { port } = new URL(server.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  // Bounded wait (not a timing assertion): the server must close the socket at some point within it.
  const closed = await new Promise<boolean>((resolve) => {
    const deadline = setTimeout(() => resolve(false), 60_000);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve(true);
    });
    socket.on('error', () => {});
  });
  socket.destroy();
  tt.ok(closed);
});

t.test('CORS for the configured origins only, and security headers', async (tt) => {
  const allowed = await app.inject({ method: 'OPTIONS', url: '/graphql', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'x-forwarded-for': freshIp() } });
  tt.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
  const other = await get('/', { origin: 'https://evil.example', 'x-forwarded-for': freshIp() });
  tt.equal(other.headers['access-control-allow-origin'], undefined);
  tt.equal(other.headers['x-content-type-options'], 'nosniff');
  tt.ok(other.headers['strict-transport-security']);
});

t.test('configuration: defaults are generous, bad values are clear errors that never echo a key', async (tt) => {
  const defaults = loadConfig({ env: {} });
  tt.match(defaults, { rateLimitMax: 100_000, rateLimitSignerMax: 10_000, graphqlMaxOperations: 5, graphqlMaxRootFields: 5, corsOrigins: ['*'], securityHeaders: true });
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
    [{ API_KEYS: '{"short": 1}' }, /^API_KEYS: key #1 is shorter than 16 characters$/],
    [{ API_KEYS: '{"a-secret-key-long-enough": 0}' }, /^API_KEYS: key #1 needs a whole number/],
    [{ API_KEYS: 'nope' }, /^API_KEYS must be a JSON object/],
    [{ API_KEYS_FILE: '/nonexistent/keys.json' }, /^API_KEYS_FILE cannot be read$/],
    [{ CORS_ORIGINS: 'app.example' }, /^CORS_ORIGINS must be/],
    [{ RATE_LIMIT_MAX: '-1' }, /^RATE_LIMIT_MAX must be a whole number/],
    [{ BODY_LIMIT: '10' }, /^BODY_LIMIT must be between/],
  ];
  for (const [env, message] of cases) {
    try {
      loadConfig({ env });
      tt.fail(`${Object.keys(env)[0]} accepted`);
    } catch (error) {
      tt.match((error as Error).message, message);
      tt.notMatch((error as Error).message, /a-secret-key/);
    }
  }
});

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = await new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(redisUrl);
  const socket = net.connect(Number(port || 6379), hostname, () => {
    socket.destroy();
    resolve(true);
  });
  socket.on('error', () => resolve(false));
});

t.test('with REDIS_URL, instances share the limits', { skip: redisReachable ? false : `no Redis at ${redisUrl}` }, async (tt) => {
  // A key of its own, so runs sharing the Redis server do not meet.
  const key = `shared-key-${crypto.randomBytes(8).toString('hex')}`;
  const config = loadConfig({ env: { DATA_DIR: ':memory:', LOG_LEVEL: 'silent', REDIS_URL: redisUrl, API_KEYS: JSON.stringify({ [key]: 4 }) } });
  const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
  const [one, two] = await Promise.all([1, 2].map(() => buildApp({ config, database: server.database, serviceKey, logger: false })));
  try {
    const remaining: string[] = [];
    for (const instance of [one, two, one, two]) {
      const response = await instance.inject({ method: 'GET', url: '/', headers: { 'x-api-key': key } });
      tt.equal(response.statusCode, 200);
      remaining.push(String(response.headers['x-api-key-remaining']));
    }
    tt.same(remaining, ['3', '2', '1', '0'], 'one count across both instances');
    tt.equal((await two.inject({ method: 'GET', url: '/', headers: { 'x-api-key': key } })).statusCode, 429);
  } finally {
    await one.close();
    await two.close();
  }
});
