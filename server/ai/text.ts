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

function sortedUnique(xs: number[]): Uint32Array {
  const a = Uint32Array.from(xs).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i];
  return a.subarray(0, n);
}

/** Hashed word k-shingles as a sorted set (the whole text when shorter than k words). */
export function wordShingles(text: string, k = 3): Uint32Array {
  const words = text.split(' ');
  const hs: number[] = [];
  if (words.length <= k) hs.push(hash32(text));
  else for (let i = 0; i + k <= words.length; i++) hs.push(hash32(words.slice(i, i + k).join(' ')));
  return sortedUnique(hs);
}

/** Hashed distinct words as a sorted set. */
export function wordSet(text: string): Uint32Array {
  return sortedUnique(text.split(' ').map(hash32));
}

/** Jaccard similarity of two sorted hashed sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
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
      h = (h ^ (h >>> 13)) >>> 0; // unsigned: a negative int32 would undercut every stored minimum
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

/** LSH band keys of a signature (`rows` rows per band), as numbers (collisions only add candidates). */
export function bandKeys(sig: Uint32Array, rows: number): number[] {
  const keys: number[] = [];
  for (let b = 0; b + rows <= sig.length; b += rows) {
    let h = Math.imul(b + 1, 0x9e3779b1);
    for (let r = 0; r < rows; r++) h = Math.imul(h ^ sig[b + r], 0x01000193) ^ (h >>> 15);
    // 52-bit key: band index in the high part keeps bands apart
    keys.push((b / rows) * 4294967296 + (h >>> 0));
  }
  return keys;
}

/** Character-trigram count vector: sorted hashed trigrams with counts, and its norm. */
export type TrigramVector = { keys: Uint32Array; counts: Uint16Array; norm: number };

export function trigramVector(text: string): TrigramVector {
  const t = ` ${text} `;
  const hs: number[] = [];
  for (let i = 0; i + 3 <= t.length; i++) hs.push(((t.charCodeAt(i) * 65599 + t.charCodeAt(i + 1)) * 65599 + t.charCodeAt(i + 2)) >>> 0);
  const all = Uint32Array.from(hs).sort();
  const keys: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < all.length; i++) {
    if (i > 0 && all[i] === all[i - 1]) counts[counts.length - 1]++;
    else {
      keys.push(all[i]);
      counts.push(1);
    }
  }
  let norm = 0;
  for (const c of counts) norm += c * c;
  return { keys: Uint32Array.from(keys), counts: Uint16Array.from(counts), norm: Math.sqrt(norm) };
}

/** Cosine similarity of two trigram vectors. */
export function cosine(a: TrigramVector, b: TrigramVector): number {
  if (!a.norm || !b.norm) return 0;
  let i = 0;
  let j = 0;
  let dot = 0;
  while (i < a.keys.length && j < b.keys.length) {
    if (a.keys[i] === b.keys[j]) dot += a.counts[i++] * b.counts[j++];
    else if (a.keys[i] < b.keys[j]) i++;
    else j++;
  }
  return dot / (a.norm * b.norm);
}

/**
 * Function words of English (articles, pronouns, auxiliaries, prepositions, conjunctions) and the placeholders
 * of `normalizeReason`: a paraphrase swaps these freely, so the content words are what two paraphrases share.
 */
const STOP_WORDS = new Set(
  ('a about above after again against all also am an and any are as at be because been being both but by can could did do does doing ' +
    'during each few for from further had has have having he her here hers him his how i if in into is it its itself just me more most my ' +
    'myself no nor not now of off on once only or other our ours out over own same she should since so some such than that the their ' +
    'them then there these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours num addr').split(' '),
);

const SUFFIXES: [string, string][] = [['ies', 'i'], ['ied', 'i'], ['ing', ''], ['ed', ''], ['es', ''], ['s', ''], ['ly', '']];

/** Light suffix stripping (one inflectional suffix, then a final e): "voting", "votes", "voted" and "vote" meet. */
export function lightStem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  for (const [suffix, replacement] of SUFFIXES) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length) + replacement;
      break;
    }
  }
  return w.length > 3 && w.endsWith('e') ? w.slice(0, -1) : w;
}

/** The stemmed content words of a normalised text, in order (function words and placeholders dropped). */
export function contentWords(norm: string): string[] {
  const out: string[] = [];
  for (const w of norm.split(' ')) if (w && !STOP_WORDS.has(w)) out.push(lightStem(w));
  return out;
}
