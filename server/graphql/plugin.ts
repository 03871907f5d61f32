/** GraphQL at `/graphql` (mercurius, JIT on): Snapshot hub's queries over our tables, and subscriptions over websocket. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import fastifyWebsocket from '@fastify/websocket';
import mercurius from 'mercurius';
import { typeDefs } from '../../schema/graphql.ts';
import type { Db } from '../db/open-database.ts';
import type { Membership } from '../membership/create-membership.ts';
import type { Hub } from '../realtime/hub.ts';
import { isUnavailable } from '../http/error-response.ts';
import { queryLimitRules, type QueryLimits } from './query-limits.ts';
import { createResolvers } from './resolvers.ts';
import { createSubscriptionResolvers } from './subscriptions.ts';
import { createWsTransport } from './ws-transport.ts';

export type GraphqlPluginOptions = {
  /** The database queries read (a replica when `DATABASE_READ_URL` is set). */
  db: Db;
  graphiql: boolean;
  /** Live subscriptions (graphql-ws protocol on `GET /graphql` upgraded to a websocket). */
  hub: Hub;
  /** Credential submission and identity status (on the primary database). */
  membership: Membership;
  maxDepth?: number;
  limits?: QueryLimits;
};

const DEFAULT_LIMITS: QueryLimits = { maxOperations: 5, maxRootFields: 5, maxComplexity: 1000 };

const plugin: FastifyPluginAsync<GraphqlPluginOptions> = async (app, { db, graphiql, hub, membership, maxDepth = 5, limits = DEFAULT_LIMITS }) => {
  const { resolvers, loaders } = createResolvers({ db, membership });
  const rules = queryLimitRules(limits);
  // Subscriptions are served by our own websocket handler on mercurius' `GET /graphql` (shared rendering per
  // event, see ws-transport.ts); it is attached to the route before @fastify/websocket looks at it.
  const wsHandler = createWsTransport({ app, hub, rules, maxDepth, keepAliveMs: 30_000 });
  app.addHook('onRoute', (route) => {
    if (route.url === '/graphql' && route.method === 'GET') route.wsHandler = wsHandler;
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: { ...resolvers, ...createSubscriptionResolvers() },
    loaders,
    graphiql,
    jit: 1,
    queryDepth: maxDepth,
    validationRules: rules,
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
