/** A local OpenAI-compatible HTTP server for tests: POST /v1/chat/completions answered by a handler. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StubRequest = { model: string; messages: { role: string; content: string }[]; response_format?: Record<string, unknown>; temperature?: number };
export type StubReply = { status?: number; content?: string; delayMs?: number; finish_reason?: string; raw?: string };

export async function startOpenAiStub(handler: (req: StubRequest, n: number) => StubReply | Promise<StubReply>) {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as StubRequest;
      requests.push(parsed);
      const reply = await handler(parsed, requests.length);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      if (reply.raw !== undefined) return void res.end(reply.raw);
      if (status !== 200) return void res.end(JSON.stringify({ error: { message: 'stub error', type: 'server_error' } }));
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: parsed.model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? '', refusal: null }, finish_reason: reply.finish_reason ?? 'stop', logprobs: null }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The JSON payload of the user message of a request. */
export function userPayload(req: StubRequest): Record<string, unknown> {
  return JSON.parse(req.messages.find((m) => m.role === 'user')!.content) as Record<string, unknown>;
}

/** The task name of a request (from its response_format). */
export function taskOf(req: StubRequest): string {
  return ((req.response_format?.json_schema as { name?: string }) ?? {}).name ?? '';
}
