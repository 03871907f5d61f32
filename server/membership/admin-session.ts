/**
 * Admin session tokens issued after a SIWE login: `<payload>.<mac>`, HMAC-SHA256 under a key derived from the
 * service key (its deterministic RFC 6979 signature of a fixed label), so every instance sharing the service key
 * accepts the token and no session table is needed. Sessions last at most as long as the SIWE message allows (≤ 1 h).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ServiceKey } from '../service-key.ts';

export type AdminSession = { address: string; expiresAt: number };

const LABEL = `0x${createHash('sha256').update('conclave:admin-session:v1').digest('hex')}`;
const keys = new WeakMap<ServiceKey, Buffer>();

function sessionKey(serviceKey: ServiceKey): Buffer {
  let key = keys.get(serviceKey);
  if (!key) {
    key = createHash('sha256').update(serviceKey.signDigest(LABEL)).digest();
    keys.set(serviceKey, key);
  }
  return key;
}

const mac = (serviceKey: ServiceKey, payload: string) =>
  createHmac('sha256', sessionKey(serviceKey)).update(payload).digest('base64url');

/** A bearer token for `address` until `expiresAt` (ms since epoch). */
export function createSessionToken(serviceKey: ServiceKey, session: AdminSession): string {
  const payload = Buffer.from(JSON.stringify({ sub: session.address, exp: session.expiresAt })).toString('base64url');
  return `${payload}.${mac(serviceKey, payload)}`;
}

/** The session a token carries, or null when it is malformed, forged or expired at `now` (ms). */
export function readSessionToken(serviceKey: ServiceKey, token: string, now = Date.now()): AdminSession | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 1024) return null;
  const expected = Buffer.from(mac(serviceKey, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: { sub?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || claims.exp <= now) return null;
  return { address: claims.sub, expiresAt: claims.exp };
}

/** The bearer token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}
