/**
 * Signature recovery on worker threads, so the ingest thread parses, checks and writes while another core
 * recovers signers. Requests made in one turn of the event loop go to the workers as one message each (a
 * message costs about as much as a recovery), and the answers are exactly `recoverAddressHex`'s.
 */
import { Worker } from 'node:worker_threads';
import { recoverAddressHex, type SignatureBackend } from './recover-signer.ts';

/** Recovers the signer of a digest as lowercase 0x-hex, or null (as `recoverAddressHex`). */
export type RecoverAddress = (digest: string, signature: string) => Promise<string | null>;

export type CreateSignaturePoolParameters = {
  /** Worker threads; 0 recovers on the calling thread. */
  workers: number;
  /** The implementation the workers use (the process's `SIGNATURE_BACKEND`). */
  backend: SignatureBackend;
};

export type SignaturePool = {
  recover: RecoverAddress;
  /** Stops the workers; later calls recover on the calling thread. */
  close(): Promise<void>;
};

type Request = { digest: string; signature: string; resolve(address: string | null): void };

/** Starts the workers (none when `workers` is 0); `close` stops them. */
export function createSignaturePool({ workers, backend }: CreateSignaturePoolParameters): SignaturePool {
  let pool: Worker[] = [];
  const pending = new Map<number, Request[]>();
  /** Messages each worker has not answered yet: a worker keeps the process alive only while it has some. */
  const busy = new Map<Worker, number>();
  let queue: Request[] = [];
  let scheduled = false;
  let nextId = 0;

  // A worker that fails or stops leaves recovery to this thread; what it held is recovered here, same answers.
  const fallBack = () => {
    const workersLeft = pool;
    pool = [];
    for (const worker of workersLeft) void worker.terminate();
    for (const requests of pending.values()) for (const request of requests) request.resolve(recoverAddressHex(request.digest, request.signature));
    pending.clear();
  };

  if (workers > 0) {
    pool = Array.from({ length: workers }, () => {
      const worker = new Worker(new URL('./signature-worker.ts', import.meta.url), { workerData: { backend } });
      worker.on('message', ({ id, addresses }: { id: number; addresses: Array<string | null> }) => {
        const requests = pending.get(id);
        pending.delete(id);
        const left = (busy.get(worker) ?? 1) - 1;
        busy.set(worker, left);
        if (left === 0) worker.unref();
        requests?.forEach((request, index) => request.resolve(addresses[index]));
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
      for (const request of batch) request.resolve(recoverAddressHex(request.digest, request.signature));
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
      worker.postMessage({ id, digests: requests.map((request) => request.digest), signatures: requests.map((request) => request.signature) });
    }
  };

  return {
    recover(digest, signature) {
      if (pool.length === 0) return Promise.resolve(recoverAddressHex(digest, signature));
      return new Promise((resolve) => {
        queue.push({ digest, signature, resolve });
        if (!scheduled) {
          scheduled = true;
          setImmediate(send);
        }
      });
    },
    async close() {
      const workersLeft = pool;
      pool = [];
      await Promise.all(workersLeft.map((worker) => worker.terminate()));
      fallBack();
    },
  };
}
