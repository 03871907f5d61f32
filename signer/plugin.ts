/** The signer relay as a fastify plugin: the periodic sweep, the Transaction Service API, the trail route and GraphQL. */
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { decisions } from '../schema/decision-tables.ts';
import { relayTrail, safeConfirmations, safeTransactions } from '../schema/relay-tables.ts';
import type { Db } from '../server/db/open-database.ts';
import { ClientError } from '../server/errors.ts';
import { errorResponseSchema } from '../server/http/error-response.ts';
import { hubField } from '../server/graphql/subscriptions.ts';
import { topics } from '../server/realtime/dispatcher.ts';
import { createRelay, type Relay } from './create-relay.ts';
import { confirmationResponse } from './safe-transaction-response.ts';
import { TRANSACTION_SERVICE_PREFIX, transactionServiceRoutes } from './transaction-service-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    relay: Relay;
  }
}

export type SignerPluginOptions = {
  db: Db;
  rpcUrls: Record<string, string>;
  executorKey: string | undefined;
  publicUrl: string;
  /** How often new decisions are looked for (a database query). */
  intervalMs: number;
  /** How often every open Safe transaction is checked against the chain. */
  watchIntervalMs: number;
  version: string;
};

const trailEntrySchema = {
  type: 'object',
  required: ['id', 'step', 'at'],
  properties: {
    id: { type: 'integer' },
    decision: { type: ['string', 'null'] },
    safeTxHash: { type: ['string', 'null'] },
    step: { type: 'string' },
    detail: { type: 'object', additionalProperties: true },
    at: { type: 'integer' },
  },
} as const;

const relaySdl = `
type SafeConfirmation { owner: String! signature: String! signatureType: String! submissionDate: String! }
type RelayTrailEntry { id: Int! decision: String safeTxHash: String step: String! detail: Any at: Float! }
type SafeTransaction {
  safeTxHash: String!
  network: String!
  "The chain id of the EIP-712 SafeTx domain."
  chainId: Int!
  safe: String!
  to: String!
  value: String!
  data: String!
  operation: Int!
  "With nonce and the fields above, what an owner signs (SafeTx), so a wallet can confirm from GraphQL alone."
  safeTxGas: String!
  baseGas: String!
  gasPrice: String!
  gasToken: String!
  refundReceiver: String!
  nonce: Int!
  status: String!
  statusReason: String
  decision: String
  proposal: String
  space: String
  resultsHash: String
  origin: String
  calls: Any
  owners: [String!]!
  threshold: Int!
  executionTxHash: String
  executor: String
  blockNumber: Int
  created: Float!
  modified: Float!
  confirmations: [SafeConfirmation!]!
  trail: [RelayTrailEntry!]!
}
input SafeTransactionWhere { safeTxHash: String safe: String network: String status: String status_in: [String] proposal: String decision: String space: String }
extend type Subscription {
  "The Safe's relay transactions each time one changes status (queued … executed, failed, replaced)."
  safeTransaction(safe: String!): SafeTransaction
}
extend type Query {
  safeTransactions(first: Int = 20, skip: Int = 0, where: SafeTransactionWhere): [SafeTransaction]
  decisionTrail(decision: String!): [RelayTrailEntry]
}
`;

type Where = { safeTxHash?: string; safe?: string; network?: string; status?: string; status_in?: string[]; proposal?: string; decision?: string; space?: string };

const plugin: FastifyPluginAsync<SignerPluginOptions> = async (app, options) => {
  const { db } = options;
  // Status changes go to subscribers on every instance (through the event bus) and to webhooks.
  const lastStatus = new Map<string, string>();
  const onStatus = (safeTxHash: string, status: string | undefined) => {
    if (!status || lastStatus.get(safeTxHash) === status) return;
    lastStatus.set(safeTxHash, status);
    void announceStatus(safeTxHash).catch((error) => app.log.error({ err: error, safeTxHash }, 'could not announce a Safe transaction status'));
  };
  const announceStatus = async (safeTxHash: string) => {
    const [row] = await db.select().from(safeTransactions).where(eq(safeTransactions.safeTxHash, safeTxHash));
    if (!row) return;
    await app.realtime.publish([{ kind: 'safe-transaction', id: safeTxHash, space: row.space ?? undefined }]);
    if (row.space) {
      const data = { safeTxHash, safe: row.safe, network: row.network, status: row.status, statusReason: row.statusReason, decision: row.decision, proposal: row.proposal };
      await app.realtime.emitWebhookEvents([{ event: 'safe_transaction.status', space: row.space, data }]);
    }
  };
  app.realtime.dispatcher.on('safe-transaction', async (events, { db: primary, hub }) => {
    const rows = await primary.select().from(safeTransactions).where(inArray(safeTransactions.safeTxHash, [...new Set(events.map((event) => event.id))]));
    for (const row of rows) {
      const topic = topics.safeTransaction(row.safe);
      if (hub.has(topic)) hub.publish(topic, { ...row, created: row.createdAt, modified: row.modifiedAt });
    }
  });
  const relay = createRelay({ db, rpcUrls: options.rpcUrls, executorKey: options.executorKey, publicUrl: options.publicUrl, log: app.log, onStatus });
  app.decorate('relay', relay);
  if (relay.executor) app.log.info({ executor: relay.executor }, 'relay executor key loaded');

  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const every = (ms: number, work: () => Promise<unknown>) => {
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      running = work()
        .catch((error) => app.log.error({ err: error }, 'relay sweep failed'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  app.addHook('onReady', async () => {
    every(options.intervalMs, () => relay.queuePending());
    every(options.watchIntervalMs, () => relay.sweep());
  });
  app.addHook('onClose', async () => {
    for (const timer of timers) clearInterval(timer);
    await running;
    await relay.idle();
  });

  await app.register(transactionServiceRoutes, { prefix: TRANSACTION_SERVICE_PREFIX, db, relay, rpcUrls: options.rpcUrls, version: options.version });

  app.get<{ Params: { id: string } }>(
    '/api/decisions/:id/trail',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        response: {
          200: { type: 'object', required: ['decision', 'entries'], properties: { decision: { type: 'string' }, entries: { type: 'array', items: trailEntrySchema } } },
          404: errorResponseSchema,
        },
      },
    },
    async (request) => {
      const [decision] = await db.select({ id: decisions.id }).from(decisions).where(eq(decisions.id, request.params.id));
      if (!decision) throw new ClientError('decision not found', 404);
      const entries = await db.select().from(relayTrail).where(eq(relayTrail.decision, decision.id)).orderBy(asc(relayTrail.id));
      return { decision: decision.id, entries };
    },
  );

  app.graphql.extendSchema(relaySdl);
  app.graphql.defineResolvers({
    Subscription: {
      safeTransaction: hubField((args) => topics.safeTransaction(String(args.safe))),
    },
    Query: {
      async safeTransactions(_root: unknown, args: { first: number; skip: number; where?: Where }) {
        const where = args.where ?? {};
        const filters: SQL[] = [];
        if (where.safeTxHash) filters.push(eq(safeTransactions.safeTxHash, where.safeTxHash.toLowerCase()));
        if (where.safe) filters.push(eq(safeTransactions.safe, where.safe));
        if (where.network) filters.push(eq(safeTransactions.network, where.network));
        if (where.status) filters.push(eq(safeTransactions.status, where.status));
        if (where.status_in?.length) filters.push(inArray(safeTransactions.status, where.status_in));
        if (where.proposal) filters.push(eq(safeTransactions.proposal, where.proposal));
        if (where.decision) filters.push(eq(safeTransactions.decision, where.decision));
        if (where.space) filters.push(eq(safeTransactions.space, where.space));
        const rows = await db
          .select()
          .from(safeTransactions)
          .where(filters.length ? and(...filters) : undefined)
          .orderBy(desc(safeTransactions.createdAt))
          .limit(Math.min(Math.max(args.first, 0), 1000))
          .offset(Math.max(args.skip, 0));
        return rows.map((row) => ({ ...row, created: row.createdAt, modified: row.modifiedAt }));
      },
      async decisionTrail(_root: unknown, args: { decision: string }) {
        return db.select().from(relayTrail).where(eq(relayTrail.decision, args.decision)).orderBy(asc(relayTrail.id));
      },
    },
  });
  // One query per field per request, never one per Safe transaction in the page.
  app.graphql.defineLoaders({
    SafeTransaction: {
      async confirmations(queries: { obj: { safeTxHash: string } }[]) {
        const hashes = queries.map(({ obj }) => obj.safeTxHash);
        const rows = await db
          .select()
          .from(safeConfirmations)
          .where(inArray(safeConfirmations.safeTxHash, [...new Set(hashes)]))
          .orderBy(asc(safeConfirmations.createdAt));
        const byHash = Map.groupBy(rows, (row) => row.safeTxHash);
        return hashes.map((hash) => (byHash.get(hash) ?? []).map(confirmationResponse));
      },
      async trail(queries: { obj: { safeTxHash: string } }[]) {
        const hashes = queries.map(({ obj }) => obj.safeTxHash);
        const rows = await db.select().from(relayTrail).where(inArray(relayTrail.safeTxHash, [...new Set(hashes)])).orderBy(asc(relayTrail.id));
        const byHash = Map.groupBy(rows, (row) => row.safeTxHash);
        return hashes.map((hash) => byHash.get(hash) ?? []);
      },
    },
  });
};

export const signerPlugin = fp(plugin, { name: 'conclave-signer', dependencies: ['conclave-graphql', 'conclave-realtime'] });
