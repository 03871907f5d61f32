/** The signature a receiver checks: HMAC-SHA256 of the raw body with the webhook's secret. */
import crypto from 'node:crypto';

/** `sha256=<hex>`, the value of the `x-conclave-signature` header. */
export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks a received signature in constant time. */
export function verifyBodySignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
