import t from 'tap';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import secp256k1 from 'secp256k1';
import { queryRows } from '../server/db/open-database.ts';
import { randomKeys, signEnvelope, type Key } from '../bench/support.ts';
import { startTestServer } from './support/server.ts';

// Property-based fuzzing of the ingest endpoint and GraphQL: fixed seeds and bounded runs, so the same
// cases run every time and the file finishes in well under a minute on an idle machine.
const SEED = 20_261_123;
const INGEST_RUNS = 300;
const GRAPHQL_RUNS = 200;

const server = await startTestServer();
t.teardown(() => server.close());
const { app, config } = server;
const now = () => Math.floor(Date.now() / 1000);
const [controller, voter] = randomKeys(2);

const inject = async (payload: string | object, url = '/') => {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : expandDeep(JSON.stringify(payload)),
  });
  let body: any;
  try {
    body = response.json();
  } catch {
    body = response.body;
  }
  return { status: response.statusCode, body };
};

const accept = async (envelope: string) => {
  const response = await inject(envelope);
  if (response.status !== 200) throw new Error(`setup refused: ${JSON.stringify(response.body)}`);
  return response.body as { id: string };
};

await accept(
  signEnvelope(controller, 'settings', {
    space: 'fuzz.eth',
    timestamp: now(),
    settings: JSON.stringify({ name: 'Fuzz', strategies: [{ name: 'ticket', params: {} }] }),
  }),
);
const proposal = (
  await accept(
    signEnvelope(controller, 'proposal', {
      space: 'fuzz.eth', timestamp: now(), type: 'single-choice', title: 'Fuzz', body: '', discussion: '',
      choices: ['A', 'B', 'C'], labels: [], start: now() - 60, end: now() + 86_400, snapshot: 1, plugins: '{}', privacy: '', app: '',
    }),
  )
).id;

/** The messages a fuzz case starts from, each valid as signed. */
const bases = (key: Key, timestamp = now()) => [
  { kind: 'vote' as const, message: { space: 'fuzz.eth', timestamp, proposal, choice: 1, reason: '', app: '', metadata: '{}' } },
  { kind: 'follow' as const, message: { space: 'fuzz.eth', timestamp, network: 's' } },
  {
    kind: 'proposal' as const,
    message: {
      space: 'fuzz.eth', timestamp, type: 'single-choice', title: 'T', body: '', discussion: '', choices: ['A', 'B'],
      labels: [], start: timestamp, end: timestamp + 3600, snapshot: 1, plugins: '{}', privacy: '', app: '',
    },
  },
];

/** Every table's row count and the log head: a refused message must change none of them. */
async function state(): Promise<string> {
  const [row] = await queryRows<Record<string, unknown>>(
    server.database.db,
    sql`SELECT (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM spaces) AS spaces,
               (SELECT count(*) FROM proposals) AS proposals, (SELECT count(*) FROM votes) AS votes,
               (SELECT count(*) FROM vote_history) AS history, (SELECT count(*) FROM follows) AS follows,
               (SELECT count(*) FROM aliases) AS aliases,
               (SELECT coalesce(max(mci), 0) || ':' || coalesce(max(hash), '') FROM messages WHERE mci = (SELECT max(mci) FROM messages)) AS head`,
  );
  return JSON.stringify(row);
}

// Strings that break naive code: lone surrogates, NUL, direction overrides, combining marks, BOM, huge.
const edgeString = fc.oneof(
  fc.constantFrom('\ud800', '\udfff', 'a\ud800b', '\u0000', 'x\u0000', '\u202e', '🏳️‍🌈', 'a\u0301', '\ufeff', '\uffff', '', ' ', '0x', '𝔘𝔫𝔦'),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.integer({ min: 1, max: 120_000 }).map((length) => 'x'.repeat(length)),
);
// Deeply nested arrays stand as {"__deep__": depth} until sent, so this process never recurses over them.
const deepJson = fc.integer({ min: 10, max: 20_000 }).map((depth) => ({ __deep__: depth }));
const expandDeep = (text: string) => text.replace(/\{"__deep__":(\d+)\}/g, (_, depth) => '['.repeat(Number(depth)) + ']'.repeat(Number(depth)));
const wrongValue = fc.oneof(
  edgeString,
  fc.jsonValue({ maxDepth: 3 }),
  deepJson,
  fc.constantFrom(null, true, -1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}, [[[]]], { __proto__: { polluted: 1 } }),
);

type Case =
  | { kind: 'raw'; text: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'mutate'; base: number; path: number; value: unknown }
  | { kind: 'resign'; base: number; field: number; value: unknown }
  | { kind: 'high-s'; base: number }
  | { kind: 'replay'; base: number }
  | { kind: 'window'; base: number; offset: number };

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(fc.string(), fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '1e999', '{"__proto__":{"x":1}}')) }),
  fc.record({ kind: fc.constant('json' as const), value: fc.oneof(fc.jsonValue({ maxDepth: 4 }), deepJson) }),
  fc.record({ kind: fc.constant('mutate' as const), base: fc.nat(2), path: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('resign' as const), base: fc.nat(2), field: fc.nat(), value: wrongValue }),
  fc.record({ kind: fc.constant('high-s' as const), base: fc.nat(2) }),
  fc.record({ kind: fc.constant('replay' as const), base: fc.nat(2) }),
  fc.record({
    kind: fc.constant('window' as const),
    base: fc.nat(2),
    // Around both edges of the accepted window: [now - maxAge, now + maxLead].
    offset: fc.oneof(
      fc.integer({ min: -config.timestampMaxAge - 5, max: -config.timestampMaxAge + 5 }),
      fc.integer({ min: config.timestampMaxLead - 5, max: config.timestampMaxLead + 5 }),
    ),
  }),
);

/** Every path to a value inside `value` (objects and arrays), as key lists. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([key, child]) => paths(child, [...prefix, key]))];
}

function setPath(root: any, path: string[], value: unknown): any {
  if (path.length === 0) return value;
  const copy = Array.isArray(root) ? [...root] : { ...root };
  copy[path[0]] = setPath(root?.[path[0]], path.slice(1), value);
  return copy;
}

/** Turns a valid signature into its high-s twin (same signer, malleated: EIP-2 refuses it). */
function malleate(sig: string): string {
  const bytes = Buffer.from(sig.slice(2), 'hex');
  const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
  const s = BigInt(`0x${bytes.subarray(32, 64).toString('hex')}`);
  const high = (n - s).toString(16).padStart(64, '0');
  const v = bytes[64] === 27 ? 28 : 27;
  return `0x${bytes.subarray(0, 32).toString('hex')}${high}${v.toString(16)}`;
}

const replayed = new Map<number, string>();
const replayAccepted = new Set<number>();
const fuzzKeys = randomKeys(8);
let sent = 0;
const outcomes = new Map<string, number>();

async function body(c: Case, key: Key): Promise<{ payload: string | object; sentAt: number; timestamp?: number; replay?: boolean }> {
  const sentAt = now();
  switch (c.kind) {
    case 'raw':
      return { payload: c.text, sentAt };
    case 'json':
      return { payload: { value: c.value }.value as object, sentAt };
    case 'mutate': {
      const { kind, message } = bases(key)[c.base];
      const envelope = JSON.parse(signEnvelope(key, kind, message));
      const all = paths(envelope);
      return { payload: setPath(envelope, all[c.path % all.length], c.value), sentAt };
    }
    case 'resign': {
      const { kind, message } = bases(key)[c.base];
      const fields = Object.keys(message);
      const mutated = { ...message, [fields[c.field % fields.length]]: c.value };
      try {
        return { payload: signEnvelope(key, kind, mutated), sentAt };
      } catch {
        // The value cannot even be EIP-712 encoded: send it with the original signature.
        const envelope = JSON.parse(signEnvelope(key, kind, message));
        envelope.data.message = { ...envelope.data.message, ...mutated };
        return { payload: envelope, sentAt };
      }
    }
    case 'high-s': {
      const { kind, message } = bases(key)[c.base];
      const envelope = JSON.parse(signEnvelope(key, kind, message));
      return { payload: { ...envelope, sig: malleate(envelope.sig) }, sentAt };
    }
    case 'replay': {
      let envelope = replayed.get(c.base);
      if (!envelope) {
        const { kind, message } = bases(voter)[c.base];
        envelope = signEnvelope(voter, kind, message);
        replayed.set(c.base, envelope);
      }
      return { payload: envelope, sentAt, replay: true };
    }
    case 'window': {
      const { kind, message } = bases(key, sentAt + c.offset)[c.base];
      return { payload: signEnvelope(key, kind, message), sentAt, timestamp: sentAt + c.offset };
    }
  }
}

t.test('ingest: never a 500, never a write for a refused message, always Snapshot error shape', async (tt) => {
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, fc.nat(fuzzKeys.length - 1), async (c, keyIndex) => {
      const { payload, sentAt, timestamp, replay } = await body(c, fuzzKeys[keyIndex]);
      const before = await state();
      const response = await inject(payload, sent % 2 === 0 ? '/' : '/api/msg');
      const after = await state();
      sent++;
      const label = `${c.kind} ${response.status} ${response.body?.error_description ?? ''}`;
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
      const problems: string[] = [];
      if (response.status >= 500) problems.push(`status ${response.status}`);
      if (response.status !== 200) {
        const shape = response.body && typeof response.body === 'object' && Object.keys(response.body).sort().join(',');
        if (shape !== 'error,error_description' || typeof response.body.error_description !== 'string') {
          problems.push(`error shape ${JSON.stringify(response.body)}`);
        }
        if (after !== before) problems.push(`refused but written: ${before} -> ${after}`);
      } else if (replay && c.kind === 'replay') {
        if (replayAccepted.has(c.base) && after !== before) problems.push('a replayed message was written twice');
        replayAccepted.add(c.base);
      }
      if (response.status === 200 && timestamp !== undefined) {
        if (timestamp < sentAt - config.timestampMaxAge - 2 || timestamp > sentAt + config.timestampMaxLead + 2) {
          problems.push(`accepted a timestamp outside the window: ${timestamp - sentAt}`);
        }
      }
      if (c.kind === 'high-s' && response.status === 200) problems.push('accepted a high-s signature');
      if (problems.length > 0) {
        failures++;
        tt.fail(problems.join('; '), { case: JSON.stringify(c).slice(0, 500) });
      }
      return problems.length === 0;
    }),
    { numRuns: INGEST_RUNS, seed: SEED, endOnFailure: true },
  ).catch((error) => tt.fail(String(error).slice(0, 3000)));
  tt.equal(failures, 0);
  tt.equal(sent, INGEST_RUNS, `${INGEST_RUNS} cases sent`);
  tt.ok([...outcomes.keys()].some((label) => label.startsWith('replay 200')), 'replays were answered with their receipt');
  tt.ok([...outcomes.keys()].some((label) => / 400 /.test(label)), 'refusals happened');
  tt.comment(JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1]).slice(0, 30))));
});

t.test('strings jsonb cannot store are refused before any write, not a 500 for the whole batch', async (tt) => {
  const before = await state();
  for (const reason of ['a\u0000b', 'x\ud800y']) {
    const { message } = bases(voter)[0];
    let envelope: any;
    try {
      envelope = JSON.parse(signEnvelope(voter, 'vote', { ...message, reason }));
    } catch {
      envelope = JSON.parse(signEnvelope(voter, 'vote', message));
      envelope.data.message.reason = reason;
    }
    const response = await inject(envelope);
    tt.equal(response.status, 400, JSON.stringify(reason));
    tt.same(response.body, { error: 'client_error', error_description: 'wrong envelope format' });
  }
  tt.equal(await state(), before);
});

t.test('a replayed message keeps its receipt and is stored once', async (tt) => {
  const envelope = replayed.get(0) ?? signEnvelope(voter, 'vote', bases(voter)[0].message);
  const first = await inject(envelope);
  const before = await state();
  const again = await inject(envelope);
  tt.equal(again.status, 200);
  tt.same(again.body, first.body);
  tt.equal(await state(), before);
});

const ROOTS: Record<string, string> = {
  space: 'id name',
  spaces: 'id name strategies { name }',
  proposal: 'id title scores',
  proposals: 'id title space { id }',
  vote: 'id voter',
  votes: 'id voter choice proposal { id }',
  follows: 'id follower',
  aliases: 'id alias',
  messages: 'mci id hash',
  checkpoints: 'mci hash',
};
const argValue = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc.constantFrom('"fuzz.eth"', '""', '"\\u0000"', 'null', 'true', '1.5', '[]', '{}', '["a"]', 'asc', 'desc', '"mci"', '"created"', '"nope"', '99999999999999999999'),
  fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
);
const argName = fc.constantFrom('id', 'first', 'skip', 'after', 'orderBy', 'orderDirection', 'where', 'bogus');
const whereValue = fc
  .array(fc.tuple(fc.constantFrom('id', 'space', 'space_in', 'created_gt', 'votes_lt', 'state', 'voter', 'mci_gte', 'title_contains', 'x_in'), argValue), { maxLength: 3 })
  .map((pairs) => `{ ${pairs.map(([key, value]) => `${key}: ${value}`).join(', ')} }`);
const rootField = fc
  .tuple(fc.constantFrom(...Object.keys(ROOTS)), fc.array(fc.tuple(argName, fc.oneof(argValue, whereValue)), { maxLength: 3 }), fc.boolean())
  .map(([name, args, selected]) => {
    const list = args.map(([key, value]) => `${key}: ${value}`).join(', ');
    return `${name}${list ? `(${list})` : ''}${selected ? ` { ${ROOTS[name]} }` : ''}`;
  });
const operation = fc.array(rootField, { minLength: 1, maxLength: 8 }).map((fields) => `{ ${fields.map((field, i) => `f${i}: ${field}`).join(' ')} }`);
const queryArb = fc.oneof(
  fc.array(operation, { minLength: 1, maxLength: 8 }).map((ops) => (ops.length === 1 ? ops[0] : ops.map((op, i) => `query q${i} ${op}`).join('\n'))),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 1, max: 40 }).map((depth) => `{ ${'proposals { space { '.repeat(depth)}id${' } }'.repeat(depth)} }`),
  fc.constantFrom('query ($a: Int) { votes(first: $a) { id } }', 'fragment f on Query { ...f } { ...f }', '{ __schema { types { name } } }', 'subscription { x }', 'mutation { x }'),
);

t.test('GraphQL: random queries and variables never give a 500 and never write', async (tt) => {
  let failures = 0;
  const before = await state();
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(queryArb, fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }), fc.record({ a: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) })), fc.boolean(), async (query, variables, useGet) => {
      const response = useGet
        ? await app.inject({ method: 'GET', url: '/graphql', query: { query, ...(variables === undefined ? {} : { variables: JSON.stringify(variables) }) } })
        : await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ query, variables }) });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      let body: any;
      try {
        body = response.json();
      } catch {
        body = undefined;
      }
      const shaped = body && (body.data !== undefined || Array.isArray(body.errors) || typeof body.error_description === 'string');
      if (response.statusCode >= 500 || !shaped) {
        failures++;
        tt.fail(`status ${response.statusCode}: ${response.body.slice(0, 300)}`, { query: query.slice(0, 300), variables });
        return false;
      }
      return true;
    }),
    { numRuns: GRAPHQL_RUNS, seed: SEED, endOnFailure: true },
  ).catch((error) => tt.fail(String(error).slice(0, 3000)));
  tt.equal(failures, 0);
  tt.equal(await state(), before, 'reads wrote nothing');
  tt.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
});
