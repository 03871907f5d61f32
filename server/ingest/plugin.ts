/** Ingest routes: Snapshot's sequencer endpoints (`POST /`, `POST /api/msg`) and `GET /`. */
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { ingestMessage, type IngestDependencies, type Receipt } from './ingest-message.ts';
import { errorResponseSchema } from '../http/error-response.ts';
import { createRecordCache } from './record-cache.ts';

declare module 'fastify' {
  interface FastifyInstance {
    ingest(body: unknown): Promise<Receipt>;
  }
}

export type IngestPluginOptions = Omit<IngestDependencies, 'inFlight' | 'spaces' | 'proposals'> & {
  version: string;
  /** Runs once the body is parsed, before the message is handled (the per-signer rate limit). */
  preHandler?: preHandlerAsyncHookHandler | undefined;
};

const receiptSchema = {
  type: 'object',
  required: ['id', 'ipfs', 'relayer'],
  properties: {
    id: { type: 'string' },
    ipfs: { type: 'string' },
    relayer: {
      type: 'object',
      required: ['address', 'receipt'],
      properties: { address: { type: 'string' }, receipt: { type: 'string' } },
    },
  },
} as const;

const ingestRoute = {
  schema: {
    body: { type: 'object' },
    response: { 200: receiptSchema, '4xx': errorResponseSchema, '5xx': errorResponseSchema },
  },
} as const;

const plugin: FastifyPluginAsync<IngestPluginOptions> = async (app, { version, preHandler, ...deps }) => {
  const dependencies: IngestDependencies = {
    ...deps,
    inFlight: new Map(),
    spaces: createRecordCache(),
    proposals: createRecordCache(),
  };
  app.decorate('ingest', (body: unknown) => ingestMessage(dependencies, { body }));

  const route = preHandler ? { ...ingestRoute, preHandler } : ingestRoute;
  app.post('/', route, (request) => app.ingest(request.body));
  app.post('/api/msg', route, (request) => app.ingest(request.body));
  app.post(
    '/api/message',
    { schema: { response: { 410: errorResponseSchema } } },
    async (_request, reply) =>
      reply.code(410).send({ error: 'client_error', error_description: 'personal_sign messages are no longer accepted; sign with EIP-712' }),
  );

  app.get(
    '/',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['name', 'version', 'relayer'],
            properties: { name: { type: 'string' }, version: { type: 'string' }, relayer: { type: 'string' } },
          },
        },
      },
    },
    async () => ({ name: 'conclave', version, relayer: deps.serviceKey.address }),
  );
};

export const ingestPlugin = fp(plugin, { name: 'conclave-ingest' });
