/** Worker thread body for `createSignaturePool`: recovers the signers of batches of (digest, signature) pairs. */
import { parentPort, workerData } from 'node:worker_threads';
import { recoverAddressHex, useSignatureBackend, type SignatureBackend } from './recover-signer.ts';

useSignatureBackend((workerData as { backend: SignatureBackend }).backend);

parentPort!.on('message', ({ id, digests, signatures }: { id: number; digests: string[]; signatures: string[] }) => {
  parentPort!.postMessage({ id, addresses: digests.map((digest, index) => recoverAddressHex(digest, signatures[index])) });
});
