import crypto from 'node:crypto';
import t from 'tap';
import { computeAddress } from '@ethersproject/transactions';
import secp256k1 from 'secp256k1';
import { createSignaturePool } from '../server/ingest/create-signature-pool.ts';
import { recoverAddressHex, recoverSigner } from '../server/ingest/recover-signer.ts';
import { createServiceKey, type ServiceKey } from '../server/service-key.ts';
import { hashMessage } from '@ethersproject/hash';

const serviceKey = createServiceKey(`0x${crypto.randomBytes(32).toString('hex')}`);
const HALF_N = BigInt('0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');
const N = 2n * HALF_N + 1n;

function signed(digest: Buffer) {
  const privateKey = crypto.randomBytes(32);
  const { signature, recid } = secp256k1.ecdsaSign(digest, privateKey);
  return { address: computeAddress(privateKey).toLowerCase(), signature: `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}` };
}

/** Valid, invalid and malformed (digest, signature) pairs, each with what inline recovery answers. */
function cases() {
  const digest = crypto.randomBytes(32);
  const hex = `0x${digest.toString('hex')}`;
  const { address, signature } = signed(digest);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const highS = `${signature.slice(0, 66)}${(N - s).toString(16).padStart(64, '0')}${signature.slice(130)}`;
  const list: Array<{ label: string; digest: string; signature: string }> = [
    { label: 'valid', digest: hex, signature },
    { label: 'v as 0/1', digest: hex, signature: `${signature.slice(0, 130)}0${Number.parseInt(signature.slice(130), 16) - 27}` },
    { label: 'other digest (another signer)', digest: `0x${crypto.randomBytes(32).toString('hex')}`, signature },
    { label: 'too short', digest: hex, signature: signature.slice(0, 100) },
    { label: 'not hex', digest: hex, signature: `0x${'zz'.repeat(65)}` },
    { label: 'v out of range', digest: hex, signature: `${signature.slice(0, 130)}1d` },
    { label: 'high s (malleated)', digest: hex, signature: highS },
    { label: 'zero r and s', digest: hex, signature: `0x${'00'.repeat(64)}1b` },
    { label: 'r beyond the curve order', digest: hex, signature: `0x${'ff'.repeat(32)}${signature.slice(66)}` },
  ];
  return { address, list };
}

t.test('workers recover the same addresses, and the same nulls, as this thread', async (tt) => {
  const pool = createSignaturePool({ workers: 2, backend: 'native', serviceKey });
  tt.teardown(() => pool.close());
  const { address, list } = cases();
  // Asked in one turn: they travel to the workers in one message each.
  const answers = await Promise.all(list.map(({ digest, signature }) => pool.recover(digest, signature)));
  list.forEach(({ label, digest, signature }, index) => tt.equal(answers[index], recoverAddressHex(digest, signature), label));
  tt.equal(answers[0], address, 'the signer');
  tt.equal(answers[1], address, 'the signer, v as 0/1');
  tt.not(answers[2], address, 'another digest recovers someone else');
  tt.same(answers.slice(3), [null, null, null, null, null, null], 'malformed signatures recover nobody');
});

t.test('many requests over several turns come back each to its caller', async (tt) => {
  const pool = createSignaturePool({ workers: 1, backend: 'js', serviceKey });
  tt.teardown(() => pool.close());
  const pairs = Array.from({ length: 40 }, () => {
    const digest = crypto.randomBytes(32);
    return { digest: `0x${digest.toString('hex')}`, ...signed(digest) };
  });
  const answers: Array<Promise<string | null>> = [];
  for (const [index, { digest, signature }] of pairs.entries()) {
    answers.push(pool.recover(digest, signature));
    if (index % 7 === 0) await new Promise((next) => setImmediate(next));
  }
  tt.same(await Promise.all(answers), pairs.map(({ address }) => address));
});

t.test('no workers, or closed ones, recover on this thread with the same answers', async (tt) => {
  const { list } = cases();
  const inline = createSignaturePool({ workers: 0, backend: 'native', serviceKey });
  const closed = createSignaturePool({ workers: 1, backend: 'native', serviceKey });
  // Asked, then closed before the workers answer: the requests in flight are answered here.
  const inFlight = Promise.all(list.map(({ digest, signature }) => closed.recover(digest, signature)));
  await closed.close();
  const expected = list.map(({ digest, signature }) => recoverAddressHex(digest, signature));
  tt.same(await inFlight, expected, 'in flight at close');
  tt.same(await Promise.all(list.map(({ digest, signature }) => closed.recover(digest, signature))), expected, 'after close');
  tt.same(await Promise.all(list.map(({ digest, signature }) => inline.recover(digest, signature))), expected, 'no workers');
  await inline.close();
});

t.test('workers sign receipts exactly as the service key does on this thread', async (tt) => {
  const pool = createSignaturePool({ workers: 2, backend: 'native', serviceKey });
  tt.teardown(() => pool.close());
  const texts = ['', '0x1234', 'é漢🗳 receipt', `0x${'ab'.repeat(65)}`, ...Array.from({ length: 20 }, () => `0x${crypto.randomBytes(65).toString('hex')}`)];
  const [signed, recovered] = await Promise.all([
    Promise.all(texts.map((text) => pool.signMessage(text))),
    pool.recover(`0x${'11'.repeat(32)}`, `0x${'00'.repeat(65)}`),
  ]);
  tt.same(signed, texts.map((text) => serviceKey.signMessage(text)), 'the same (deterministic) signatures');
  tt.equal(recoverSigner(hashMessage(texts[2]), signed[2]), serviceKey.address, 'by the service key');
  tt.equal(recovered, null, 'recoveries and signatures share a turn');
});

t.test('a key made elsewhere than createServiceKey signs on this thread', async (tt) => {
  const wrapped: ServiceKey = { ...serviceKey };
  const pool = createSignaturePool({ workers: 1, backend: 'native', serviceKey: wrapped });
  tt.teardown(() => pool.close());
  tt.equal(await pool.signMessage('0xabcd'), serviceKey.signMessage('0xabcd'));
});
