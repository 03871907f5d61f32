/**
 * Webhook administration, per space: register, list, remove, and read the delivery log. Allowed to the operator
 * (`authorization: Bearer <ADMIN_API_KEY>`) and to the space's own admins (controller and `admins`), who sign in
 * with Ethereum (`POST /api/auth/siwe`) and send that session token instead.
 */
import crypto from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { webhookAttempts, webhookDeliveries, webhooks } from '../../schema/realtime-tables.ts';
import { spaces } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { loadSpace, spaceRole } from '../ingest/records.ts';
import { bearerToken, readSessionToken } from '../membership/admin-session.ts';
import type { ServiceKey } from '../service-key.ts';
import { ClientError } from '../errors.ts';
import { errorResponseSchema } from '../http/error-response.ts';
import { WEBHOOK_EVENTS } from './events.ts';

export type WebhooksPluginOptions = { db: Db; adminApiKey: string | undefined; serviceKey: ServiceKey };

const webhookSchema = {
  type: 'object',
  required: ['id', 'space', 'url', 'events', 'created'],
  properties: {
    id: { type: 'string' },
    space: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    created: { type: 'integer' },
    secret: { type: 'string' },
  },
} as const;

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    event: { type: 'string' },
    status: { type: 'string' },
    attempts: { type: 'integer' },
    created: { type: 'integer' },
    next_attempt: { type: ['integer', 'null'] },
    delivered: { type: ['integer', 'null'] },
    last_status_code: { type: ['integer', 'null'] },
    last_error: { type: ['string', 'null'] },
    body: { type: 'string' },
    log: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          attempt: { type: 'integer' },
          at: { type: 'integer' },
          status_code: { type: ['integer', 'null'] },
          error: { type: ['string', 'null'] },
          duration_ms: { type: 'integer' },
        },
      },
    },
  },
} as const;

const spaceParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const hookParams = {
  type: 'object',
  required: ['id', 'webhook'],
  properties: { id: { type: 'string', maxLength: 64 }, webhook: { type: 'string', maxLength: 64 } },
} as const;
const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema };

type AuthorizeParameters = WebhooksPluginOptions & { request: FastifyRequest<{ Params: { id: string } }> };

/** Lets the operator key (compared in constant time) or an admin session of the space through; 401/403 otherwise. */
async function authorize({ db, adminApiKey, serviceKey, request }: AuthorizeParameters): Promise<void> {
  const token = bearerToken(request.headers.authorization);
  if (!token) throw new ClientError('the operator key or an admin session of the space is required (sign in with Ethereum at /api/auth/siwe)', 401);
  const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
  if (adminApiKey && crypto.timingSafeEqual(digest(token), digest(adminApiKey))) return;
  const session = readSessionToken(serviceKey, token);
  if (!session) throw new ClientError('wrong API key or expired session', 401);
  const space = await loadSpace(db, request.params.id);
  if (!space || space.deleted) throw new ClientError('space not found', 404);
  if (!spaceRole(space, session.address).admin) throw new ClientError('only an admin of the space can manage its webhooks', 403);
}

const plugin: FastifyPluginAsync<WebhooksPluginOptions> = async (app, options) => {
  const { db } = options;
  app.post<{ Params: { id: string }; Body: { url: string; events: string[]; secret?: string } }>(
    '/api/spaces/:id/webhooks',
    {
      schema: {
        params: spaceParams,
        body: {
          type: 'object',
          required: ['url', 'events'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', maxLength: 2048, pattern: '^https?://' },
            events: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
            secret: { type: 'string', minLength: 16, maxLength: 256 },
          },
        },
        response: { 201: webhookSchema, ...errors },
      },
      preHandler: async (request) => authorize({ ...options, request }),
    },
    async (request, reply) => {
      const [space] = await db.select({ id: spaces.id }).from(spaces).where(and(eq(spaces.id, request.params.id), eq(spaces.deleted, false)));
      if (!space) throw new ClientError('space not found', 404);
      try {
        new URL(request.body.url);
      } catch {
        throw new ClientError('url must be an http(s) URL');
      }
      const row = {
        id: crypto.randomUUID(),
        space: space.id,
        url: request.body.url,
        events: request.body.events,
        secret: request.body.secret ?? crypto.randomBytes(32).toString('hex'),
        created: Date.now(),
      };
      await db.insert(webhooks).values(row);
      // The secret is shown here only.
      return reply.code(201).send(row);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/spaces/:id/webhooks',
    {
      schema: {
        params: spaceParams,
        response: { 200: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array', items: webhookSchema } } }, ...errors },
      },
      preHandler: async (request) => authorize({ ...options, request }),
    },
    async (request) => {
      const rows = await db
        .select({ id: webhooks.id, space: webhooks.space, url: webhooks.url, events: webhooks.events, created: webhooks.created })
        .from(webhooks)
        .where(eq(webhooks.space, request.params.id))
        .orderBy(webhooks.created);
      return { webhooks: rows };
    },
  );

  app.delete<{ Params: { id: string; webhook: string } }>(
    '/api/spaces/:id/webhooks/:webhook',
    {
      schema: { params: hookParams, response: { 204: { type: 'null' }, ...errors } },
      preHandler: async (request) => authorize({ ...options, request }),
    },
    async (request, reply) => {
      const deleted = await db
        .delete(webhooks)
        .where(and(eq(webhooks.id, request.params.webhook), eq(webhooks.space, request.params.id)))
        .returning({ id: webhooks.id });
      if (deleted.length === 0) throw new ClientError('webhook not found', 404);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string; webhook: string }; Querystring: { status?: string; limit?: number } }>(
    '/api/spaces/:id/webhooks/:webhook/deliveries',
    {
      schema: {
        params: hookParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', required: ['deliveries'], properties: { deliveries: { type: 'array', items: deliverySchema } } }, ...errors },
      },
      preHandler: async (request) => authorize({ ...options, request }),
    },
    async (request) => {
      const [hook] = await db
        .select({ id: webhooks.id })
        .from(webhooks)
        .where(and(eq(webhooks.id, request.params.webhook), eq(webhooks.space, request.params.id)));
      if (!hook) throw new ClientError('webhook not found', 404);
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.webhookId, hook.id), ...(request.query.status ? [eq(webhookDeliveries.status, request.query.status)] : [])))
        .orderBy(desc(webhookDeliveries.created), desc(webhookDeliveries.id))
        .limit(request.query.limit ?? 100);
      const attempts =
        rows.length === 0
          ? []
          : await db
              .select()
              .from(webhookAttempts)
              .where(inArray(webhookAttempts.deliveryId, rows.map((row) => row.id)))
              .orderBy(webhookAttempts.attempt);
      return {
        deliveries: rows.map((row) => ({
          id: row.id,
          event: row.event,
          status: row.status,
          attempts: row.attempts,
          created: row.created,
          next_attempt: row.nextAttempt,
          delivered: row.delivered,
          last_status_code: row.lastStatusCode,
          last_error: row.lastError,
          body: row.body,
          log: attempts
            .filter((attempt) => attempt.deliveryId === row.id)
            .map((attempt) => ({ attempt: attempt.attempt, at: attempt.at, status_code: attempt.statusCode, error: attempt.error, duration_ms: attempt.durationMs })),
        })),
      };
    },
  );
};

export const webhooksPlugin = fp(plugin, { name: 'conclave-webhooks' });
