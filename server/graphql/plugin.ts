/** GraphQL at `/graphql` (mercurius, JIT on): Snapshot hub's queries over our tables. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import mercurius from 'mercurius';
import { typeDefs } from '../../schema/graphql.ts';
import type { Db } from '../db/open-database.ts';
import { createResolvers } from './resolvers.ts';

export type GraphqlPluginOptions = { db: Db; graphiql: boolean };

const plugin: FastifyPluginAsync<GraphqlPluginOptions> = async (app, { db, graphiql }) => {
  const { resolvers, loaders } = createResolvers({ db });
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers,
    loaders,
    graphiql,
    jit: 1,
    queryDepth: 5,
    path: '/graphql',
  });
};

export const graphqlPlugin = fp(plugin, { name: 'conclave-graphql' });
