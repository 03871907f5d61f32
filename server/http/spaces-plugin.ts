/** `GET /api/spaces/:id`: a space's settings JSON, as Snapshot's hub serves it. */
import { and, eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { spaces } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { errorResponseSchema } from './error-response.ts';

const plugin: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get<{ Params: { id: string } }>(
    '/api/spaces/:id',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', additionalProperties: true }, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const [row] = await db
        .select({ settings: spaces.settings, controller: spaces.controller })
        .from(spaces)
        .where(and(eq(spaces.id, request.params.id), eq(spaces.deleted, false)));
      if (!row) throw new ClientError('space not found', 404);
      return { ...(row.settings as object), controller: row.controller };
    },
  );
};

export const spacesPlugin = fp(plugin, { name: 'conclave-spaces' });
