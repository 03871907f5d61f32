/** One shared RpcClient per endpoint URL, so concurrent readers batch together. */
import { createRpcClient, type CreateRpcClientParameters, type RpcClient } from './rpc-client.ts';

export type RpcPool = { get(url: string): RpcClient };

/** Creates a pool whose clients use `options` (all but the URL). */
export function createRpcPool(options: Omit<CreateRpcClientParameters, 'url'> = {}): RpcPool {
  const clients = new Map<string, RpcClient>();
  return {
    get(url) {
      let client = clients.get(url);
      if (!client) {
        client = createRpcClient({ ...options, url });
        clients.set(url, client);
      }
      return client;
    },
  };
}

/** The process-wide pool: every reader of an endpoint shares its client and its batches. */
export const sharedRpcPool: RpcPool = createRpcPool({ timeoutMs: 10_000, retries: 2 });
