/** GraphQL at `/graphql` (mercurius, JIT on): Snapshot hub's queries over our tables. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import mercurius from 'mercurius';
import { typeDefs } from '../../schema/graphql.ts';
import type { Db } from '../db/open-database.ts';
import { isUnavailable } from '../http/error-response.ts';
import { queryLimitRules, type QueryLimits } from './query-limits.ts';
import { createResolvers } from './resolvers.ts';

export type GraphqlPluginOptions = { db: Db; graphiql: boolean; maxDepth?: number; limits?: QueryLimits };

const DEFAULT_LIMITS: QueryLimits = { maxOperations: 5, maxRootFields: 5, maxComplexity: 1000 };

const plugin: FastifyPluginAsync<GraphqlPluginOptions> = async (app, { db, graphiql, maxDepth = 5, limits = DEFAULT_LIMITS }) => {
  const { resolvers, loaders } = createResolvers({ db });
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers,
    loaders,
    graphiql,
    jit: 1,
    queryDepth: maxDepth,
    validationRules: queryLimitRules(limits),
    // The database gone is the service unavailable (503, retry), not a field error in a 200.
    errorFormatter: (execution, context) => {
      const formatted = mercurius.defaultErrorFormatter(execution, context);
      if (!execution.errors?.some((error) => isUnavailable(error))) return formatted;
      context.reply?.header('retry-after', '5');
      return { statusCode: 503, response: formatted.response };
    },
    path: '/graphql',
  });
};

export const graphqlPlugin = fp(plugin, { name: 'conclave-graphql' });
