/**
 * Proposal milestones as jobs: `proposal-start` at a proposal's start and `proposal-end` after its end
 * plus a settle delay, which decides the proposal (signed decision, scores final). Each milestone is a row inserted once per cluster,
 * in the same transaction as its effects and its webhook deliveries, so it happens exactly once even if
 * a job runs twice or on two instances.
 */
import { eq, sql } from 'drizzle-orm';
import { proposalMilestones } from '../../schema/realtime-tables.ts';
import { proposals } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { scheduleAttempt } from '../webhooks/deliver.ts';
import { enqueueDeliveries, type Delivery } from '../webhooks/enqueue-deliveries.ts';
import type { WebhookEvent } from '../webhooks/events.ts';
import type { BusEvent } from './event-bus.ts';

export const START_JOB = 'proposal-start';
export const END_JOB = 'proposal-end';

export type LifecycleDependencies = {
  db: Db;
  queue: JobQueue;
  settleSeconds: number;
  publish(events: BusEvent[]): Promise<void>;
  /** Decides the proposal (idempotent) and returns the signed decision; throws while it must wait (the job is retried). */
  decide(proposal: string): Promise<Record<string, unknown> | undefined>;
};

type ProposalTimes = { id: string; start: number; end: number };

/** When the end job runs, in ms: the first second the proposal reads as closed (`now > end`), plus the settle delay. */
function endsAt(end: number, settleSeconds: number): number {
  return (end + 1 + settleSeconds) * 1000;
}

/** Schedules a proposal's start and end jobs (idempotent: keyed by proposal and time). */
export async function scheduleMilestones(deps: LifecycleDependencies, proposal: ProposalTimes, now = Date.now()): Promise<void> {
  if (proposal.start * 1000 > now) {
    await deps.queue.schedule(START_JOB, { proposal: proposal.id }, { key: `${proposal.id}:${proposal.start}`, runAt: new Date(proposal.start * 1000) });
  }
  const end = endsAt(proposal.end, deps.settleSeconds);
  await deps.queue.schedule(END_JOB, { proposal: proposal.id }, { key: `${proposal.id}:${proposal.end}`, runAt: new Date(Math.max(end, now)) });
}

/** The data webhooks carry about a proposal. */
export function proposalSummary(row: Record<string, unknown>) {
  const { id, space, title, author, type, choices, start, end, scores, scores_total, scores_state, votes } = row;
  return { id, space, title, author, type, choices, start, end, scores, scores_total, scores_state, votes };
}

const summaryColumns = {
  id: proposals.id,
  space: proposals.space,
  title: proposals.title,
  author: proposals.author,
  type: proposals.type,
  choices: proposals.choices,
  start: proposals.start,
  end: proposals.end,
  scores: sql<number[]>`${proposals.scores}::float8[]`.as('scores'),
  scores_total: sql<number>`${proposals.scoresTotal}::float8`.as('scores_total'),
  scores_state: proposals.scoresState,
  votes: proposals.votes,
};

/** Reads proposals' webhook summaries. */
export async function loadSummaries(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select(summaryColumns).from(proposals).where(sql`${proposals.id} = ANY(${sql.param(ids)}::text[])`);
}

/** Runs one milestone: when due, records it once, with its effect and its webhook deliveries. */
async function reach(deps: LifecycleDependencies, milestone: 'started' | 'ended', id: string): Promise<void> {
  const { db, queue, settleSeconds } = deps;
  const [row] = await db.select({ id: proposals.id, start: proposals.start, end: proposals.end, space: proposals.space }).from(proposals).where(eq(proposals.id, id));
  if (!row) return; // Deleted.
  const now = Date.now();
  const due = milestone === 'started' ? row.start * 1000 : endsAt(row.end, settleSeconds);
  if (due > now) {
    // The proposal moved (update-proposal); its new time has its own job, this makes sure of it.
    await scheduleMilestones(deps, row, now);
    return;
  }
  const decision = milestone === 'ended' ? await deps.decide(id) : undefined;
  let deliveries: Delivery[] = [];
  let reached = false;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(proposalMilestones)
      .values({ proposal: id, milestone, at: now })
      .onConflictDoNothing()
      .returning({ proposal: proposalMilestones.proposal });
    if (inserted.length === 0) return;
    reached = true;
    const [summary] = await loadSummaries(tx as unknown as Db, [id]);
    const events: WebhookEvent[] = [{ event: `proposal.${milestone}`, space: row.space, data: proposalSummary(summary) }];
    if (decision) events.push({ event: 'proposal.decided', space: row.space, data: decision as Record<string, unknown> });
    deliveries = await enqueueDeliveries({ db: tx as unknown as Db, events, now });
  });
  if (!reached) return;
  await deps.publish([{ kind: milestone === 'started' ? 'proposal-started' : 'proposal-ended', id, proposal: id, space: row.space }]);
  for (const delivery of deliveries) await scheduleAttempt(queue, delivery.id, 0, delivery.runAt);
}

/** Registers the milestone jobs on `queue`. */
export async function defineLifecycleJobs(deps: LifecycleDependencies): Promise<void> {
  await deps.queue.define(START_JOB, (data) => reach(deps, 'started', String(data.proposal)));
  await deps.queue.define(END_JOB, (data) => reach(deps, 'ended', String(data.proposal)));
}
