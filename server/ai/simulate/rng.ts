/** Seeded pseudo-random numbers for the simulator (sfc32 seeded by splitmix32). */

export type Rng = {
  /** Uniform in [0, 1). */
  next(): number;
  int(n: number): number;
  range(lo: number, hi: number): number;
  normal(): number;
  lognormal(mu: number, sigma: number): number;
  pareto(xm: number, alpha: number): number;
  exponential(mean: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: T[]): T[];
  /** 0x-prefixed 40-hex-digit address. */
  address(): string;
  /** A child generator with an independent stream. */
  fork(label: string): Rng;
};

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Creates a generator from an integer seed. */
export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const next = (): number => u32() / 4294967296;
  const rng: Rng = {
    next,
    int: (n) => Math.floor(next() * n),
    range: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => Math.sqrt(-2 * Math.log(next() + 1e-300)) * Math.cos(2 * Math.PI * next()),
    lognormal: (mu, sigma) => Math.exp(mu + sigma * rng.normal()),
    pareto: (xm, alpha) => xm / Math.pow(1 - next(), 1 / alpha),
    exponential: (mean) => -mean * Math.log(1 - next()),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    shuffle: (xs) => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [xs[i], xs[j]] = [xs[j], xs[i]];
      }
      return xs;
    },
    address: () => {
      let s = '0x';
      for (let i = 0; i < 5; i++) s += u32().toString(16).padStart(8, '0');
      return s;
    },
    fork: (label) => createRng((u32() ^ hashLabel(label)) >>> 0),
  };
  return rng;
}
