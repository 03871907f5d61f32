/**
 * The security headers helmet sets, computed once: with no CSP nonce they do not depend on the request, and
 * building helmet's middleware per request (as @fastify/helmet does) cost more than the rest of the limits.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export type SecurityHeadersReturnType = Readonly<Record<string, string>>;

/** The headers `helmet(options)` sets on a response, by lowercase name. */
export function securityHeaders(options: HelmetOptions): SecurityHeadersReturnType {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = [value].flat().join(', ');
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}
