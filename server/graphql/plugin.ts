/** GraphQL at `/graphql` (mercurius, JIT on): Snapshot hub's queries over our tables. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import mercurius from 'mercurius';
import { typeDefs } from '../../schema/graphql.ts';
import type { Db } from '../db/open-database.ts';
import type { Membership } from '../membership/create-membership.ts';
import { createResolvers } from './resolvers.ts';

export type GraphqlPluginOptions = { db: Db; graphiql: boolean; membership: Membership };

const plugin: FastifyPluginAsync<GraphqlPluginOptions> = async (app, { db, graphiql, membership }) => {
  const { resolvers, loaders } = createResolvers({ db, membership });
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
