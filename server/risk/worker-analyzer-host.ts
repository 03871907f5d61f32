/**
 * The live analyzers in a worker thread: the sweep's adds, builds and reports run off the event loop, which only
 * loads the rows and copies them over (a 100k-vote build holds the worker ~1 s, not the loop; docs/benchmarks.md).
 */
import { Worker } from 'node:worker_threads';
import type { AnalyzerHost, HostBuild, HostResult, HostUpdate } from './analyzer-host.ts';

export type WorkerRequest =
  | { op: 'build'; seq: number; build: HostBuild }
  | { op: 'update'; seq: number; update: HostUpdate }
  | { op: 'drop'; proposal: string };

export type WorkerResponse = { seq: number; result: HostResult } | { seq: number; error: { name: string; message: string } };

/** Thrown for the requests in flight when the worker stopped; the next request starts a new one (with no analyzers). */
export class AnalyzerWorkerExitError extends Error {
  constructor(code: number) {
    super(`the live analyzer worker stopped (exit code ${code})`);
    this.name = 'AnalyzerWorkerExitError';
  }
}

export class WorkerAnalyzerHost implements AnalyzerHost {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve(result: HostResult): void; reject(error: Error): void }>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./analyzer-worker.ts', import.meta.url));
    worker.on('message', (response: WorkerResponse) => {
      // the waiting entry removes itself (request())
      const waiting = this.pending.get(response.seq);
      if (!waiting) return;
      if ('result' in response) waiting.resolve(response.result);
      else waiting.reject(Object.assign(new Error(response.error.message), { name: response.error.name }));
    });
    // An uncaught error ends the worker: 'exit' rejects what was in flight, and the sweep logs it per proposal.
    worker.on('error', () => {});
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of [...this.pending.values()]) waiting.reject(new AnalyzerWorkerExitError(code));
    });
    // Idle analyzers do not keep the process alive; a request in flight does (see request()).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private request(message: { op: 'build'; build: HostBuild } | { op: 'update'; update: HostUpdate }): Promise<HostResult> {
    const worker = this.start();
    const seq = ++this.seq;
    return new Promise<HostResult>((resolve, reject) => {
      worker.ref();
      const done = () => {
        if (this.pending.size === 0) worker.unref();
      };
      this.pending.set(seq, {
        resolve: (result) => (this.pending.delete(seq), done(), resolve(result)),
        reject: (error) => (this.pending.delete(seq), done(), reject(error)),
      });
      worker.postMessage({ ...message, seq } as WorkerRequest);
    });
  }

  build(build: HostBuild): Promise<HostResult> {
    return this.request({ op: 'build', build });
  }

  update(update: HostUpdate): Promise<HostResult> {
    return this.request({ op: 'update', update });
  }

  drop(proposal: string): void {
    this.worker?.postMessage({ op: 'drop', proposal } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
