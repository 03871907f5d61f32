/** `GET /api/checkpoints` and `/api/checkpoints/latest`: the service's signed log checkpoints, for verifiers. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { checkpointStatement, listCheckpoints, type Checkpoint } from '../log/checkpoint.ts';
import { errorResponseSchema } from './error-response.ts';

const checkpointSchema = {
  type: 'object',
  required: ['mci', 'hash', 'signature', 'signer', 'created', 'statement'],
  properties: {
    mci: { type: 'integer' },
    hash: { type: 'string' },
    signature: { type: 'string' },
    signer: { type: 'string' },
    created: { type: 'integer' },
    statement: { type: 'string' },
  },
} as const;

const view = (checkpoint: Checkpoint) => ({ ...checkpoint, statement: checkpointStatement(checkpoint) });

const plugin: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get<{ Querystring: { first?: number; skip?: number } }>(
    '/api/checkpoints',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { first: { type: 'integer', minimum: 0, maximum: 1000 }, skip: { type: 'integer', minimum: 0, maximum: 100000 } },
        },
        response: { 200: { type: 'array', items: checkpointSchema }, '4xx': errorResponseSchema, '5xx': errorResponseSchema },
      },
    },
    async (request) => (await listCheckpoints({ db, first: request.query.first, skip: request.query.skip })).map(view),
  );
  app.get(
    '/api/checkpoints/latest',
    { schema: { response: { 200: checkpointSchema, '4xx': errorResponseSchema, '5xx': errorResponseSchema } } },
    async () => {
      const [latest] = await listCheckpoints({ db, first: 1 });
      if (!latest) throw new ClientError('no checkpoint yet', 404);
      return view(latest);
    },
  );
};

export const checkpointsPlugin = fp(plugin, { name: 'conclave-checkpoints' });
