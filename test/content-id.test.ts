import t from 'tap';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { canonicalJson, contentId, settleCanonicalJson } from '../server/ingest/content-id.ts';
import { seededRandom, type Random } from './support/seeded-random.ts';

/** The definition, written plainly: sorted keys, undefined members left out, JSON.stringify for the rest. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${reference(child)}`).join(',')}}`;
}

/** The content id as multiformats computes it end to end. */
async function referenceCid(value: unknown): Promise<string> {
  return CID.createV1(0x0200, await sha256.digest(new TextEncoder().encode(reference(value)))).toString();
}

const KEYS = ['a', 'b', 'B', '10', '9', '01', ' 1', 'é', '漢', '🗳', '__proto__', 'constructor', ''];

function randomValue(random: Random, depth: number): unknown {
  const pick = random.int(0, depth > 3 ? 5 : 7);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -0, 1.5, 1e21, -7, 2 ** 53, 1e-7]);
    case 3:
      return random.pick(['', 'x', 'quote " and \\ and \n', 'é漢🗳', '\u2028', '{"json":1}']);
    case 4:
      return undefined;
    case 5:
      return random.pick(['0xabc', 'bench.eth']);
    case 6:
      return Array.from({ length: random.int(0, 4) }, () => randomValue(random, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      // Now and then a wide object, so keys are sorted past the small-object path too.
      const wide = random.chance(0.1);
      for (let index = wide ? random.int(12, 30) : random.int(0, 5); index > 0; index--) {
        const key = wide && random.chance(0.5) ? `k${random.int(0, 40)}` : random.pick(KEYS);
        Object.defineProperty(object, key, { value: randomValue(random, depth + 1), enumerable: true, configurable: true, writable: true });
      }
      return object;
    }
  }
}

t.test('canonicalJson and contentId equal the plain definition on random values', async (tt) => {
  const random = seededRandom(712);
  for (let index = 0; index < 2000; index++) {
    const value = randomValue(random, 0);
    const expected = reference(value);
    if (canonicalJson(value) !== expected) tt.fail(`${canonicalJson(value)} != ${expected}`);
    if (index % 10 === 0 && (await contentId(value)) !== (await referenceCid(value))) tt.fail(`content id of ${expected}`);
  }
  for (const text of ['{"__proto__": 1, "x": [1, {"b": 2, "a": 1}]}', '{"1": 1e400, "2": -0.0, "3": 1e-7}', '{}', '[]']) {
    const value = JSON.parse(text) as unknown;
    tt.equal(canonicalJson(value), reference(value), text);
    tt.equal(await contentId(value), await referenceCid(value), `content id of ${text}`);
  }
});

t.test('a settled object is written as when it was settled, inside other values too', async (tt) => {
  const data = { message: { b: 1, a: 'x' }, types: { Vote: [{ name: 'a', type: 'string' }] } };
  const text = settleCanonicalJson(data);
  tt.equal(text, reference(data));
  const envelope = { sig: '0x01', address: '0x02', data };
  tt.equal(canonicalJson(envelope), reference(envelope));
  tt.equal(canonicalJson([1, envelope]), reference([1, envelope]));
  tt.equal(await contentId({ hash: '0x03', ...envelope }), await referenceCid({ hash: '0x03', ...envelope }));
});
