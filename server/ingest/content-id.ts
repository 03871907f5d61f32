/** The IPFS content id (CIDv1, json codec, sha2-256) of a value's canonical JSON, computed locally. */
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';

const JSON_CODEC = 0x0200;

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), undefined members left out, no whitespace (so a
 * value hashes the same after a jsonb round trip). Built by concatenation: it hashes every log entry.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let items = '';
    for (let index = 0; index < value.length; index++) items += (index === 0 ? '' : ',') + canonicalJson(value[index]);
    return `[${items}]`;
  }
  const object = value as Record<string, unknown>;
  let members = '';
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member !== undefined) members += `${members === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `{${members}}`;
}

/** Computes the CIDv1 string of `value` as canonical JSON. */
export async function contentId(value: unknown): Promise<string> {
  const digest = await sha256.digest(new TextEncoder().encode(canonicalJson(value)));
  return CID.createV1(JSON_CODEC, digest).toString();
}
