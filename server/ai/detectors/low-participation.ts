/** D8: low-participation capture — abnormally low turnout and a result decided by one or two voters. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { fmt, median, nakamoto, pct, quantileSorted, robustZ } from '../stats.ts';
import { mainChoice } from '../tally.ts';
import type { Flag, Severity } from '../types.ts';

/** Flags a passed proposal with low turnout (vs the space baseline, or absolute) whose winning side is concentrated. */
export function detectLowParticipation(p: Prepared): Flag[] {
  const t = p.thresholds.lowParticipation;
  const voters = p.latest.length;
  if (voters === 0 || p.result.winner < 0 || !p.result.quorumMet) return [];
  const base = p.context.baseline;
  const figures: Record<string, number> = { voters, vpTurnout: p.totalVp };
  // The author's cluster: the author, wallets the author funded, and the author's own funder when it voted.
  const author = p.proposal.author?.toLowerCase();
  const funders = p.context.funders ?? {};
  const authorFunder = p.proposal.author ? funders[p.proposal.author]?.toLowerCase() : undefined;
  let authorVp = 0;
  let authorClusterVp = 0;
  if (author) {
    for (const v of p.latest) {
      const voter = v.voter.toLowerCase();
      if (voter === author) authorVp += v.vp;
      if (voter === author || funders[v.voter]?.toLowerCase() === author || voter === authorFunder) authorClusterVp += v.vp;
    }
  }
  figures.authorVpShare = authorVp / p.totalVp;
  figures.authorClusterVpShare = authorClusterVp / p.totalVp;
  const authorCapture = figures.authorClusterVpShare >= 0.5;
  let low = false;
  if (base && base.voters.length >= 3) {
    // Reference turnout: the upper quartile, so that earlier captured (quiet) proposals do not drag it down.
    const refVoters = quantileSorted([...base.voters].sort((a, b) => a - b), 0.75);
    const refVp = quantileSorted([...base.vpTurnout].sort((a, b) => a - b), 0.75);
    figures.baselineMedianVoters = median(base.voters);
    figures.baselineReferenceVoters = refVoters;
    figures.votersZ = robustZ(voters, base.voters);
    figures.votersRatio = refVoters > 0 ? voters / refVoters : 1;
    figures.baselineReferenceVp = refVp;
    figures.turnoutRatio = refVp > 0 ? p.totalVp / refVp : 1;
    // clearly low, or moderately low together with a low z-score or with the author's cluster holding the majority
    low = figures.votersRatio <= t.maxTurnoutRatio || (figures.votersRatio <= 0.5 && (figures.votersZ <= t.maxZ || authorCapture));
    if (base.durations && base.durations.length >= 3) figures.durationRatio = (p.proposal.end - p.proposal.start) / Math.max(1, median(base.durations));
  } else {
    low = voters < t.minVoters || (authorCapture && voters < 2 * t.minVoters);
  }
  if (!low) return [];
  const winnerVps = p.latest.filter((v) => mainChoice(v.choice) === p.result.winner).map((v) => v.vp);
  const winnerNak = nakamoto(winnerVps);
  figures.winnerNakamoto = winnerNak;
  if (winnerNak > t.maxWinnerNakamoto) return [];
  const q = p.proposal.quorum;
  figures.quorumRatio = q > 0 ? p.totalVp / q : 0;
  const body = (p.proposal.body ?? '').trim();
  figures.bodyChars = body.length;
  const barely = q > 0 && figures.quorumRatio <= t.barelyQuorum;
  const terse = p.proposal.body !== undefined && body.length < t.terseBodyChars;
  const short = figures.durationRatio !== undefined && figures.durationRatio < 0.5;
  const strong = [terse, short, authorCapture].filter(Boolean).length;
  figures.aggravatingSignals = strong + (barely ? 1 : 0);
  // Barely meeting quorum alone is common for quiet honest proposals: it needs a stronger signal for high.
  const severity: Severity = strong >= 1 ? 'high' : 'medium';
  const winnerTop = [...p.latest].filter((v) => mainChoice(v.choice) === p.result.winner).sort((a, b) => b.vp - a.vp).slice(0, Math.max(1, winnerNak));
  return [
    makeFlag({
      kind: 'low-participation',
      severity,
      score: Math.min(1, 0.5 + 0.15 * figures.aggravatingSignals),
      votes: winnerTop.map((v) => v.id),
      voters: winnerTop.map((v) => v.voter),
      figures,
      explanation: (f) =>
        `Only ${fmt(f.voters)} voters took part` +
        (f.baselineMedianVoters !== undefined ? ` (space median ${fmt(f.baselineMedianVoters)}, upper quartile ${fmt(f.baselineReferenceVoters)}, robust z ${fmt(f.votersZ)})` : '') +
        ` and ${fmt(f.winnerNakamoto)} voter(s) hold the majority of the winning side` +
        (f.quorumRatio ? `; turnout is ${fmt(f.quorumRatio)}× quorum` : '') +
        (f.authorClusterVpShare ? `; the author and wallets linked to the author by funding cast ${pct(f.authorClusterVpShare)} of the power` : '') +
        (terse ? `; the body has only ${fmt(f.bodyChars)} characters` : '') +
        (f.durationRatio !== undefined && short ? `; the window is ${pct(f.durationRatio)} of the usual length` : '') +
        '.',
    }),
  ];
}
