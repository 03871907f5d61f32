/**
 * Background jobs that run once per cluster, whichever instance picks them up. On PostgreSQL the queue is
 * pg-boss (jobs are rows, fetched with SKIP LOCKED, so they survive restarts and run on one instance);
 * on the embedded database (one instance) an in-process runner has the same interface.
 */
import crypto from 'node:crypto';

export type JobHandler = (data: Record<string, unknown>) => Promise<void>;

export type ScheduleOptions = {
  /** Idempotency key: scheduling the same key twice makes one job. */
  key: string;
  /** When to run; now when absent. */
  runAt?: Date;
};

export type JobQueue = {
  readonly kind: 'pg-boss' | 'in-process';
  /** Registers the handler of job `name`; a handler that throws is retried a few times with backoff. */
  define(name: string, handler: JobHandler): Promise<void>;
  /** Queues a job (durably on PostgreSQL). */
  schedule(name: string, data: Record<string, unknown>, options: ScheduleOptions): Promise<void>;
  /** Starts running due jobs (this instance becomes a worker). */
  start(): Promise<void>;
  stop(): Promise<void>;
};

/** A UUID derived from a key, so the same key always names the same job. */
export function jobIdOf(name: string, key: string): string {
  const hex = crypto.createHash('sha256').update(`${name}\u0000${key}`).digest('hex');
  // Version 4 / variant bits set so it is a well-formed UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
