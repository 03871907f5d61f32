import crypto from 'node:crypto';
import t from 'tap';
import { getAddress } from '@ethersproject/address';
import { checksumAddress } from '../server/ingest/checksum-address.ts';

/** What a function returns or the message it throws. */
const outcome = (run: () => string) => {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

t.test('checksumAddress gives what getAddress gives, or throws what it throws', async (tt) => {
  const cases: string[] = [
    '', '0x', '0x123', 'not an address', `0x${'g'.repeat(40)}`, `0x${'0'.repeat(40)}`, `0x${'F'.repeat(40)}`,
    'XE7338O073KYGTWWZN0F2WZ0R8PX5ZPPZS', ` 0x${'a'.repeat(40)}`, `0x${'a'.repeat(40)}\n`,
  ];
  for (let index = 0; index < 500; index++) {
    const lower = `0x${crypto.randomBytes(20).toString('hex')}`;
    const good = getAddress(lower);
    // A checksum off by one letter's case, where the address has letters to flip.
    const flip = good.search(/[a-fA-F]/);
    const bad = flip < 0 ? good : good.slice(0, flip) + (good[flip] === good[flip].toLowerCase() ? good[flip].toUpperCase() : good[flip].toLowerCase()) + good.slice(flip + 1);
    cases.push(lower, good, `0x${lower.slice(2).toUpperCase()}`, lower.slice(2), bad, `0X${good.slice(2)}`);
  }
  for (const address of cases) tt.same(outcome(() => checksumAddress(address)), outcome(() => getAddress(address)), JSON.stringify(address));
  tt.ok(cases.some((address) => 'error' in outcome(() => getAddress(address))), 'wrong checksums among them');
});
