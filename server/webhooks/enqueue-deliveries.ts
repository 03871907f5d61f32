/**
 * Writes one delivery row per (event, matching webhook) before anything is sent, so a receiver that is
 * down loses nothing; the caller schedules the first attempt of each after its transaction commits.
 */
import crypto from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { webhookDeliveries, webhooks } from '../../schema/realtime-tables.ts';
import type { Db } from '../db/open-database.ts';
import type { WebhookEvent, WebhookEventName } from './events.ts';

export type EnqueueDeliveriesParameters = {
  db: Db;
  events: WebhookEvent[];
  now?: number;
};

export type Delivery = { id: string; runAt: number };

/** The spaces' webhooks, by space (one query). */
export async function webhooksOf(db: Db, spaces: string[]) {
  if (spaces.length === 0) return new Map<string, Array<{ id: string; events: string[] }>>();
  const rows = await db
    .select({ id: webhooks.id, space: webhooks.space, events: webhooks.events })
    .from(webhooks)
    .where(inArray(webhooks.space, [...new Set(spaces)]));
  const bySpace = new Map<string, Array<{ id: string; events: string[] }>>();
  for (const row of rows) {
    const list = bySpace.get(row.space) ?? [];
    list.push(row);
    bySpace.set(row.space, list);
  }
  return bySpace;
}

/** Whether any webhook of `spaces` wants `event` (to skip reading details nobody will receive). */
export async function anyWebhookWants(db: Db, spaces: string[], event: WebhookEventName): Promise<boolean> {
  for (const hooks of (await webhooksOf(db, spaces)).values()) if (hooks.some((hook) => hook.events.includes(event))) return true;
  return false;
}

/** Inserts the deliveries of `events`; returns them for scheduling. */
export async function enqueueDeliveries({ db, events, now = Date.now() }: EnqueueDeliveriesParameters): Promise<Delivery[]> {
  if (events.length === 0) return [];
  const hooks = await webhooksOf(db, events.map((event) => event.space));
  const rows: Array<typeof webhookDeliveries.$inferInsert> = [];
  for (const event of events) {
    for (const hook of hooks.get(event.space) ?? []) {
      if (!hook.events.includes(event.event)) continue;
      const id = crypto.randomUUID();
      const body = JSON.stringify({ id, event: event.event, space: event.space, created: now, data: event.data });
      rows.push({ id, webhookId: hook.id, space: event.space, event: event.event, body, created: now, nextAttempt: now });
    }
  }
  if (rows.length === 0) return [];
  await db.insert(webhookDeliveries).values(rows);
  return rows.map((row) => ({ id: row.id, runAt: now }));
}
