/** The job queue on PostgreSQL: pg-boss in its own schema (`pgboss`) of the shared database. */
import PgBoss from 'pg-boss';
import { jobIdOf, type JobHandler, type JobQueue } from './job-queue.ts';

export type CreatePgBossQueueParameters = {
  databaseUrl: string;
  /** Seconds between polls for due jobs. */
  pollSeconds: number;
  /** Whether this instance works jobs (every instance may queue them). */
  work: boolean;
  log?: { warn(object: object, message: string): void; error(object: object, message: string): void };
};

/** Creates the queue; `start` installs or migrates pg-boss's schema (safe with several instances at once). */
export function createPgBossQueue({ databaseUrl, pollSeconds, work, log }: CreatePgBossQueueParameters): JobQueue {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: 4,
    application_name: 'conclave-jobs',
    // No cron schedules: jobs are scheduled with a start time.
    schedule: false,
    supervise: work,
  });
  boss.on('error', (error) => log?.warn({ err: error }, 'job queue error'));
  const handlers = new Map<string, JobHandler>();
  let started: Promise<unknown> | null = null;
  // pg-boss drops jobs sent to a queue that does not exist yet: every instance creates the queues it
  // knows, workers or not (creating an existing queue changes nothing).
  const ensureStarted = () =>
    (started ??= boss.start().then(async () => {
      for (const name of handlers.keys()) await boss.createQueue(name);
    }));

  return {
    kind: 'pg-boss',
    async define(name, handler) {
      handlers.set(name, handler);
    },
    async schedule(name, data, { key, runAt }) {
      await ensureStarted();
      await boss.send(name, data, {
        id: jobIdOf(name, key),
        ...(runAt ? { startAfter: runAt } : {}),
        retryLimit: 8,
        retryDelay: 5,
        retryBackoff: true,
        expireInMinutes: 15,
      });
    },
    async start() {
      await ensureStarted();
      if (!work) return;
      for (const [name, handler] of handlers) {
        await boss.work<Record<string, unknown>>(name, { pollingIntervalSeconds: pollSeconds, batchSize: 1 }, async (jobs) => {
          for (const job of jobs) {
            try {
              await handler(job.data);
            } catch (error) {
              log?.error({ err: error, job: name }, 'job failed, will retry');
              throw error;
            }
          }
        });
      }
    },
    async stop() {
      if (!started) return;
      await started.catch(() => {});
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
    },
  };
}
