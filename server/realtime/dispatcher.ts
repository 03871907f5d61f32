/**
 * Turns bus events into subscription payloads on this instance: for each batch, reads the rows named by
 * the events that someone here listens to (one query per table per batch, never one per subscriber),
 * and publishes them to the hub's topics. Details come from the primary database, never from a replica
 * that could lag behind the event.
 */
import { inArray } from 'drizzle-orm';
import { proposals, votes } from '../../schema/tables.ts';
import type { Db } from '../db/open-database.ts';
import { proposalColumns, voteColumns } from '../graphql/entities.ts';
import { proposalView } from '../graphql/resolvers.ts';
import type { BusEvent, EventBus } from './event-bus.ts';
import type { Hub } from './hub.ts';

/** Topic names; subscriptions and the dispatcher agree through these. */
export const topics = {
  votes: (proposal: string) => `votes:${proposal}`,
  proposalUpdated: (id: string) => `proposalUpdated:${id}`,
  proposals: (space: string) => `proposals:${space}`,
  riskReport: (proposal: string) => `riskReport:${proposal}`,
  safeTransaction: (safe: string) => `safeTransaction:${safe.toLowerCase()}`,
};

/** Handles one batch's events of one kind (extension point: risk reports, Safe transactions, …). */
export type EventHandler = (events: BusEvent[], context: { db: Db; hub: Hub }) => Promise<void>;

export type Dispatcher = {
  /** Adds the handler of a new event kind. */
  on(kind: string, handler: EventHandler): void;
  /** Resolves when every batch received so far has been handled (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
};

export type CreateDispatcherParameters = {
  db: Db;
  hub: Hub;
  bus: EventBus;
  log: { warn(object: object, message: string): void };
};

/** Kinds that change a proposal (its row, state or tally). */
const PROPOSAL_KINDS = new Set(['proposal', 'update-proposal', 'flag-proposal', 'delete-proposal', 'proposal-started', 'proposal-ended']);

/** Subscribes to the bus and feeds the hub; batches are handled one at a time, in order. */
export function createDispatcher({ db, hub, bus, log }: CreateDispatcherParameters): Dispatcher {
  const handlers = new Map<string, EventHandler>();
  let chain: Promise<void> = Promise.resolve();

  const handle = async (events: BusEvent[]) => {
    const byKind = new Map<string, BusEvent[]>();
    for (const event of events) {
      const kind = event.kind.startsWith('vote') ? 'vote' : PROPOSAL_KINDS.has(event.kind) ? 'proposal' : event.kind;
      const list = byKind.get(kind) ?? [];
      list.push(event);
      byKind.set(kind, list);
    }
    // Every proposal whose row changed: votes move its tally, the other kinds its fields or state.
    const changed = new Set<string>();
    const created = new Set<string>();
    for (const event of byKind.get('vote') ?? []) if (event.proposal) changed.add(event.proposal);
    for (const event of byKind.get('proposal') ?? []) {
      const id = event.proposal ?? event.id;
      changed.add(id);
      if (event.kind === 'proposal' || event.kind === 'update-proposal') created.add(id);
    }
    await Promise.all([
      publishVotes(byKind.get('vote') ?? []),
      publishProposals(changed, created),
      ...[...byKind].filter(([kind]) => handlers.has(kind)).map(([kind, list]) => handlers.get(kind)!(list, { db, hub })),
    ]);
  };

  const publishVotes = async (events: BusEvent[]) => {
    const wanted = events.filter((event) => event.proposal && hub.has(topics.votes(event.proposal)));
    if (wanted.length === 0) return;
    const rows = await db.select(voteColumns).from(votes).where(inArray(votes.id, [...new Set(wanted.map((event) => event.id))]));
    const byId = new Map(rows.map((row) => [row.id, row]));
    // In log order; a ballot replaced within the batch is gone from `votes`, its successor follows.
    for (const event of wanted) {
      const row = byId.get(event.id);
      if (row) hub.publish(topics.votes(row.proposal), row);
    }
  };

  const publishProposals = async (changed: Set<string>, created: Set<string>) => {
    const wanted = [...changed].filter((id) => hub.has(topics.proposalUpdated(id)) || created.has(id));
    if (wanted.length === 0) return;
    const rows = await db.select(proposalColumns).from(proposals).where(inArray(proposals.id, wanted));
    for (const row of rows) {
      const view = proposalView(row);
      hub.publish(topics.proposalUpdated(row.id), view);
      if (created.has(row.id)) hub.publish(topics.proposals(row.space), view);
    }
  };

  // Events that arrive while a batch is being handled wait and are handled together (one read per
  // table for all of them, one proposalUpdated per proposal), so a burst coalesces instead of queueing.
  let waiting: BusEvent[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (waiting.length > 0) {
      const events = waiting;
      waiting = [];
      await handle(events).catch((error) => log.warn({ err: error }, 'event dispatch failed'));
    }
    running = false;
  };
  const unsubscribe = bus.subscribe((events) => {
    waiting.push(...events);
    if (!running) chain = drain();
  });

  return {
    on(kind, handler) {
      handlers.set(kind, handler);
    },
    async idle() {
      while (running || waiting.length > 0) await chain;
    },
    close: unsubscribe,
  };
}
