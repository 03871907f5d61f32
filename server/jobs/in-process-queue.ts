/**
 * The job queue of the embedded database (one instance): timers in this process. Jobs do not outlive the
 * process; what they do is recovered at start from the tables (see server/realtime/recover.ts).
 */
import type { JobHandler, JobQueue } from './job-queue.ts';

export type CreateInProcessQueueParameters = {
  log?: { error(object: object, message: string): void };
  /** Retries of a failing job, with doubling delays from one second. */
  retries?: number;
};

/** The longest delay setTimeout takes (about 24.8 days); later jobs wait in steps. */
const MAX_TIMER = 2 ** 31 - 1;

/** Creates the in-process queue. */
export function createInProcessQueue({ log, retries = 5 }: CreateInProcessQueueParameters = {}): JobQueue {
  const handlers = new Map<string, JobHandler>();
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  /** Jobs scheduled before `start`, run by it. */
  const waiting: Array<() => void> = [];
  const queued = new Set<string>();
  let active = false;
  let stopped = false;

  const run = (id: string, name: string, data: Record<string, unknown>, at: number, attempt: number) => {
    if (stopped) return;
    const delay = Math.max(0, at - Date.now());
    const timer = setTimeout(() => {
      if (delay > MAX_TIMER) return run(id, name, data, at, attempt);
      const handler = handlers.get(name);
      if (!handler) {
        log?.error({ job: name }, 'no handler for job');
        timers.delete(id);
        return;
      }
      const work = handler(data)
        .then(() => void timers.delete(id))
        .catch((error) => {
          log?.error({ err: error, job: name, attempt }, 'job failed');
          if (attempt < retries) run(id, name, data, Date.now() + 1000 * 2 ** attempt, attempt + 1);
          else timers.delete(id);
        })
        .finally(() => running.delete(work));
      running.add(work);
    }, Math.min(delay, MAX_TIMER));
    timer.unref();
    timers.set(id, timer);
  };

  return {
    kind: 'in-process',
    async define(name, handler) {
      handlers.set(name, handler);
    },
    async schedule(name, data, { key, runAt }) {
      const id = `${name}\u0000${key}`;
      if (timers.has(id) || queued.has(id) || stopped) return;
      const start = () => {
        queued.delete(id);
        run(id, name, data, runAt?.getTime() ?? Date.now(), 0);
      };
      if (active) start();
      else {
        queued.add(id);
        waiting.push(start);
      }
    },
    async start() {
      active = true;
      for (const start of waiting.splice(0)) start();
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}
