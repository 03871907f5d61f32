/** The console's only ways to the service: GraphQL over HTTP, GraphQL subscriptions over a websocket, and public REST writes. */
import { createClient, type Client } from 'graphql-ws';

export class ApiError extends Error {}

/** Runs a GraphQL query on the service that served the page; throws with the first error's message. */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new ApiError(body.errors[0].message);
  if (!response.ok || !body.data) throw new ApiError(`GraphQL answered ${response.status}`);
  return body.data;
}

let client: Client | undefined;

/** One websocket for every subscription of the page (graphql-transport-ws), opened on first use and retried when it drops. */
function wsClient(): Client {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  return client;
}

/** Subscribes; `onData` gets each event's data. Returns the unsubscribe function. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void {
  return wsClient().subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.data) onData(value.data as T);
      },
      error: (error) => console.warn('subscription error', error),
      complete: () => {},
    },
  );
}

/** Calls `listener` each time the websocket (re)connects, so a view re-reads what it may have missed; returns the remover. */
export function onConnected(listener: () => void): () => void {
  return wsClient().on('connected', listener);
}

/** POSTs JSON to a public REST route; throws with the service's `detail` / `error_description` when refused. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) throw new ApiError(String(parsed.detail ?? parsed.error_description ?? `HTTP ${response.status}`));
  return parsed as T;
}
