/** Liveness (`/healthz`) and readiness (`/readyz`: the database answers) probes. */
import { sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/open-database.ts';
import { errorResponseSchema } from './error-response.ts';

const statusSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;

const plugin: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get('/healthz', { schema: { response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { response: { 200: statusSchema, 503: errorResponseSchema } } },
    async (request, reply) => {
      try {
        await db.execute(sql`SELECT 1`);
        return { status: 'ready' };
      } catch (error) {
        request.log.warn({ err: error }, 'database not ready');
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ error: 'server_error', error_description: 'database unavailable' });
      }
    },
  );
};

export const healthPlugin = fp(plugin, { name: 'conclave-health' });
