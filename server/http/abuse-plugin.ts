/**
 * Abuse limits: requests per IP (or per API key at its own quota, with Snapshot's X-Api-Key-* headers),
 * signed messages per signer address, CORS and security headers. Limits live in Redis when REDIS_URL
 * is set, so several instances share them; a Redis outage lets requests through rather than failing them.
 */
import crypto from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from '../config/load-config.ts';
import { ClientError } from '../errors.ts';
import { securityHeaders } from './security-headers.ts';

/** Routes probes use: never limited. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz']);

const fingerprint = (apiKey: string) => crypto.createHash('sha256').update(apiKey).digest('hex').slice(0, 32);

export type AbuseLimits = {
  /** preHandler for the ingest routes: signed messages per signer address. */
  signerLimit: preHandlerAsyncHookHandler | undefined;
};

/** Registers CORS, security headers and the rate limits on `app` (root context). */
export async function registerAbuseLimits(app: FastifyInstance, config: Config): Promise<AbuseLimits> {
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'x-api-key'],
      exposedHeaders: ['x-api-key-limit', 'x-api-key-remaining', 'x-api-key-reset', 'retry-after'],
      maxAge: 86_400,
    });
  }
  if (config.securityHeaders) {
    const headers = securityHeaders({
      // A JSON API read by browsers on other origins; GraphiQL needs its inline scripts.
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      crossOriginEmbedderPolicy: false,
    });
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  }

  const quotas = new Map(Object.entries(config.apiKeys).map(([key, quota]) => [fingerprint(key), quota]));
  const apiKeyOf = (request: FastifyRequest): string | undefined => {
    const header = request.headers['x-api-key'];
    return typeof header === 'string' && header !== '' ? header : undefined;
  };
  app.decorateRequest('apiKeyId', undefined);
  if (quotas.size > 0) {
    app.addHook('onRequest', async (request) => {
      const key = apiKeyOf(request);
      if (key === undefined) return;
      const id = fingerprint(key);
      if (!quotas.has(id)) throw new ClientError('invalid api key', 401);
      request.apiKeyId = id;
    });
    // Snapshot's names for the quota of an API key.
    app.addHook('onSend', async (request, reply) => {
      if (!request.apiKeyId) return;
      for (const part of ['limit', 'remaining', 'reset']) {
        const value = reply.getHeader(`x-ratelimit-${part}`);
        if (value !== undefined) reply.header(`x-api-key-${part}`, value);
      }
    });
  }

  const ipLimited = config.rateLimitMax > 0;
  if (!ipLimited && quotas.size === 0 && config.rateLimitSignerMax === 0) return { signerLimit: undefined };

  let redis: Redis | undefined;
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', (error) => app.log.warn({ err: error }, 'rate-limit store unavailable'));
    app.addHook('onClose', async () => {
      redis?.disconnect();
    });
  }
  const tooMany = (_request: FastifyRequest, context: { after: string }) =>
    new ClientError(`too many requests, retry in ${context.after}`, 429);

  // Probes are never limited: decided once per route, not per request.
  app.addHook('onRoute', (route) => {
    if (UNLIMITED_ROUTES.has(route.url)) route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: ipLimited || quotas.size > 0,
    redis,
    nameSpace: 'conclave-rate-',
    skipOnError: true,
    timeWindow: config.rateLimitWindow * 1000,
    keyGenerator: (request) => (request.apiKeyId ? `key:${request.apiKeyId}` : `ip:${request.ip}`),
    // A number and no allow list unless API keys have their own quotas: the plugin awaits each function per request.
    max: quotas.size === 0 ? config.rateLimitMax : (_request, key) => (key.startsWith('key:') ? (quotas.get(key.slice(4)) ?? 1) : config.rateLimitMax),
    ...(ipLimited ? {} : { allowList: (_request: FastifyRequest, key: string) => !key.startsWith('key:') }),
    errorResponseBuilder: tooMany,
  });

  if (config.rateLimitSignerMax === 0) return { signerLimit: undefined };
  // A second limit on the same request: the plugin's own handler runs once per request, so check by hand.
  const checkSigner = app.createRateLimit({
    max: config.rateLimitSignerMax,
    timeWindow: config.rateLimitWindow * 1000,
    allowList: () => false,
    keyGenerator: (request) => {
      const body = request.body as { address?: unknown } | undefined;
      return typeof body?.address === 'string' ? `signer:${body.address.toLowerCase()}` : `signer-ip:${request.ip}`;
    },
  });
  const signerLimit: preHandlerAsyncHookHandler = async (request, reply) => {
    const outcome = await checkSigner(request);
    if (outcome.isAllowed || !outcome.isExceeded) return;
    reply.header('retry-after', String(outcome.ttlInSeconds));
    throw new ClientError(`too many messages from this address, retry in ${outcome.ttlInSeconds} s`, 429);
  };
  return { signerLimit };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Fingerprint of the request's valid API key, if any. */
    apiKeyId: string | undefined;
  }
}
