/**
 * A subscription request checked once: parsed and validated (cached by query text, as for HTTP: the
 * document limits and depth), its variables and arguments coerced, its topic chosen, and its rendering: how
 * one published row becomes the `{data, errors}` JSON that every subscriber with the same selection gets.
 */
import { createRequire } from 'node:module';
import {
  execute,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { collectFields } from 'graphql/execution/collectFields.js';
import type { Rendering } from '../realtime/hub.ts';
import { topicOfField } from './subscriptions.ts';

const require = createRequire(import.meta.url);
/** mercurius' own depth rule and loader factory (what HTTP requests get), not re-implemented here. */
const queryDepth = require('mercurius/lib/queryDepth.js') as (definitions: DocumentNode['definitions'], limit: number) => GraphQLError[];
const { kFactory, kLoaders } = require('mercurius/lib/symbols.js') as { kFactory: symbol; kLoaders: symbol };

export type SubscriptionRequest = { query: unknown; variables?: unknown; operationName?: unknown };

export type PrepareSubscriptionParameters = {
  schema: GraphQLSchema;
  /** The fastify app mercurius decorated (its loader factory renders nested fields in batches). */
  app: object;
  request: SubscriptionRequest;
  rules: ReadonlyArray<ValidationRule>;
  maxDepth: number;
  /** Parsed and validated documents by query text (bounded by the caller's `cacheSize`). */
  cache: Map<string, CachedDocument>;
  cacheSize: number;
};

export type CachedDocument = { schema: GraphQLSchema; document?: DocumentNode; errors: ReadonlyArray<GraphQLError> };

export type PrepareSubscriptionReturnType =
  | { errors: ReadonlyArray<GraphQLError | { message: string }> }
  | { errors?: undefined; topic: string; rendering: Rendering };

const fail = (message: string) => ({ errors: [{ message }] });

/** Checks a subscription request and returns its topic and rendering, or the errors to send back. */
export function prepareSubscription({ schema, app, request, rules, maxDepth, cache, cacheSize }: PrepareSubscriptionParameters): PrepareSubscriptionReturnType {
  const { query, variables = {}, operationName = null } = request;
  if (typeof query !== 'string') return fail('`query` must be a string');
  if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return fail('`variables` must be an object');
  if (operationName !== null && typeof operationName !== 'string') return fail('`operationName` must be a string');
  const variableValues = (variables ?? {}) as Record<string, unknown>;

  let cached = cache.get(query);
  if (!cached || cached.schema !== schema) {
    cached = checkDocument(schema, query, rules, maxDepth);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
    cache.set(query, cached);
  }
  if (!cached.document) return { errors: cached.errors };
  const document = cached.document;

  const operation = getOperationAST(document, operationName);
  if (!operation) return fail(operationName ? `unknown operation "${operationName}"` : 'the document must name which operation to run');
  if (operation.operation !== 'subscription') return fail('only subscriptions are served over the websocket; send queries and mutations over HTTP');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues, { maxErrors: 10 });
  if (coerced.errors) return { errors: coerced.errors };
  const root = schema.getSubscriptionType()!;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const [[, fieldNodes] = []] = collectFields(schema, fragments, coerced.coerced, root, operation.selectionSet);
  if (!fieldNodes) return fail('the subscription selects no field');
  const name = fieldNodes[0].name.value;
  const field = root.getFields()[name];
  const topicOf = topicOfField(field);
  if (!topicOf) return fail(`the subscription field "${name}" is not served`);
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(field, fieldNodes[0], coerced.coerced);
  } catch (error) {
    return { errors: [error as GraphQLError] };
  }

  // Everything the text depends on: the same key renders once for every subscriber that has it. The coerced
  // variables (in definition order, unused ones left out), so key order or extra variables do not split a group.
  const key = `${operationName ?? ''}\n${JSON.stringify(coerced.coerced)}\n${query}`;
  const rendering: Rendering = {
    key,
    render(payload, scope) {
      const result = execute({ schema, document, rootValue: payload, contextValue: roundContext(app, scope), variableValues, operationName });
      return result instanceof Promise ? result.then(serialize, serializeFailure) : serialize(result);
    },
  };
  return { topic: topicOf(args), rendering };
}

function checkDocument(schema: GraphQLSchema, query: string, rules: ReadonlyArray<ValidationRule>, maxDepth: number): CachedDocument {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { schema, errors: [error as GraphQLError] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...rules]);
  if (errors.length > 0) return { schema, errors };
  const tooDeep = queryDepth(document.definitions, maxDepth);
  if (tooDeep.length > 0) return { schema, errors: tooDeep.map((error) => ({ message: error.message }) as GraphQLError) };
  return { schema, document, errors: [] };
}

/** One GraphQL context per delivery round: the loaders batch (and share) reads across its events. */
const contexts = new WeakMap<object, object>();
function roundContext(app: object, scope: object): object {
  let context = contexts.get(scope);
  if (!context) {
    const reply: Record<symbol, unknown> = {};
    context = { app, reply };
    const factory = (app as Record<symbol, { create(context: object): unknown } | undefined>)[kFactory];
    if (factory) reply[kLoaders] = factory.create(context);
    contexts.set(scope, context);
  }
  return context;
}

function serialize(result: ExecutionResult): string {
  return JSON.stringify(result.errors ? { data: result.data ?? null, errors: result.errors.map((error) => error.toJSON()) } : { data: result.data });
}

function serializeFailure(error: unknown): string {
  return JSON.stringify({ data: null, errors: [{ message: error instanceof Error ? error.message : String(error) }] });
}
