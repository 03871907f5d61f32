/**
 * GraphQL subscriptions over a websocket: the graphql-transport-ws protocol (graphql-ws clients) and the
 * older graphql-ws protocol (subscriptions-transport-ws clients), on `GET /graphql` upgraded. Subscribers
 * are handed to the hub, which renders each event once per distinct selection and writes every
 * connection's frames of one event-loop turn together; this file only speaks the protocol.
 */
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { WebSocket } from 'ws';
import type { Hub, HubSocket } from '../realtime/hub.ts';
import { prepareSubscription, type CachedDocument, type SubscriptionRequest } from './prepare-subscription.ts';

export type WsTransportParameters = {
  app: FastifyInstance;
  hub: Hub;
  rules: ReadonlyArray<ValidationRule>;
  maxDepth: number;
  keepAliveMs: number;
};

type Protocol = { start: string; stop: string; next: string; keepAlive: string; modern: boolean };

const PROTOCOLS: Record<string, Protocol> = {
  'graphql-transport-ws': { start: 'subscribe', stop: 'complete', next: 'next', keepAlive: 'ping', modern: true },
  'graphql-ws': { start: 'start', stop: 'stop', next: 'data', keepAlive: 'ka', modern: false },
};

const CLOSE_BRACE = Buffer.from('}');

/** Documents checked per process (subscribers mostly send the same few). */
const DOCUMENT_CACHE_SIZE = 1000;

/** Returns the websocket handler of `GET /graphql`. */
export function createWsTransport({ app, hub, rules, maxDepth, keepAliveMs }: WsTransportParameters) {
  const cache = new Map<string, CachedDocument>();
  const schema = () => (app as unknown as { graphql: { schema: GraphQLSchema } }).graphql.schema;

  return (socket: WebSocket) => {
    const protocol = PROTOCOLS[socket.protocol];
    if (!protocol) {
      socket.close(1002, 'subprotocol must be graphql-transport-ws or graphql-ws');
      return;
    }
    const send = (message: object) => socket.send(JSON.stringify(message));
    const hubSocket: HubSocket = {
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      write(parts, written) {
        // Used when writeFrames cannot be: a negotiated extension (compression) needs ws' own framing.
        for (let n = 0; n < parts.length; n += 3) {
          const message = Buffer.concat([parts[n], parts[n + 1], parts[n + 2]]);
          socket.send(message, { binary: false }, n + 3 >= parts.length ? () => written() : undefined);
        }
      },
      writeFrames(frames, written) {
        const raw = (socket as unknown as { _socket?: { write(data: Buffer, callback: () => void): boolean } })._socket;
        if (!raw || socket.extensions !== '' || socket.readyState !== socket.OPEN) return false;
        // Frames written straight to the TCP socket, all of a round's in one write: ws' sender would encode,
        // allocate and write each frame separately, which cost most of a delivery.
        raw.write(frames, written);
        return true;
      },
      terminate: () => socket.terminate(),
      once: (event, listener) => socket.once(event, listener),
    };
    const active = new Map<string, () => void>();
    let initialised = false;
    let keepAlive: NodeJS.Timeout | undefined;
    // The hub ends the subscriptions of a socket that closes; only the protocol's own state is left here.
    socket.on('close', () => {
      clearInterval(keepAlive);
      active.clear();
    });
    socket.on('error', () => socket.terminate());

    const refuse = (code: number, reason: string) => {
      if (protocol.modern) socket.close(code, reason);
      else {
        send({ type: 'connection_error', payload: { message: reason } });
        socket.close(1000);
      }
    };

    const start = (id: string, request: SubscriptionRequest) => {
      if (!initialised) return refuse(4401, 'Unauthorized');
      if (active.has(id)) return refuse(4409, `Subscriber for ${id} already exists`);
      const prepared = prepareSubscription({ schema: schema(), app, request, rules, maxDepth, cache, cacheSize: DOCUMENT_CACHE_SIZE });
      if (prepared.errors) return send({ id, type: 'error', payload: prepared.errors });
      const before = Buffer.from(`{"id":${JSON.stringify(id)},"type":"${protocol.next}","payload":`);
      try {
        active.set(id, hub.subscribe({ socket: hubSocket, topic: prepared.topic, rendering: prepared.rendering, before, after: CLOSE_BRACE }));
      } catch (error) {
        send({ id, type: 'error', payload: [{ message: (error as Error).message }] });
      }
    };

    socket.on('message', (data, isBinary) => {
      let message: { type?: unknown; id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString() : data.toString());
      } catch {
        return refuse(4400, 'message must be JSON');
      }
      if (typeof message !== 'object' || message === null) return refuse(4400, 'message must be an object');
      const { type, id, payload } = message;
      if (type === 'connection_init') {
        if (initialised && protocol.modern) return refuse(4429, 'Too many initialisation requests');
        initialised = true;
        send({ type: 'connection_ack' });
        if (keepAliveMs > 0) keepAlive = setInterval(() => send({ type: protocol.keepAlive }), keepAliveMs).unref();
        return;
      }
      if (protocol.modern && type === 'ping') return send({ type: 'pong' });
      if (protocol.modern && type === 'pong') return;
      if (!protocol.modern && type === 'connection_terminate') return socket.close(1000);
      if (type === protocol.start || type === protocol.stop) {
        if (typeof id !== 'string' || id.length === 0 || id.length > 200) return refuse(4400, 'message id must be a non-empty string');
        if (type === protocol.stop) {
          active.get(id)?.();
          active.delete(id);
          return;
        }
        if (typeof payload !== 'object' || payload === null) return refuse(4400, 'subscribe needs a payload');
        return start(id, payload as SubscriptionRequest);
      }
      refuse(4400, `unknown message type ${String(type)}`);
    });
  };
}
