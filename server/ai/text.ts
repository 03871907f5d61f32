/** Text helpers for reason coordination: normalisation, shingles, MinHash and n-gram cosine. */

const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g;
const HTML_COMMENT = /<!--[\s\S]*?-->/g;

/** Removes zero-width and bidi control characters and HTML comments (text stays otherwise unchanged). */
export function stripHidden(text: string): string {
  return text.normalize('NFKC').replace(HTML_COMMENT, ' ').replace(INVISIBLE, '');
}

/** Lower-case words without punctuation, numbers and addresses replaced by placeholders. */
export function normalizeReason(text: string): string {
  return stripHidden(text)
    .toLowerCase()
    .replace(/0x[0-9a-f]{6,}/g, ' addr ')
    .replace(/[0-9]+([.,][0-9]+)*/g, ' num ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/** 32-bit FNV-1a hash. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hashed word k-shingles (the whole text when shorter than k words). */
export function wordShingles(text: string, k = 3): Uint32Array {
  const words = text.split(' ');
  const set = new Set<number>();
  if (words.length <= k) set.add(hash32(text));
  else for (let i = 0; i + k <= words.length; i++) set.add(hash32(words.slice(i, i + k).join(' ')));
  return Uint32Array.from(set);
}

/** Hashed distinct words. */
export function wordSet(text: string): Uint32Array {
  return Uint32Array.from(new Set(text.split(' ').map(hash32)));
}

/** Jaccard similarity of two hashed sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  const s = new Set(a);
  let inter = 0;
  for (const x of b) if (s.has(x)) inter++;
  return inter / (a.length + b.length - inter);
}

const SEEDS_A: number[] = [];
const SEEDS_B: number[] = [];
{
  let x = 0x9e3779b9;
  for (let i = 0; i < 64; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    SEEDS_A.push(x | 1);
    x = (Math.imul(x ^ (x >>> 13), 0x297a2d39) + 0x1b873593) >>> 0;
    SEEDS_B.push(x);
  }
}

/** MinHash signature with `n` (≤ 64) hash functions. */
export function minhash(set: Uint32Array, n: number): Uint32Array {
  const sig = new Uint32Array(n).fill(0xffffffff);
  for (const v of set) {
    for (let i = 0; i < n; i++) {
      let h = (Math.imul(v, SEEDS_A[i]) + SEEDS_B[i]) >>> 0;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b) >>> 0;
      h ^= h >>> 13;
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

/** LSH band keys of a signature (`rows` rows per band). */
export function bandKeys(sig: Uint32Array, rows: number): string[] {
  const keys: string[] = [];
  for (let b = 0; b + rows <= sig.length; b += rows) {
    let k = `${b}`;
    for (let r = 0; r < rows; r++) k += `:${sig[b + r]}`;
    keys.push(k);
  }
  return keys;
}

/** Character-trigram count vector (over the text with padding). */
export function trigramVector(text: string): Map<string, number> {
  const t = ` ${text} `;
  const m = new Map<string, number>();
  for (let i = 0; i + 3 <= t.length; i++) {
    const g = t.slice(i, i + 3);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** Cosine similarity of two count vectors. */
export function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
