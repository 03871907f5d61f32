/** Worker thread entry of WorkerAnalyzerHost: runs a LocalAnalyzerHost and answers each request in order. */
import { parentPort } from 'node:worker_threads';
import { LocalAnalyzerHost } from './analyzer-host.ts';
import type { WorkerRequest, WorkerResponse } from './worker-analyzer-host.ts';

const host = new LocalAnalyzerHost();
parentPort!.on('message', (request: WorkerRequest) => {
  if (request.op === 'drop') {
    host.drop(request.proposal);
    return;
  }
  let response: WorkerResponse;
  try {
    const result = request.op === 'build' ? host.buildNow(request.build) : host.updateNow(request.update);
    response = { seq: request.seq, result };
  } catch (error) {
    response = { seq: request.seq, error: { name: (error as Error).name, message: (error as Error).message } };
  }
  parentPort!.postMessage(response);
});
