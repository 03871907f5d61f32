/**
 * One delivery attempt (a job): claims the attempt, POSTs the stored body signed with the webhook's
 * secret, logs the attempt, and on failure schedules the next one with exponential backoff; the last
 * attempt is made when the retry window (25 h by default) closes.
 */
import { and, eq, sql } from 'drizzle-orm';
import { webhookAttempts, webhookDeliveries, webhooks } from '../../schema/realtime-tables.ts';
import type { Db } from '../db/open-database.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { signBody } from './sign-body.ts';

export const DELIVER_JOB = 'webhook-deliver';

export type RetryPolicy = { baseMs: number; maxMs: number; windowSeconds: number; timeoutMs: number };

/** Delay before retry number `attempt` (1 = the first retry): base, 2×base, 4×base, … capped. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 40));
}

/** Schedules attempt number `attempt` (0-based count of attempts done) of a delivery. */
export function scheduleAttempt(queue: JobQueue, delivery: string, attempt: number, runAt: number): Promise<void> {
  return queue.schedule(DELIVER_JOB, { delivery, attempt }, { key: `${delivery}:${attempt}`, runAt: new Date(runAt) });
}

export type DeliverParameters = {
  db: Db;
  queue: JobQueue;
  policy: RetryPolicy;
  delivery: string;
  /** Attempts already made; the job runs only if the row still says so (each attempt runs once). */
  attempt: number;
  fetch?: typeof globalThis.fetch;
};

/** Makes one attempt; returns what happened (for logs and tests). */
export async function deliver({ db, queue, policy, delivery, attempt, fetch = globalThis.fetch }: DeliverParameters) {
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(and(eq(webhookDeliveries.id, delivery), eq(webhookDeliveries.attempts, attempt), eq(webhookDeliveries.status, 'pending')))
    .returning({ body: webhookDeliveries.body, event: webhookDeliveries.event, created: webhookDeliveries.created, webhookId: webhookDeliveries.webhookId });
  if (!claimed) return 'skipped' as const;
  const [hook] = await db.select({ url: webhooks.url, secret: webhooks.secret }).from(webhooks).where(eq(webhooks.id, claimed.webhookId));
  if (!hook) return 'skipped' as const;
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(hook.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(policy.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'conclave-webhooks',
        'x-conclave-event': claimed.event,
        'x-conclave-delivery': delivery,
        'x-conclave-attempt': String(attempt + 1),
        'x-conclave-timestamp': String(Math.floor(started / 1000)),
        'x-conclave-signature': signBody(hook.secret, claimed.body),
      },
      body: claimed.body,
    });
    statusCode = response.status;
    await response.body?.cancel().catch(() => {});
    if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
  } catch (caught) {
    error = caught instanceof Error ? `${caught.name}: ${caught.message}`.slice(0, 500) : 'request failed';
  }
  const now = Date.now();
  await db.insert(webhookAttempts).values({ deliveryId: delivery, attempt: attempt + 1, at: started, statusCode, error, durationMs: now - started });
  if (error === null) {
    await db
      .update(webhookDeliveries)
      .set({ status: 'delivered', delivered: now, nextAttempt: null, lastStatusCode: statusCode, lastError: null })
      .where(eq(webhookDeliveries.id, delivery));
    return 'delivered' as const;
  }
  // The last attempt is made when the window closes, so a delivery is tried for the whole window.
  const windowEnd = claimed.created + policy.windowSeconds * 1000;
  const next = Math.min(now + retryDelay(policy, attempt + 1), windowEnd);
  if (now >= windowEnd) {
    await db
      .update(webhookDeliveries)
      .set({ status: 'failed', nextAttempt: null, lastStatusCode: statusCode, lastError: error })
      .where(eq(webhookDeliveries.id, delivery));
    return 'failed' as const;
  }
  await db
    .update(webhookDeliveries)
    .set({ nextAttempt: next, lastStatusCode: statusCode, lastError: error })
    .where(eq(webhookDeliveries.id, delivery));
  await scheduleAttempt(queue, delivery, attempt + 1, next);
  return 'retrying' as const;
}
