/** A small JSON-RPC 2.0 client over fetch: batching within a tick, timeouts, retries with backoff. */
import { RpcError, RpcTimeoutError, RpcTransportError } from './errors.ts';

export type RpcClient = {
  readonly url: string;
  /** Sends one JSON-RPC call; calls made in the same tick share one HTTP batch request. */
  request<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
};

export type CreateRpcClientParameters = {
  url: string;
  /** Per HTTP attempt; default 10 s. */
  timeoutMs?: number;
  /** Further attempts after a transport failure, timeout, HTTP 429 or 5xx; default 2. */
  retries?: number;
  /** First backoff delay, doubled on every retry; default 100 ms. */
  retryDelayMs?: number;
  /** Most calls in one HTTP batch; larger queues are split into several concurrent batches. Default 50. */
  maxBatchSize?: number;
  fetch?: typeof fetch;
};

type Pending = {
  id: number;
  method: string;
  params: readonly unknown[];
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
};

type JsonRpcResponse = {
  id?: number | string | null;
  result?: unknown;
  error?: { code?: number; message?: string; data?: unknown };
};

class RetryableError extends Error {}

/** Creates a JSON-RPC client for one endpoint. */
export function createRpcClient(parameters: CreateRpcClientParameters): RpcClient {
  const { url } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 10_000;
  const retries = parameters.retries ?? 2;
  const retryDelayMs = parameters.retryDelayMs ?? 100;
  const maxBatchSize = Math.max(1, parameters.maxBatchSize ?? 50);
  const doFetch = parameters.fetch ?? fetch;

  let nextId = 1;
  let queue: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const calls = queue;
    queue = [];
    for (let i = 0; i < calls.length; i += maxBatchSize) {
      void send(calls.slice(i, i + maxBatchSize));
    }
  }

  async function send(calls: Pending[]): Promise<void> {
    const body =
      calls.length === 1
        ? JSON.stringify(toMessage(calls[0]))
        : JSON.stringify(calls.map(toMessage));
    let payload: unknown;
    try {
      payload = await postWithRetries(body);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    settle(calls, payload);
  }

  async function postWithRetries(body: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await post(body);
      } catch (error) {
        const retryable = error instanceof RetryableError || error instanceof RpcTimeoutError;
        if (!retryable || attempt >= retries) {
          if (error instanceof RetryableError) {
            throw new RpcTransportError(url, error.message, { cause: error.cause });
          }
          throw error;
        }
        await sleep(retryDelayMs * 2 ** attempt);
      }
    }
  }

  async function post(body: string): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (isTimeout(error)) throw new RpcTimeoutError(url, timeoutMs);
      throw new RetryableError(describe(error), { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (isTimeout(error)) throw new RpcTimeoutError(url, timeoutMs);
      throw new RetryableError(describe(error), { cause: error });
    }
    const payload = parseJson(text);
    if (response.ok) {
      if (payload === undefined) throw new RpcTransportError(url, 'response is not JSON');
      return payload;
    }
    // Some nodes send a call's JSON-RPC error (e.g. a revert) with HTTP 4xx/5xx: that is an answer.
    if (response.status !== 429 && answersCalls(payload)) return payload;
    if (response.status === 429 || response.status >= 500) throw new RetryableError(`HTTP ${response.status}`);
    throw new RpcTransportError(url, `HTTP ${response.status}`);
  }

  function settle(calls: Pending[], payload: unknown): void {
    const responses = Array.isArray(payload) ? (payload as JsonRpcResponse[]) : [payload as JsonRpcResponse];
    const byId = new Map<unknown, JsonRpcResponse>();
    for (const response of responses) {
      if (response && typeof response === 'object') byId.set(response.id, response);
    }
    // A batch refused as a whole comes back as one error object without our ids.
    const whole = !Array.isArray(payload) && calls.length > 1 ? (payload as JsonRpcResponse) : undefined;
    for (const call of calls) {
      const response = byId.get(call.id) ?? whole;
      if (!response) {
        call.reject(new RpcError(call.method, -32603, 'no response for this call in the batch'));
      } else if (response.error) {
        const { code, message, data } = response.error;
        call.reject(new RpcError(call.method, code ?? -32603, message ?? 'unknown error', data));
      } else if (!('result' in response)) {
        call.reject(new RpcError(call.method, -32603, 'response has neither result nor error'));
      } else {
        call.resolve(response.result);
      }
    }
  }

  return {
    url,
    request<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ id: nextId++, method, params, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

function toMessage(call: Pending): { jsonrpc: '2.0'; id: number; method: string; params: readonly unknown[] } {
  return { jsonrpc: '2.0', id: call.id, method: call.method, params: call.params };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether a payload is JSON-RPC responses carrying call ids (not a bare error page or a null-id error). */
function answersCalls(payload: unknown): boolean {
  const items = Array.isArray(payload) ? payload : [payload];
  return (
    items.length > 0 &&
    items.every((item) => item !== null && typeof item === 'object' && 'jsonrpc' in item && typeof item.id === 'number')
  );
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? ` (${String(cause.code)})` : '';
    return `${error.message}${code}`;
  }
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
