/**
 * Signature work on worker threads: recovering signers and signing receipts, so the ingest thread parses,
 * checks and writes while another core does the elliptic-curve work. Jobs asked for in one turn of the event
 * loop go to the workers as one message each (a message costs about as much as a recovery); the answers are
 * exactly those of `recoverAddressHex` and `ServiceKey.signMessage` on the calling thread.
 */
import { Worker } from 'node:worker_threads';
import { exportServiceKey, type ServiceKey } from '../service-key.ts';
import { recoverAddressHex, type SignatureBackend } from './recover-signer.ts';

/** Recovers the signer of a digest as lowercase 0x-hex, or null (as `recoverAddressHex`). */
export type RecoverAddress = (digest: string, signature: string) => Promise<string | null>;

/** A job for a worker: `[digest, signature]` to recover, `[text]` to sign with the service key. */
export type SignatureJob = [digest: string, signature: string] | [text: string];

export type CreateSignaturePoolParameters = {
  /** Worker threads; 0 does the work on the calling thread. */
  workers: number;
  /** The implementation the workers use (the process's `SIGNATURE_BACKEND`). */
  backend: SignatureBackend;
  /** The key receipts are signed with. */
  serviceKey: ServiceKey;
};

export type SignaturePool = {
  recover: RecoverAddress;
  /** `serviceKey.signMessage(text)`, off this thread. */
  signMessage(text: string): Promise<string>;
  /** Stops the workers; later calls run on the calling thread. */
  close(): Promise<void>;
};

type Request = { job: SignatureJob; resolve(result: string | null): void };

/** Starts the workers (none when `workers` is 0); `close` stops them. */
export function createSignaturePool({ workers, backend, serviceKey }: CreateSignaturePoolParameters): SignaturePool {
  let pool: Worker[] = [];
  const pending = new Map<number, Request[]>();
  /** Messages each worker has not answered yet: a worker keeps the process alive only while it has some. */
  const busy = new Map<Worker, number>();
  let queue: Request[] = [];
  let scheduled = false;
  let nextId = 0;

  const inline = (job: SignatureJob): string | null => (job.length === 2 ? recoverAddressHex(job[0], job[1]) : serviceKey.signMessage(job[0]));

  // A worker that fails or stops leaves the work to this thread; what it held is done here, same answers.
  const fallBack = () => {
    const workersLeft = pool;
    pool = [];
    for (const worker of workersLeft) void worker.terminate();
    for (const requests of pending.values()) for (const request of requests) request.resolve(inline(request.job));
    pending.clear();
  };

  if (workers > 0) {
    const workerData = { backend, serviceKey: exportServiceKey(serviceKey) };
    pool = Array.from({ length: workers }, () => {
      const worker = new Worker(new URL('./signature-worker.ts', import.meta.url), { workerData });
      worker.on('message', ({ id, results }: { id: number; results: Array<string | null> }) => {
        const requests = pending.get(id);
        pending.delete(id);
        const left = (busy.get(worker) ?? 1) - 1;
        busy.set(worker, left);
        if (left === 0) worker.unref();
        requests?.forEach((request, index) => request.resolve(results[index]));
      });
      worker.on('error', fallBack);
      worker.on('exit', () => {
        if (pool.includes(worker)) fallBack();
      });
      worker.unref();
      return worker;
    });
  }

  const send = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (pool.length === 0) {
      for (const request of batch) request.resolve(inline(request.job));
      return;
    }
    // Split evenly, so each worker gets one message per turn.
    const size = Math.ceil(batch.length / pool.length);
    for (let start = 0, index = 0; start < batch.length; start += size, index++) {
      const requests = batch.slice(start, start + size);
      const id = nextId++;
      pending.set(id, requests);
      const worker = pool[index];
      busy.set(worker, (busy.get(worker) ?? 0) + 1);
      worker.ref();
      worker.postMessage({ id, jobs: requests.map((request) => request.job) });
    }
  };

  const run = (job: SignatureJob): Promise<string | null> => {
    if (pool.length === 0) return Promise.resolve(inline(job));
    return new Promise((resolve) => {
      queue.push({ job, resolve });
      if (!scheduled) {
        scheduled = true;
        setImmediate(send);
      }
    });
  };

  return {
    recover: (digest, signature) => run([digest, signature]),
    // A key made elsewhere than `createServiceKey` cannot be handed to a worker: it signs here.
    signMessage: (text) =>
      pool.length > 0 && exportServiceKey(serviceKey) !== undefined ? (run([text]) as Promise<string>) : Promise.resolve(serviceKey.signMessage(text)),
    async close() {
      const workersLeft = pool;
      pool = [];
      await Promise.all(workersLeft.map((worker) => worker.terminate()));
      fallBack();
    },
  };
}
