import t from 'tap';
import { _TypedDataEncoder } from '@ethersproject/hash';
import { MESSAGE_TYPES, SNAPSHOT_DOMAIN, type MessageKind } from '../schema/eip712.ts';
import { typedDataDigest } from '../server/ingest/typed-data-digest.ts';

// Seeded generator so failures reproduce.
let state = 0x2545f491;
const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
const text = () =>
  Array.from({ length: Math.floor(random() * 40) }, () => pick(['a', 'Z', '0', ' ', 'é', '漢', '🗳', '\n', '"', '\\'])).join('');
const address = () => `0x${Array.from({ length: 40 }, () => pick('0123456789abcdef'.split(''))).join('')}`;
const uint = (bits: number) => (bits === 32 ? Math.floor(random() * 2 ** 32) : Math.floor(random() * Number.MAX_SAFE_INTEGER));

function value(type: string): unknown {
  switch (type) {
    case 'string':
      return text();
    case 'address':
      return address();
    case 'uint32':
      return uint(32);
    case 'uint64':
      return uint(64);
    case 'string[]':
      return Array.from({ length: Math.floor(random() * 5) }, text);
    case 'uint32[]':
      return Array.from({ length: Math.floor(random() * 5) }, () => uint(32));
    default:
      throw new Error(type);
  }
}

const reference = (kind: MessageKind, message: Record<string, unknown>, chainId?: number) => {
  const { primaryType, fields } = MESSAGE_TYPES[kind];
  const domain = chainId === undefined ? SNAPSHOT_DOMAIN : { ...SNAPSHOT_DOMAIN, chainId };
  return _TypedDataEncoder.hash(domain, { [primaryType]: fields }, message);
};

t.test('equals the ethers encoder on random messages of every kind', async (tt) => {
  let compared = 0;
  for (const kind of Object.keys(MESSAGE_TYPES) as MessageKind[]) {
    for (let round = 0; round < 150; round++) {
      const message = Object.fromEntries(MESSAGE_TYPES[kind].fields.map((field) => [field.name, value(field.type)]));
      const chainId = round % 5 === 0 ? pick([1, 10, 137, 42161]) : undefined;
      tt.equal(typedDataDigest(kind, message, chainId), reference(kind, message, chainId));
      compared++;
    }
  }
  tt.ok(compared > 1500);
});

t.test('refuses what the ethers encoder refuses', async (tt) => {
  const good = { from: address(), space: 's', timestamp: 1, proposal: 'p', choice: 1, reason: '', app: '', metadata: '{}' };
  const bad: Array<Record<string, unknown>> = [
    { ...good, choice: -1 },
    { ...good, choice: 2 ** 32 },
    { ...good, choice: 1.5 },
    { ...good, choice: 'one' },
    { ...good, timestamp: -5 },
    { ...good, space: null },
  ];
  for (const message of bad) {
    tt.throws(() => reference('vote', message), `ethers refuses ${JSON.stringify(message)}`);
    tt.throws(() => typedDataDigest('vote', message), `we refuse ${JSON.stringify(message)}`);
  }
  // Stricter than ethers, which hashes a number given for a string field: a string field takes a string.
  tt.throws(() => typedDataDigest('vote', { ...good, reason: 42 }), 'a number is not a string');
  const follow = { from: '0xAbCdEf0000000000000000000000000000000000', network: 's', space: 's', timestamp: 1 };
  tt.throws(() => reference('follow', follow), 'ethers refuses a bad checksum');
  tt.throws(() => typedDataDigest('follow', follow), 'so do we');
});
