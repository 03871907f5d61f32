/**
 * The `Subscription` fields. To add one (e.g. `safeTransaction(safe)`): add the field to `type Subscription`
 * (schema/graphql.ts or `app.graphql.extendSchema`), define its resolver with `hubField(topicOf)`, and
 * handle its event kind on every instance (`app.realtime.dispatcher.on(kind, handler)`: read the rows, then
 * `hub.publish(topic, row)`). Subscribing and delivery are in ws-transport.ts: one rendering per event and
 * distinct selection, not one per subscriber.
 */
import type { GraphQLField } from 'graphql';
import type { IResolvers } from 'mercurius';
import { topics } from '../realtime/dispatcher.ts';

/** A subscription field's topic from its coerced arguments. */
export type TopicOf = (args: Record<string, unknown>) => string;

const TOPIC = Symbol('conclave.topic');

/** The resolver of a subscription field: the event's root value is the published row, and `topicOf` names what it listens to. */
export function hubField(topicOf: TopicOf): (payload: unknown) => unknown {
  return Object.assign((payload: unknown) => payload, { [TOPIC]: topicOf });
}

/** The topic function of a schema field defined with `hubField`, if it is one. */
export function topicOfField(field: GraphQLField<unknown, unknown> | undefined): TopicOf | undefined {
  return (field?.resolve as { [TOPIC]?: TopicOf } | undefined)?.[TOPIC];
}

/** The `Subscription` resolvers. */
export function createSubscriptionResolvers(): IResolvers {
  return {
    Subscription: {
      votes: hubField((args) => topics.votes(String(args.proposal))),
      proposalUpdated: hubField((args) => topics.proposalUpdated(String(args.id))),
      proposals: hubField((args) => topics.proposals(String(args.space))),
      riskReport: hubField((args) => topics.riskReport(String(args.proposal))),
    },
  };
}
