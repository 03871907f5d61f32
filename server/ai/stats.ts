/** Small numeric helpers used by the detectors. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Quantile q in [0,1] of already sorted ascending values (linear interpolation). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Robust z-score of x against values: (x - median) / (1.4826 * MAD); 0 with fewer than 3 values. */
export function robustZ(x: number, values: readonly number[]): number {
  if (values.length < 3) return 0;
  const med = median(values);
  const mad = median(values.map((v) => Math.abs(v - med))) * 1.4826;
  const scale = mad > 0 ? mad : Math.max(Math.abs(med) * 0.1, 1e-9);
  return (x - med) / scale;
}

/** Gini coefficient of non-negative values. */
export function gini(values: readonly number[]): number {
  return giniSorted(Float64Array.from(values).sort());
}

/** Minimal number of the largest values whose sum exceeds half of the total. */
export function nakamoto(values: readonly number[]): number {
  const s = Float64Array.from(values).sort();
  let total = 0;
  for (const v of s) total += v;
  return nakamotoSorted(s, total);
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}

/** Rounds for stable figures (6 significant digits). */
export function round(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Number(x.toPrecision(6));
}

/** Formats a number for explanations. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '0';
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Gini of ascending-sorted non-negative values. */
export function giniSorted(s: ArrayLike<number>): number {
  const n = s.length;
  if (n < 2) return 0;
  let cum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    cum += s[i];
    weighted += (i + 1) * s[i];
  }
  return cum > 0 ? (2 * weighted) / (n * cum) - (n + 1) / n : 0;
}

/** Nakamoto coefficient of ascending-sorted values with their total. */
export function nakamotoSorted(s: ArrayLike<number>, total: number): number {
  if (total <= 0) return 0;
  let cum = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    cum += s[i];
    if (cum > total / 2) return s.length - i;
  }
  return s.length;
}

/** First index of an ascending array whose value is ≥ x. */
export function lowerBound<T extends number | string>(a: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index of an ascending array whose value is > x. */
export function upperBound<T extends number | string>(a: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index of an array ascending by `cmp` whose element is not before x. */
export function lowerBoundBy<T>(a: readonly T[], x: T, cmp: (p: T, q: T) => number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (cmp(a[m], x) < 0) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** First index of an array ascending by `cmp` whose element is after x. */
export function upperBoundBy<T>(a: readonly T[], x: T, cmp: (p: T, q: T) => number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (cmp(a[m], x) <= 0) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Spread over mean of n values from their sum and sum of squares (Infinity when the mean is not positive). */
export function coefficientOfVariation(sum: number, squares: number, n: number): number {
  const mean = sum / n;
  return mean > 0 ? Math.sqrt(Math.max(0, squares / n - mean * mean)) / mean : Infinity;
}
