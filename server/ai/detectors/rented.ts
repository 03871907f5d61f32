/** D2: rented voting power (vote markets) — a delegate's power far above its own baseline, or a known market delegate. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, counterfactual } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';

import type { Flag, Severity } from '../types.ts';

/** Flags voters whose VP jumped ≥ minRatio × their baseline (needs `context.vpBaseline` or `marketDelegates`). */
export function detectRentedPower(p: Prepared): Flag[] {
  const base = p.context.vpBaseline;
  const market = new Set((p.context.marketDelegates ?? []).map((a) => a.toLowerCase()));
  if ((!base && market.size === 0) || p.totalVp <= 0) return [];
  const t = p.thresholds.rented;
  const flags: Flag[] = [];
  for (const v of p.latest) {
    const b = base?.[v.voter];
    const isMarket = market.has(v.voter.toLowerCase());
    const ratio = b !== undefined && b > 0 ? v.vp / b : 0;
    const share = v.vp / p.totalVp;
    const jumped = ratio >= t.minRatio && share >= t.minShare;
    if (!jumped && !isMarket) continue;
    const excess = b !== undefined ? Math.max(0, v.vp - b) : v.vp;
    const outcomeChanged = changesOutcome(p, counterfactual(p, new Map([[v.voter, { ...v, vp: v.vp - excess }]])));
    // A registered market delegate voting with its usual power is transparent: informational only.
    const severity: Severity = !jumped ? 'low' : outcomeChanged ? 'high' : 'medium';
    const figures: Record<string, number> = {
      vp: v.vp,
      turnoutShare: share,
      knownMarketDelegate: isMarket ? 1 : 0,
      outcomeChanged: outcomeChanged ? 1 : 0,
    };
    if (b !== undefined) {
      figures.baselineVp = b;
      figures.ratio = Math.min(ratio, 1e9);
    }
    flags.push(
      makeFlag({
        kind: 'rented-vp',
        severity,
        score: Math.min(1, 0.5 + (isMarket ? 0.3 : 0) + Math.log10(Math.max(1, Math.min(ratio, 1e5))) / 10 + share / 2),
        votes: p.byVoter.get(v.voter)!.map((x) => x.id),
        voters: [v.voter],
        figures,
        explanation: (f) =>
          `Rented voting power: this voter cast ${fmt(f.vp)} (${pct(f.turnoutShare)} of the cast power)` +
          (f.baselineVp !== undefined ? `, ${fmt(f.ratio)}× their usual ${fmt(f.baselineVp)}` : '') +
          (f.knownMarketDelegate ? ', and is a registered vote-market delegate' : '') +
          `. Without the power above their baseline the outcome would ${f.outcomeChanged ? '' : 'not '}change.`,
        outcomeChanged,
      }),
    );
  }
  return flags;
}
