/** The IPFS content id (CIDv1, json codec, sha2-256) of a value's canonical JSON, computed locally. */
import crypto from 'node:crypto';
import { CID } from 'multiformats/cid';
import { create } from 'multiformats/hashes/digest';

const JSON_CODEC = 0x0200;
const SHA2_256 = 0x12;

/** Canonical JSON already computed for objects that no longer change (an accepted envelope's data). */
const settled = new WeakMap<object, string>();

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), undefined members left out, no whitespace (so a
 * value hashes the same after a jsonb round trip). Built by concatenation: it hashes every log entry.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const known = settled.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) out += (index === 0 ? '' : ',') + canonicalJson(value[index]);
    return `${out}]`;
  }
  const keys = sortKeys(Object.keys(value));
  let out = '{';
  for (const key of keys) {
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(child)}`;
  }
  return `${out}}`;
}

/**
 * Sorts keys by UTF-16 code units, as the default sort and `<` do. Objects in messages have a few keys: an
 * insertion sort in place allocates nothing, where `Array.prototype.sort` copies into a work area each call.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Computes `value`'s canonical JSON once and returns it whenever `canonicalJson` meets this object again
 * (the content id and the log's hash chain both cover the envelope). The caller must not change it afterwards.
 */
export function settleCanonicalJson(value: object): string {
  const text = canonicalJson(value);
  settled.set(value, text);
  return text;
}

/** Computes the CIDv1 string of `value` as canonical JSON. */
export async function contentId(value: unknown): Promise<string> {
  const digest = create(SHA2_256, crypto.createHash('sha256').update(canonicalJson(value)).digest());
  return CID.createV1(JSON_CODEC, digest).toString();
}
