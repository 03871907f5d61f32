/**
 * The web console: the static build in console/dist (see scripts/build-console.ts) served from memory.
 * A browser's `GET /` (Accept: text/html) gets the page; API clients keep getting the service info JSON.
 * Bundles have content-hashed names and are cached for a year; the page itself is revalidated each time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ClientError } from '../errors.ts';
import { errorResponseSchema } from '../http/error-response.ts';

export const DEFAULT_CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

export type ConsolePluginOptions = {
  /** The build output; DEFAULT_CONSOLE_DIR unless a test points elsewhere. */
  dir?: string;
};

type Asset = { body: Buffer; gzip: Buffer; type: string };

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8' };

// Only the service itself: the page reads /graphql (HTTP and same-origin websocket) and posts to its REST routes.
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>conclave: console not built</title></head>
<body><h1>The web console is not built</h1><p>Run <code>npm run build:console</code> (npm install runs it), then reload.
The API is at <a href="/graphql">/graphql</a>.</p></body></html>`;

/** Reads every file of the build, with its gzip form; null when there is no build. */
function loadBuild(dir: string): Map<string, Asset> | null {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = fs.readFileSync(path.join(dir, name));
    assets.set(name, { body, gzip: zlib.gzipSync(body, { level: 9 }), type });
  }
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string) {
  reply.header('content-type', asset.type).header('cache-control', cacheControl).header('vary', 'accept-encoding');
  if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

const plugin: FastifyPluginAsync<ConsolePluginOptions> = async (app, { dir = DEFAULT_CONSOLE_DIR }) => {
  const assets = loadBuild(dir);
  if (!assets) app.log.warn({ dir }, 'web console not built: run `npm run build:console`; GET / serves a notice until then');

  // The page shares `/` with the service info: a browser asks for HTML, Snapshot clients and curl do not.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || request.url.split('?')[0] !== '/' || !String(request.headers.accept ?? '').includes('text/html')) return;
    reply.header('content-security-policy', CONSOLE_CSP);
    const index = assets?.get('index.html');
    if (!index) return reply.code(503).header('content-type', TYPES['.html']).header('cache-control', 'no-store').send(NOT_BUILT);
    return send(request, reply, index, 'no-cache');
  });

  app.get<{ Params: { file: string } }>(
    '/console/:file',
    {
      schema: {
        params: { type: 'object', required: ['file'], properties: { file: { type: 'string', maxLength: 100 } } },
        response: { 404: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const asset = request.params.file === 'index.html' ? undefined : assets?.get(request.params.file);
      if (!asset) throw new ClientError('not found', 404);
      return send(request, reply, asset, 'public, max-age=31536000, immutable');
    },
  );
};

export const consolePlugin = fp(plugin, { name: 'conclave-console' });
