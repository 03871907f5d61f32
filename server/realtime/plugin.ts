/**
 * Live features: the event bus between instances, this instance's subscriptions (hub and dispatcher),
 * background jobs (proposal milestones, webhook deliveries), and what follows each committed write.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { webhookDeliveries } from '../../schema/realtime-tables.ts';
import { proposals, votes } from '../../schema/tables.ts';
import type { Config } from '../config/load-config.ts';
import type { Database, Db } from '../db/open-database.ts';
import type { CommittedEntry, LogWriter } from '../ingest/log-writer.ts';
import { createInProcessQueue } from '../jobs/in-process-queue.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { createPgBossQueue } from '../jobs/pg-boss-queue.ts';
import { deliver, DELIVER_JOB, scheduleAttempt, type RetryPolicy } from '../webhooks/deliver.ts';
import { anyWebhookWants, enqueueDeliveries } from '../webhooks/enqueue-deliveries.ts';
import type { WebhookEvent } from '../webhooks/events.ts';
import { createDispatcher, type Dispatcher } from './dispatcher.ts';
import type { BusEvent, EventBus } from './event-bus.ts';
import { createHub, type Hub } from './hub.ts';
import { createInProcessBus } from './in-process-bus.ts';
import { defineLifecycleJobs, loadSummaries, proposalSummary, scheduleMilestones, type LifecycleDependencies } from './lifecycle.ts';
import { createPostgresBus } from './postgres-bus.ts';
import { createRedisBus } from './redis-bus.ts';
import type { DecideDue } from '../scoring/decide-proposal.ts';

export type Realtime = {
  bus: EventBus;
  hub: Hub;
  dispatcher: Dispatcher;
  queue: JobQueue;
  /** Publishes events to every instance (features call this after their own commits). */
  publish(events: BusEvent[]): Promise<void>;
  /**
   * Persists and schedules webhook deliveries for events (risk raised, Safe transaction status, …); with `claim`,
   * only when the claim (run in the same transaction) succeeds.
   */
  emitWebhookEvents(events: WebhookEvent[], claim?: (tx: Db) => Promise<boolean>): Promise<void>;
  /** Resolves when post-commit work started so far is done (tests). */
  settled(): Promise<void>;
};

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime;
  }
}

export type RealtimePluginOptions = { config: Config; database: Database; writer: LogWriter; hub: Hub; decide: DecideDue };

/** Picks the bus: in-process on PGlite, Redis when configured, else PostgreSQL LISTEN/NOTIFY. */
function createBus(config: Config, database: Database, log: RealtimeLog): EventBus {
  if (database.driver === 'pglite' || !database.pool || !config.databaseUrl) return createInProcessBus({ onError: (error) => log.warn({ err: error }, 'event listener failed') });
  if (config.redisUrl) {
    const name = new URL(config.databaseUrl).pathname.slice(1) || 'postgres';
    return createRedisBus({ redisUrl: config.redisUrl, channel: `conclave:events:${name}`, log });
  }
  return createPostgresBus({ databaseUrl: config.databaseUrl, pool: database.pool, log });
}

type RealtimeLog = { warn(object: object, message: string): void; info(object: object, message: string): void; error(object: object, message: string): void };

const plugin: FastifyPluginAsync<RealtimePluginOptions> = async (app, { config, database, writer, hub, decide }) => {
  const { db } = database;
  const log = app.log as RealtimeLog;
  const bus = createBus(config, database, log);
  const dispatcher = createDispatcher({ db, hub, bus, log });
  const queue =
    database.driver === 'pg' && config.databaseUrl
      ? createPgBossQueue({ databaseUrl: config.databaseUrl, pollSeconds: config.realtime.jobPollSeconds, work: config.realtime.jobs, log })
      : createInProcessQueue({ log });
  const policy: RetryPolicy = {
    baseMs: config.realtime.webhookRetryBaseMs,
    maxMs: config.realtime.webhookRetryMaxMs,
    windowSeconds: config.realtime.webhookRetryWindowSeconds,
    timeoutMs: config.realtime.webhookTimeoutMs,
  };
  const publish = (events: BusEvent[]) => bus.publish(events);
  const lifecycle: LifecycleDependencies = {
    db,
    queue,
    settleSeconds: config.decisionSettleSeconds,
    publish,
    async decide(proposal) {
      const result = await decide(proposal, Math.floor(Date.now() / 1000));
      return result.status === 'decided' ? result.decision : undefined;
    },
  };
  await defineLifecycleJobs(lifecycle);
  await queue.define(DELIVER_JOB, async (data) => {
    await deliver({ db, queue, policy, delivery: String(data.delivery), attempt: Number(data.attempt) });
  });

  const emitWebhookEvents = async (events: WebhookEvent[], claim?: (tx: Db) => Promise<boolean>) => {
    // With a claim, the claim and the delivery rows commit together: an event is announced once or not at all.
    const deliveries = claim
      ? await db.transaction(async (tx) => ((await claim(tx)) ? enqueueDeliveries({ db: tx, events }) : []))
      : await enqueueDeliveries({ db, events });
    for (const delivery of deliveries) await scheduleAttempt(queue, delivery.id, 0, delivery.runAt);
  };

  /** What follows a commit on the instance that wrote it: events, webhooks, milestone jobs. */
  const afterCommit = async (entries: CommittedEntry[]) => {
    await publish(entries.map(({ type, mci, space, id, proposal }) => ({ kind: type, mci, space, id, ...(proposal ? { proposal } : {}) })));
    const created = entries.filter((entry) => entry.type === 'proposal' || entry.type === 'update-proposal').map((entry) => entry.proposal ?? entry.id);
    const voted = entries.filter((entry) => entry.type.startsWith('vote'));
    const webhookEvents: WebhookEvent[] = [];
    if (created.length > 0) {
      const rows = await loadSummaries(db, created);
      for (const row of rows) await scheduleMilestones(lifecycle, row);
      const fresh = new Set(entries.filter((entry) => entry.type === 'proposal').map((entry) => entry.id));
      for (const row of rows) if (fresh.has(row.id)) webhookEvents.push({ event: 'proposal.created', space: row.space, data: proposalSummary(row) });
    }
    if (voted.length > 0 && (await anyWebhookWants(db, voted.map((entry) => entry.space), 'vote.created'))) {
      const rows = await db
        .select({ id: votes.id, space: votes.space, proposal: votes.proposal, voter: votes.voter, choice: votes.choice, reason: votes.reason, app: votes.app, created: votes.created, vp: sql<number>`${votes.vp}::float8`.as('vp') })
        .from(votes)
        .where(inArray(votes.id, voted.map((entry) => entry.id)));
      for (const row of rows) webhookEvents.push({ event: 'vote.created', space: row.space, data: row });
    }
    if (webhookEvents.length > 0) await emitWebhookEvents(webhookEvents);
  };

  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    const tracked = work.catch((error) => log.error({ err: error }, 'post-commit work failed')).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const removeListener = writer.onCommitted((entries) => track(afterCommit(entries)));

  /** Re-schedules what a stopped process may have left unscheduled (idempotent: jobs are keyed). */
  const recover = async () => {
    const open = await db
      .select({ id: proposals.id, start: proposals.start, end: proposals.end })
      .from(proposals)
      .where(ne(proposals.scoresState, 'final'));
    for (const row of open) await scheduleMilestones(lifecycle, row);
    const waiting = await db
      .select({ id: webhookDeliveries.id, attempts: webhookDeliveries.attempts, nextAttempt: webhookDeliveries.nextAttempt })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, 'pending')));
    for (const row of waiting) await scheduleAttempt(queue, row.id, row.attempts, row.nextAttempt ?? Date.now());
  };

  const realtime: Realtime = {
    bus,
    hub,
    dispatcher,
    queue,
    publish,
    emitWebhookEvents,
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await dispatcher.idle();
      await hub.flushed();
    },
  };
  app.decorate('realtime', realtime);

  app.get(
    '/api/realtime',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['bus', 'jobs', 'subscriptions', 'topics', 'dropped'],
            properties: {
              bus: { type: 'string' },
              jobs: { type: 'string' },
              subscriptions: { type: 'integer' },
              topics: { type: 'integer' },
              dropped: { type: 'integer' },
              renders: { type: 'integer' },
              frames: { type: 'integer' },
              writes: { type: 'integer' },
              rounds: { type: 'integer' },
              deliveryMs: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({ bus: bus.kind, jobs: config.realtime.jobs ? queue.kind : 'off', ...hub.stats() }),
  );

  app.addHook('onReady', async () => {
    // Serve even if the bus is not connected yet (it keeps reconnecting); say so.
    let timer: NodeJS.Timeout | undefined;
    const connected = await Promise.race([
      bus.ready().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
    ]);
    clearTimeout(timer);
    if (!connected) log.warn({ bus: bus.kind }, 'event bus not connected yet; subscriptions will miss other instances until it is');
    if (!config.realtime.jobs) return;
    await queue.start();
    await recover();
  });
  app.addHook('onClose', async () => {
    await writer.drain();
    await realtime.settled();
    removeListener();
    dispatcher.close();
    hub.close();
    await queue.stop();
    await bus.close();
  });
};

export const realtimePlugin = fp(plugin, { name: 'conclave-realtime' });
