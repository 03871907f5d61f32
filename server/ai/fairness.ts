/** Proposal legitimacy metrics (never a flag): concentration of the cast power and head count vs power. */
import { sortedPower, type Prepared } from './prepare.ts';
import { giniSorted, nakamotoSorted, round } from './stats.ts';
import { mainChoice } from './tally.ts';
import type { Fairness, VoteVersion } from './types.ts';

/** Gini, Nakamoto coefficient, top-1/top-10 share, HHI, effective voters, head-count vs power per choice. */
export function fairnessSummary(p: Prepared): Fairness {
  const asc = sortedPower(p);
  let total = 0;
  let squares = 0;
  for (let i = 0; i < asc.length; i++) {
    total += asc[i];
    squares += asc[i] * asc[i];
  }
  const top = (k: number): number => {
    let s = 0;
    for (let i = asc.length - 1; i >= Math.max(0, asc.length - k); i--) s += asc[i];
    return total > 0 ? s / total : 0;
  };
  const hhi = total > 0 ? squares / (total * total) : 0;
  const n = p.proposal.choices.length;
  const heads = p.cache?.heads ? [...p.cache.heads] : headCounts(p.latest, n);
  const headTotal = heads.reduce((a, b) => a + b, 0);
  const headShare = heads.map((h) => (headTotal ? h / headTotal : 0));
  const vpShare = p.result.scores.map((s) => (p.totalVp > 0 ? s / p.totalVp : 0));
  let divergence = 0;
  for (let i = 0; i < n; i++) divergence = Math.max(divergence, Math.abs(headShare[i] - vpShare[i]));
  let headWinner = -1;
  for (let i = 0; i < n; i++) if (heads[i] > 0 && (headWinner < 0 || heads[i] > heads[headWinner])) headWinner = i;
  return {
    voters: p.latest.length,
    totalVp: round(total),
    gini: round(giniSorted(asc)),
    nakamoto: nakamotoSorted(asc, total),
    top1Share: round(top(1)),
    top10Share: round(top(10)),
    hhi: round(hhi),
    effectiveVoters: round(hhi > 0 ? 1 / hhi : 0),
    headShare: headShare.map(round),
    vpShare: vpShare.map(round),
    countVsPowerDivergence: round(divergence),
    countWinnerDiffers: headWinner >= 0 && p.result.winner >= 0 && headWinner !== p.result.winner,
  };
}

/** Counted voters per choice (by main choice). */
function headCounts(latest: Iterable<VoteVersion>, choices: number): number[] {
  const heads = new Array<number>(choices).fill(0);
  for (const v of latest) {
    const c = mainChoice(v.choice);
    if (c >= 0 && c < choices) heads[c]++;
  }
  return heads;
}
