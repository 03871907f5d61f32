/**
 * Subscription resolvers over the hub. To add one (e.g. `riskReport(proposal)`, `safeTransaction(safe)`):
 * add the field to `type Subscription` in schema/graphql.ts, a topic here that subscribes to
 * `hub.subscribe(context.socket, topic)`, and a dispatcher handler for its event kind
 * (`app.realtime.dispatcher.on(kind, handler)`) that reads the rows and calls `hub.publish(topic, row)`.
 */
import type { IResolvers, MercuriusContext } from 'mercurius';
import { topics } from '../realtime/dispatcher.ts';
import type { Hub, HubSocket } from '../realtime/hub.ts';


/** A subscription field whose payload is the published row itself (features outside graphql/ use it too). */
export function hubField(hub: Hub, topicOf: (args: Record<string, string>) => string) {
  return {
    subscribe: (_root: unknown, args: Record<string, string>, context: MercuriusContext) =>
      hub.subscribe((context as unknown as { socket?: HubSocket }).socket, topicOf(args)),
    resolve: (payload: unknown) => payload,
  };
}

/** The `Subscription` resolvers. */
export function createSubscriptionResolvers(hub: Hub): IResolvers {
  return {
    Subscription: {
      votes: hubField(hub, (args) => topics.votes(args.proposal)),
      proposalUpdated: hubField(hub, (args) => topics.proposalUpdated(args.id)),
      proposals: hubField(hub, (args) => topics.proposals(args.space)),
      riskReport: hubField(hub, (args) => topics.riskReport(args.proposal)),
    },
  };
}
