/** Tables of the live features: webhooks with their delivery log, and proposal milestones reached once. */
import { bigint, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** A space's webhook: where to deliver which events, and the secret deliveries are signed with. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    space: text('space').notNull(),
    url: text('url').notNull(),
    /** Event names (`vote.created`, `proposal.ended`, …), see server/webhooks/events.ts. */
    events: jsonb('events').$type<string[]>().notNull(),
    /** HMAC-SHA256 key; shown once, at registration. */
    secret: text('secret').notNull(),
    /** Milliseconds since the epoch. */
    created: bigint('created', { mode: 'number' }).notNull(),
  },
  (t) => [index('webhooks_space').on(t.space)],
);

/** One event to deliver to one webhook; written before any attempt, so a receiver that is down loses nothing. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    space: text('space').notNull(),
    event: text('event').notNull(),
    /** The exact bytes sent (and signed) on every attempt. */
    body: text('body').notNull(),
    /** `pending`, `delivered` or `failed` (retry window over). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Milliseconds since the epoch. */
    created: bigint('created', { mode: 'number' }).notNull(),
    nextAttempt: bigint('next_attempt', { mode: 'number' }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    delivered: bigint('delivered', { mode: 'number' }),
  },
  (t) => [index('webhook_deliveries_webhook_created').on(t.webhookId, t.created), index('webhook_deliveries_pending').on(t.status, t.nextAttempt)],
);

/** Every attempt of every delivery, the log the REST API shows. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [primaryKey({ name: 'webhook_attempts_pkey', columns: [t.deliveryId, t.attempt] })],
);

/** A proposal milestone (`started`, `ended`) reached: inserted once per cluster, so its effects happen once. */
export const proposalMilestones = pgTable(
  'proposal_milestones',
  {
    proposal: text('proposal').notNull(),
    milestone: text('milestone').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ name: 'proposal_milestones_pkey', columns: [t.proposal, t.milestone] })],
);
