/** D9: airdrop-farming wallets — tiny-power wallets voting across many proposals seconds apart with a constant choice. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { fmt, median, pct, quantileSorted } from '../stats.ts';
import { mainChoice } from '../tally.ts';
import type { Flag } from '../types.ts';

/** Low-severity flag listing farming wallets (needs `context.otherVotes`). */
export function detectFarming(p: Prepared): Flag[] {
  const others = p.context.otherVotes;
  if (!others || others.length === 0 || p.latest.length === 0) return [];
  const t = p.thresholds.farming;
  const sortedVp = p.latest.map((v) => v.vp).sort((a, b) => a - b);
  const vpCut = quantileSorted(sortedVp, t.maxVpQuantile);
  const candidates = new Map<string, { created: number[]; choices: number[]; proposals: Set<string> }>();
  for (const v of p.latest) {
    if (v.vp > vpCut || (v.reason ?? '').trim()) continue;
    candidates.set(v.voter, { created: [v.created], choices: [mainChoice(v.choice)], proposals: new Set([p.proposal.id]) });
  }
  if (candidates.size < t.minWallets) return [];
  for (const o of others) {
    const c = candidates.get(o.voter);
    if (!c || o.proposal === p.proposal.id) continue;
    c.created.push(o.created);
    c.choices.push(mainChoice(o.choice));
    c.proposals.add(o.proposal);
  }
  const farmers: string[] = [];
  const gaps: number[] = [];
  const counts: number[] = [];
  for (const [voter, c] of candidates) {
    if (c.proposals.size < t.minProposals) continue;
    const times = c.created.sort((a, b) => a - b);
    const g: number[] = [];
    for (let i = 1; i < times.length; i++) g.push(times[i] - times[i - 1]);
    const mg = median(g);
    if (mg > t.maxMedianGapSeconds) continue;
    const freq = new Map<number, number>();
    for (const x of c.choices) freq.set(x, (freq.get(x) ?? 0) + 1);
    if (Math.max(...freq.values()) / c.choices.length < t.minChoiceConstancy) continue;
    farmers.push(voter);
    gaps.push(mg);
    counts.push(c.proposals.size);
  }
  if (farmers.length < t.minWallets) return [];
  farmers.sort();
  const fs = new Set(farmers);
  const votes = p.latest.filter((v) => fs.has(v.voter));
  const vp = votes.reduce((a, v) => a + v.vp, 0);
  return [
    makeFlag({
      kind: 'farming',
      severity: 'low',
      score: Math.min(1, 0.4 + farmers.length / 200),
      votes: votes.map((v) => v.id),
      voters: farmers,
      figures: {
        wallets: farmers.length,
        medianProposals: median(counts),
        medianGapSeconds: median(gaps),
        vpShare: p.totalVp > 0 ? vp / p.totalVp : 0,
      },
      explanation: (f) =>
        `${fmt(f.wallets)} tiny-power wallets without reasons voted on a median of ${fmt(f.medianProposals)} proposals, ${fmt(f.medianGapSeconds)} seconds apart, ` +
        `always with the same choice; together ${pct(f.vpShare)} of the cast power. Likely airdrop farming; not outcome-relevant.`,
    }),
  ];
}
