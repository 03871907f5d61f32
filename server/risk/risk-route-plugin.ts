/** `GET /api/proposals/:id/risk`: the proposal's latest risk report (live while voting is open, final once decided). */
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { riskReports } from '../../schema/ai-tables.ts';
import { proposals } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { errorResponseSchema } from '../http/error-response.ts';
import { riskView, riskViewSchema } from './risk-view.ts';
import type { StoredRisk } from './types.ts';

const plugin: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get<{ Params: { id: string } }>(
    '/api/proposals/:id/risk',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        response: { 200: riskViewSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      // Joined with the proposal: a deleted proposal's last report is not served.
      const [row] = await db
        .select({ report: riskReports.report })
        .from(riskReports)
        .innerJoin(proposals, eq(proposals.id, riskReports.proposal))
        .where(eq(riskReports.proposal, request.params.id));
      if (!row) throw new ClientError('no risk report for this proposal (unknown, or no vote analysed yet)', 404);
      return riskView(row.report as StoredRisk);
    },
  );
};

export const riskRoutePlugin = fp(plugin, { name: 'conclave-risk-route' });
