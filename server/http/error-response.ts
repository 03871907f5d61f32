/** The error body every route returns, Snapshot's shape: `{error, error_description}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ClientError, UnavailableError } from '../errors.ts';

export const errorResponseSchema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: { type: 'string', enum: ['client_error', 'server_error'] },
    error_description: { type: 'string' },
  },
} as const;

// Error codes a PostgreSQL client reports when the server is unreachable or restarting.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);

// Messages of the same conditions where the code alone is too broad (55000) or missing.
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|not currently accepting connections|too many clients|the database system is (starting up|shutting down)|Client has encountered a connection error/i;

/** True when `error` (or its cause) says the database cannot be reached right now. */
export function isUnavailable(error: unknown): boolean {
  type Link = { code?: string; cause?: unknown; originalError?: unknown };
  for (let current = error as Link | undefined; current; current = ((current as Link).cause ?? (current as Link).originalError) as Link | undefined) {
    if (current instanceof UnavailableError) return true;
    if (typeof current.code === 'string' && UNAVAILABLE_CODES.has(current.code)) return true;
    if (current instanceof Error && UNAVAILABLE_MESSAGES.test(current.message)) return true;
  }
  return false;
}

/** Maps any thrown error to Snapshot's error shape and status code; server faults are logged, not echoed. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ClientError) {
    request.log.debug({ reason: error.message, status: error.statusCode }, 'request refused');
    return reply.code(error.statusCode).send({ error: 'client_error', error_description: error.message });
  }
  if (error.validation || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return reply.code(400).send({ error: 'client_error', error_description: 'wrong envelope format' });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.code(413).send({ error: 'client_error', error_description: 'too large message' });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.code(415).send({ error: 'client_error', error_description: 'content-type must be application/json' });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ error: 'client_error', error_description: error.message });
  }
  if (isUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    const retryAfter = error instanceof UnavailableError ? error.retryAfterSeconds : 5;
    return reply
      .code(503)
      .header('retry-after', String(retryAfter))
      .send({ error: 'server_error', error_description: 'service unavailable, retry later' });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ error: 'server_error', error_description: 'internal error' });
}
