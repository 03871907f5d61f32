/** `GET /api/proposals/:id/outcome`: the signed decision of a closed proposal. */
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { decisions } from '../../schema/decision-tables.ts';
import type { Db } from '../db/open-database.ts';
import { ClientError } from '../errors.ts';
import { errorResponseSchema } from '../http/error-response.ts';

export const decisionSchema = {
  type: 'object',
  required: ['id', 'proposal', 'outcome', 'signature', 'signer'],
  properties: {
    id: { type: 'string' },
    proposal: { type: 'string' },
    space: { type: 'string' },
    type: { type: 'string' },
    choices: { type: 'array', items: { type: 'string' } },
    scores: { type: 'array', items: { type: 'number' } },
    scoresByStrategy: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    scoresTotal: { type: 'number' },
    winningChoice: { type: ['integer', 'null'] },
    outcome: { type: 'string', enum: ['passed', 'rejected', 'none'] },
    quorum: { type: 'number' },
    quorumType: { type: 'string' },
    quorumReached: { type: 'boolean' },
    reason: { type: 'string' },
    votesCount: { type: 'integer' },
    lastMci: { type: 'integer' },
    votesHash: { type: 'string' },
    resultsHash: { type: 'string' },
    decidedAt: { type: 'integer' },
    signer: { type: 'string' },
    signature: { type: 'string' },
  },
} as const;

const plugin: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get<{ Params: { id: string } }>(
    '/api/proposals/:id/outcome',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        response: { 200: decisionSchema, 404: errorResponseSchema },
      },
    },
    async (request) => {
      const [decision] = await db.select().from(decisions).where(eq(decisions.proposal, request.params.id));
      if (!decision) throw new ClientError('no decision for this proposal (unknown, or voting not yet closed)', 404);
      return decision;
    },
  );
};

export const outcomePlugin = fp(plugin, { name: 'conclave-outcome' });
