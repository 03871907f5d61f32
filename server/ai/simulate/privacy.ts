/** Differential privacy for exported aggregates: the Laplace mechanism with an epsilon budget ledger. */
import type { Rng } from './rng.ts';

/** One draw of Laplace(0, scale) noise. */
export function laplace(rng: Rng, scale: number): number {
  const u = rng.next() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

export class PrivacyBudgetError extends Error {
  constructor() {
    super('privacy budget exhausted');
    this.name = 'PrivacyBudgetError';
  }
}

/** Tracks spent epsilon; each release spends its epsilon and fails once the total would exceed the budget. */
export class PrivacyLedger {
  readonly budget: number;
  spent = 0;
  readonly entries: { label: string; epsilon: number }[] = [];
  constructor(budget: number) {
    this.budget = budget;
  }
  spend(label: string, epsilon: number): void {
    if (!(epsilon > 0) || this.spent + epsilon > this.budget + 1e-12) throw new PrivacyBudgetError();
    this.spent += epsilon;
    this.entries.push({ label, epsilon });
  }
}

export type PrivatizeParameters = {
  values: Record<string, number>;
  /** Epsilon for this whole release (split evenly across the values). */
  epsilon: number;
  /** L1 sensitivity of each value (after clipping per contributor). */
  sensitivity: number;
  rng: Rng;
  ledger?: PrivacyLedger;
  label?: string;
};

/** Adds Laplace noise with scale sensitivity·k/epsilon to each of k values. */
export function privatize(p: PrivatizeParameters): Record<string, number> {
  const keys = Object.keys(p.values);
  p.ledger?.spend(p.label ?? 'release', p.epsilon);
  const scale = (p.sensitivity * Math.max(1, keys.length)) / p.epsilon;
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = p.values[k] + laplace(p.rng, scale);
  return out;
}
