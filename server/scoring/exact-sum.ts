/**
 * Exact running sums of doubles (Shewchuk's non-overlapping partials, as in Python's `math.fsum`).
 * A sum is a `number[]` of partials whose exact real sum is the exact sum of everything added;
 * adding `-x` removes `x` exactly, so a running total does not drift however often ballots change,
 * and its value does not depend on the order in which ballots arrived.
 */

/** A fresh exact sum (zero). */
export function createExactSum(): number[] {
  return [];
}

/** Adds `x` (finite) to the exact sum `partials` in place. */
export function addExact(partials: number[], x: number): void {
  let kept = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j];
    if (Math.abs(x) < Math.abs(y)) {
      const swap = x;
      x = y;
      y = swap;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[kept++] = lo;
    x = hi;
  }
  partials.length = kept;
  if (x !== 0) partials.push(x);
}

/** The exact sum rounded once to the nearest double (ties to even); 0 for an empty sum. */
export function exactSumValue(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half to even across the remaining partials: the sign of the next partial decides a tie.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi + 0;
}
