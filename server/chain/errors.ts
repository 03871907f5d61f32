/** Errors of the JSON-RPC chain access layer. */

/** The node answered with a JSON-RPC error object (e.g. a reverted `eth_call`), or an unusable answer. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly method: string;

  constructor(method: string, code: number, message: string, data?: unknown) {
    super(`${method}: ${message}`);
    this.name = 'RpcError';
    this.method = method;
    this.code = code;
    this.data = data;
  }
}

/** The node could not be reached or answered with an HTTP error after every retry. */
export class RpcTransportError extends Error {
  readonly url: string;

  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super(`rpc transport failed: ${message}`, options);
    this.name = 'RpcTransportError';
    this.url = url;
  }
}

/** No answer within `timeoutMs` on the last attempt. */
export class RpcTimeoutError extends Error {
  readonly url: string;
  readonly timeoutMs: number;

  constructor(url: string, timeoutMs: number) {
    super(`rpc request timed out after ${timeoutMs} ms`);
    this.name = 'RpcTimeoutError';
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}
