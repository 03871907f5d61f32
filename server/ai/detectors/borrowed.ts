/** D3: borrowed / flash voting power — power present at the snapshot block but not before or after it. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { removalChangesOutcome } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';
import type { Flag, Severity } from '../types.ts';

/** Flags each voter whose snapshot power dwarfs their power around it (needs `context.power`). */
export function detectBorrowedPower(p: Prepared): Flag[] {
  const power = p.context.power;
  if (!power || p.totalVp <= 0) return [];
  const t = p.thresholds.borrowed;
  const flags: Flag[] = [];
  for (const v of p.latest) {
    const pw = power[v.voter];
    if (!pw) continue;
    const around = Math.max(pw.before, pw.after, 0);
    const ratio = pw.at / Math.max(around, 1e-9);
    const share = v.vp / p.totalVp;
    if (ratio < t.minRatio || share < t.minShare) continue;
    const priorVotes = p.context.otherVotes ? p.context.otherVotes.filter((o) => o.voter === v.voter).length : -1;
    const outcomeChanged = removalChangesOutcome(p, [v.voter]);
    const severity: Severity = share >= t.highShare || outcomeChanged ? 'high' : 'medium';
    const figures: Record<string, number> = {
      vpBefore: pw.before,
      vpAtSnapshot: pw.at,
      vpAfter: pw.after,
      ratio: Math.min(ratio, 1e9),
      turnoutShare: share,
      outcomeChanged: outcomeChanged ? 1 : 0,
    };
    if (priorVotes >= 0) figures.priorVotes = priorVotes;
    flags.push(
      makeFlag({
        kind: 'borrowed-vp',
        severity,
        score: Math.min(1, 0.5 + share + Math.log10(Math.min(ratio, 1e6)) / 12),
        votes: p.byVoter.get(v.voter)!.map((x) => x.id),
        voters: [v.voter],
        figures,
        explanation: (f) =>
          `Voter held ${fmt(f.vpAtSnapshot)} voting power at the snapshot block but ${fmt(f.vpBefore)} before and ${fmt(f.vpAfter)} after it ` +
          `(${fmt(f.ratio)}× the surrounding power); this vote is ${pct(f.turnoutShare)} of the cast power` +
          (f.priorVotes !== undefined ? ` and the voter has ${fmt(f.priorVotes)} earlier votes in the space` : '') +
          `. Removing it would ${f.outcomeChanged ? '' : 'not '}change the outcome.`,
        outcomeChanged,
      }),
    );
  }
  return flags;
}
