/** The IPFS content id (CIDv1, json codec, sha2-256) of a value's canonical JSON, computed locally. */
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';

const JSON_CODEC = 0x0200;

/** Canonical JSON: object keys sorted, no whitespace (so a value hashes the same after a jsonb round trip). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Computes the CIDv1 string of `value` as canonical JSON. */
export async function contentId(value: unknown): Promise<string> {
  const digest = await sha256.digest(new TextEncoder().encode(canonicalJson(value)));
  return CID.createV1(JSON_CODEC, digest).toString();
}
