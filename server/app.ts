/** Builds the service: every feature is a plugin over one database and one service key. */
import fs from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/load-config.ts';
import type { Database } from './db/open-database.ts';
import { graphqlPlugin } from './graphql/plugin.ts';
import { registerAbuseLimits } from './http/abuse-plugin.ts';
import { checkpointsPlugin } from './http/checkpoints-plugin.ts';
import { handleError } from './http/error-response.ts';
import { healthPlugin } from './http/health-plugin.ts';
import { identityPlugin } from './http/identity-plugin.ts';
import { spacesPlugin } from './http/spaces-plugin.ts';
import { createLogWriter, type LogWriter } from './ingest/log-writer.ts';
import { ingestPlugin } from './ingest/plugin.ts';
import { createSignaturePool } from './ingest/create-signature-pool.ts';
import { createMembership, type Membership } from './membership/create-membership.ts';
import { createHub } from './realtime/hub.ts';
import { realtimePlugin } from './realtime/plugin.ts';
import { finalizerPlugin } from './scoring/finalizer-plugin.ts';
import { decideProposal, type DecideDue } from './scoring/decide-proposal.ts';
import { outcomePlugin } from './scoring/outcome-plugin.ts';
import { StructuredLlm } from './ai/llm/client.ts';
import { riskPlugin } from './risk/risk-plugin.ts';
import { riskRoutePlugin } from './risk/risk-route-plugin.ts';
import { startCheckpointing } from './log/checkpoint.ts';
import type { ServiceKey } from './service-key.ts';
import { webhooksPlugin } from './webhooks/plugin.ts';
import { signerPlugin } from '../signer/plugin.ts';
import { consolePlugin } from './console/plugin.ts';

const { version } = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    serviceKey: ServiceKey;
    logWriter: LogWriter;
    membership: Membership;
    /** Every route registered, as "METHOD /path" (HEAD routes fastify adds and hidden routes are left out). */
    routeList: string[];
  }
}

export type BuildAppParameters = {
  config: Config;
  database: Database;
  /** Where GraphQL queries read (`DATABASE_READ_URL`); `database` when absent. */
  readDatabase?: Database;
  serviceKey: ServiceKey;
  /** Fastify logger option; tests pass false. */
  logger?: boolean | object;
  /** Hash-chain the log (default); off only in benchmarks that measure its cost. */
  hashChain?: boolean;
  /** The web console's build output (default console/dist). */
  consoleDir?: string;
};

/** Creates the fastify app with every plugin registered (not listening). */
export async function buildApp({
  config,
  database,
  readDatabase,
  serviceKey,
  logger = true,
  hashChain = true,
  consoleDir,
}: BuildAppParameters): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger === true ? { level: config.logLevel } : logger,
    // Bytes; the 100,000-character message limit itself is checked on the parsed envelope.
    bodyLimit: config.bodyLimit,
    http: { maxHeaderSize: config.headerLimit },
    connectionTimeout: config.connectionTimeout,
    requestTimeout: config.requestTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
  });
  const signatures = createSignaturePool({ workers: config.signatureWorkers, backend: config.signatureBackend, serviceKey });
  app.addHook('onClose', () => signatures.close());
  const logWriter = createLogWriter({ db: database.db, hashChain, driver: database.driver });
  const membership = createMembership({ db: database.db, config, serviceKey });
  const routeList: string[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    // Hidden routes are not API routes (CORS preflight for every path).
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push(`${method} ${route.url}`);
  });
  app.decorate('database', database);
  app.decorate('serviceKey', serviceKey);
  app.decorate('logWriter', logWriter);
  app.decorate('membership', membership);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'client_error', error_description: 'not found' }),
  );
  const { signerLimit } = await registerAbuseLimits(app, config);
  await app.register(healthPlugin, { db: database.db });
  await app.register(ingestPlugin, { db: database.db, config, serviceKey, writer: logWriter, membership, version, preHandler: signerLimit, signatures });
  await app.register(spacesPlugin, { db: database.db });
  await app.register(checkpointsPlugin, { db: database.db });
  await app.register(identityPlugin, { membership });
  const hub = createHub(config.realtime);
  // One client for the live reports and the decisions, so they share its breaker and answer cache.
  const llm = config.llm ? new StructuredLlm(config.llm) : undefined;
  // One way to decide a proposal, whichever trigger fires first: the end job (on time) or the finalizer sweep
  // (catches what a lost job or a failed attempt left); deciding is idempotent under the log lock.
  const decide: DecideDue = (proposalId, now) =>
    decideProposal({ db: database.db, serviceKey, proposalId, now, settleSeconds: config.decisionSettleSeconds, rpcUrls: config.rpcUrls, llm });
  await app.register(realtimePlugin, { config, database, writer: logWriter, hub, decide });
  await app.register(webhooksPlugin, { db: database.db, adminApiKey: config.adminApiKey, serviceKey });
  await app.register(graphqlPlugin, {
    db: (readDatabase ?? database).db,
    graphiql: config.graphiql,
    hub,
    membership,
    maxDepth: config.graphqlMaxDepth,
    limits: {
      maxOperations: config.graphqlMaxOperations,
      maxRootFields: config.graphqlMaxRootFields,
      maxComplexity: config.graphqlMaxComplexity,
    },
  });
  await app.register(outcomePlugin, { db: database.db });
  await app.register(riskRoutePlugin, { db: database.db });
  await app.register(riskPlugin, { db: database.db, intervalMs: config.riskIntervalMs, debounceSeconds: config.riskDebounceSeconds, llm, liveAnalyzers: config.riskLiveAnalyzers, liveAnalyzerVotes: config.riskLiveAnalyzerVotes });
  await app.register(finalizerPlugin, { db: database.db, decide, intervalMs: config.finalizeIntervalMs, settleSeconds: config.decisionSettleSeconds });
  await app.register(signerPlugin, {
    db: database.db,
    rpcUrls: config.rpcUrls,
    executorKey: config.relayExecutorKey,
    publicUrl: config.publicUrl,
    intervalMs: config.relayIntervalMs,
    watchIntervalMs: config.relayWatchIntervalMs,
    version,
  });
  await app.register(consolePlugin, { dir: consoleDir });
  const stopCheckpointing = startCheckpointing({
    db: database.db,
    serviceKey,
    intervalSeconds: config.checkpointInterval,
    onError: (error) => app.log.warn({ err: error }, 'checkpoint failed'),
  });
  // Acknowledged writes finish before the database closes.
  app.addHook('onClose', async () => {
    await stopCheckpointing();
    await logWriter.drain();
  });
  return app;
}
