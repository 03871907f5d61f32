import crypto from 'node:crypto';
import t from 'tap';
import { getAddress } from '@ethersproject/address';
import { checksumAddress } from '../server/ingest/checksum-address.ts';

/** What a function returns, or the message it throws. */
const outcome = (fn: () => string) => {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

t.test('equals ethers getAddress: results and errors', (tt) => {
  const inputs: string[] = [];
  for (let index = 0; index < 500; index++) {
    const checksummed = getAddress(`0x${crypto.randomBytes(20).toString('hex')}`);
    const body = checksummed.slice(2);
    // One letter's case flipped: a wrong checksum, unless the address has no letters.
    const letter = body.search(/[a-fA-F]/);
    const flipped = letter < 0 ? body : body.slice(0, letter) + (body[letter] === body[letter].toLowerCase() ? body[letter].toUpperCase() : body[letter].toLowerCase()) + body.slice(letter + 1);
    inputs.push(checksummed, checksummed.toLowerCase(), `0x${body.toUpperCase()}`, `0x${flipped}`, body.toLowerCase(), `0X${body}`);
  }
  inputs.push('', '0x', '0x123', `0x${'g'.repeat(40)}`, `0x${'0'.repeat(40)}`, `0x${'F'.repeat(40)}`, 'XE7338O073KYGTWWZN0F2WZ0R8PX5ZPPZS', ` 0x${'a'.repeat(40)}`, `0x${'a'.repeat(40)}\n`);
  let differences = 0;
  for (const input of inputs) {
    const ours = outcome(() => checksumAddress(input));
    const theirs = outcome(() => getAddress(input));
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
      differences++;
      tt.fail(`${JSON.stringify(input)}: ${JSON.stringify(ours)} != ${JSON.stringify(theirs)}`);
    }
  }
  tt.equal(differences, 0, `${inputs.length} inputs`);
  tt.ok(inputs.some((input) => 'error' in outcome(() => getAddress(input))), 'wrong checksums among them');
  tt.end();
});
