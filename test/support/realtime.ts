/** Test helpers for live features: a graphql-ws client that records what it receives, and waiting with a deadline. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (generous: machines are loaded). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<Awaited<T>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<Awaited<T>>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export type Recorder = { events: any[]; errors: unknown[]; completed: boolean; dispose(): void };

/** A graphql-ws client on `baseUrl` (http://…). */
export function wsClient(baseUrl: string): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and records every `data` payload. */
export function record(client: Client, query: string, variables: Record<string, unknown> = {}): Recorder {
  const recorder: Recorder = { events: [], errors: [], completed: false, dispose: () => {} };
  recorder.dispose = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) recorder.errors.push(value.errors);
        else recorder.events.push(value.data);
      },
      error: (error) => recorder.errors.push(error),
      complete: () => (recorder.completed = true),
    },
  );
  return recorder;
}

/** Reads an instance's live counters (`GET /api/realtime`). */
export async function realtimeStats(baseUrl: string): Promise<{ bus: string; jobs: string; subscriptions: number; topics: number; dropped: number; renders: number; frames: number }> {
  return (await fetch(`${baseUrl}/api/realtime`)).json() as any;
}
