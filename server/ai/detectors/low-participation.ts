/** D8: low-participation capture — abnormally low turnout and a result decided by one or two voters. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { fmt, median, nakamoto, pct, robustZ } from '../stats.ts';
import { mainChoice } from '../tally.ts';
import type { Flag, Severity } from '../types.ts';

/** Flags a passed proposal with low turnout (vs the space baseline, or absolute) whose winning side is concentrated. */
export function detectLowParticipation(p: Prepared): Flag[] {
  const t = p.thresholds.lowParticipation;
  const voters = p.latest.length;
  if (voters === 0 || p.result.winner < 0 || !p.result.quorumMet) return [];
  const base = p.context.baseline;
  const figures: Record<string, number> = { voters, vpTurnout: p.totalVp };
  let low = false;
  if (base && base.voters.length >= 3) {
    const medVoters = median(base.voters);
    const medVp = median(base.vpTurnout);
    figures.baselineMedianVoters = medVoters;
    figures.votersZ = robustZ(voters, base.voters);
    figures.votersRatio = medVoters > 0 ? voters / medVoters : 1;
    figures.baselineMedianVp = medVp;
    figures.turnoutRatio = medVp > 0 ? p.totalVp / medVp : 1;
    low = figures.votersZ <= t.maxZ && figures.votersRatio <= t.maxTurnoutRatio * 1.5 || figures.votersRatio <= t.maxTurnoutRatio;
    if (base.durations && base.durations.length >= 3) figures.durationRatio = (p.proposal.end - p.proposal.start) / Math.max(1, median(base.durations));
  } else {
    low = voters < t.minVoters;
  }
  if (!low) return [];
  const winnerVps = p.latest.filter((v) => mainChoice(v.choice) === p.result.winner).map((v) => v.vp);
  const winnerNak = nakamoto(winnerVps);
  figures.winnerNakamoto = winnerNak;
  if (winnerNak > t.maxWinnerNakamoto) return [];
  const q = p.proposal.quorum;
  figures.quorumRatio = q > 0 ? p.totalVp / q : 0;
  const author = p.proposal.author?.toLowerCase();
  const authorVote = author ? p.latest.find((v) => v.voter.toLowerCase() === author) : undefined;
  figures.authorVpShare = authorVote ? authorVote.vp / p.totalVp : 0;
  const body = (p.proposal.body ?? '').trim();
  figures.bodyChars = body.length;
  const barely = q > 0 && figures.quorumRatio <= t.barelyQuorum;
  const terse = p.proposal.body !== undefined && body.length < t.terseBodyChars;
  const short = figures.durationRatio !== undefined && figures.durationRatio < 0.5;
  const authorCapture = figures.authorVpShare >= 0.5;
  const aggravating = [barely, terse, short, authorCapture].filter(Boolean).length;
  figures.aggravatingSignals = aggravating;
  const severity: Severity = aggravating >= 1 ? 'high' : 'medium';
  const winnerTop = [...p.latest].filter((v) => mainChoice(v.choice) === p.result.winner).sort((a, b) => b.vp - a.vp).slice(0, Math.max(1, winnerNak));
  return [
    makeFlag({
      kind: 'low-participation',
      severity,
      score: Math.min(1, 0.5 + 0.15 * aggravating),
      votes: winnerTop.map((v) => v.id),
      voters: winnerTop.map((v) => v.voter),
      figures,
      explanation: (f) =>
        `Only ${fmt(f.voters)} voters took part` +
        (f.baselineMedianVoters !== undefined ? ` (space median ${fmt(f.baselineMedianVoters)}, robust z ${fmt(f.votersZ)})` : '') +
        ` and ${fmt(f.winnerNakamoto)} voter(s) hold the majority of the winning side` +
        (f.quorumRatio ? `; turnout is ${fmt(f.quorumRatio)}× quorum` : '') +
        (f.authorVpShare ? `; the author cast ${pct(f.authorVpShare)} of the power` : '') +
        (terse ? `; the body has only ${fmt(f.bodyChars)} characters` : '') +
        (f.durationRatio !== undefined && short ? `; the window is ${pct(f.durationRatio)} of the usual length` : '') +
        '.',
    }),
  ];
}
