/** Worker thread body for `createSignaturePool`: recovers signers and signs receipts, a batch per message. */
import { parentPort, workerData } from 'node:worker_threads';
import { createServiceKey } from '../service-key.ts';
import { recoverAddressHex, useSignatureBackend, type SignatureBackend } from './recover-signer.ts';
import type { SignatureJob } from './create-signature-pool.ts';

const { backend, serviceKey } = workerData as { backend: SignatureBackend; serviceKey: string | undefined };
useSignatureBackend(backend);
const key = serviceKey === undefined ? undefined : createServiceKey(serviceKey);

parentPort!.on('message', ({ id, jobs }: { id: number; jobs: SignatureJob[] }) => {
  parentPort!.postMessage({
    id,
    results: jobs.map((job) => (job.length === 2 ? recoverAddressHex(job[0], job[1]) : key!.signMessage(job[0]))),
  });
});
