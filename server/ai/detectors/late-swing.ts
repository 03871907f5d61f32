/** D5: last-minute swing — does the result flip without the votes cast in the last part of the window? */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { counterfactual } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';
import { applyChoice, outcomeOf, resultOf } from '../tally.ts';
import type { Flag, Severity, VoteVersion } from '../types.ts';

/** Most voters examined one by one for pivotality. */
const MAX_PIVOT_CHECKS = 50;
/** A flip attributable to at most this many voters is "concentrated". */
const CONCENTRATED = 3;
/** Voting history is informative with at least this many earlier proposals of the space… */
const MIN_HISTORY_PROPOSALS = 3;
/** …and at least this share of the proposal's voters having voted before. */
const INFORMATIVE_HISTORY = 0.2;
/** Without informative history, a decider whose wallet is younger than this (days) is fresh. */
const FRESH_WALLET_DAYS = 90;

/** Reports late activity that swings the result; honest habitual late voters lower the severity. */
export function detectLateSwing(p: Prepared): Flag[] {
  const t = p.thresholds.lateSwing;
  const { start, end } = p.proposal;
  if (end <= start || p.totalVp <= 0) return [];
  const lateFrom = end - t.lateFraction * (end - start);
  // Late voters: counted vote cast in the late window; their pre-window version (if any) is the counterfactual.
  const late: { vote: VoteVersion; before: VoteVersion | undefined }[] = [];
  for (let i = p.latest.length - 1; i >= 0 && p.latest[i].created >= lateFrom; i--) {
    const vote = p.latest[i];
    const list = p.byVoter.get(vote.voter)!;
    let before: VoteVersion | undefined;
    for (let j = list.length - 1; j >= 0; j--) if (list[j].created < lateFrom) { before = list[j]; break; }
    late.push({ vote, before });
  }
  if (late.length === 0) return [];
  late.sort((a, b) => b.vote.vp - a.vote.vp || a.vote.mci - b.vote.mci);
  const replace = new Map<string, VoteVersion | undefined>(late.map((l) => [l.vote.voter, l.before]));
  const without = counterfactual(p, replace);
  const flipped = outcomeOf(without) !== outcomeOf(p.result);
  const lateVp = late.reduce((a, l) => a + l.vote.vp, 0);
  const lateShare = lateVp / p.totalVp;

  // Habitual late voters (from other proposals of the space).
  const habit = new Map<string, { late: number; all: number }>();
  for (const o of p.context.otherVotes ?? []) {
    if (o.late === undefined) continue;
    let h = habit.get(o.voter);
    if (!h) habit.set(o.voter, (h = { late: 0, all: 0 }));
    h.all++;
    if (o.late) h.late++;
  }
  const habitual = (voter: string): boolean => {
    const h = habit.get(voter);
    return !!h && h.all >= 3 && h.late / h.all >= t.habitualLateShare;
  };
  // Pivotal voters: reverting only that voter changes the outcome.
  const pivotal: VoteVersion[] = [];
  for (const l of late.slice(0, MAX_PIVOT_CHECKS)) {
    const r = counterfactual(p, new Map([[l.vote.voter, l.before]]));
    if (outcomeOf(r) !== outcomeOf(p.result)) pivotal.push(l.vote);
  }
  // Concentration: fewest largest late voters whose reversal changes the outcome; and the same without habitual voters.
  const concentration = (list: typeof late): number => {
    const scores = [...p.result.scores];
    for (let k = 0; k < Math.min(list.length, 10); k++) {
      applyChoice(scores, p.proposal.type, list[k].vote.choice, list[k].vote.vp, -1);
      if (list[k].before) applyChoice(scores, p.proposal.type, list[k].before!.choice, list[k].before!.vp, 1);
      if (outcomeOf(resultOf(scores, p.proposal.quorum)) !== outcomeOf(p.result)) return k + 1;
    }
    return Infinity;
  };
  const nonHabitual = late.filter((l) => !habitual(l.vote.voter));
  const kAll = concentration(late);
  const kNonHabitual = concentration(nonHabitual);
  // history = votes cast before this proposal opened (concurrent proposals are not history)
  const history = p.context.otherVotes;
  const prior = new Map<string, number>();
  for (const o of history ?? []) if (o.created < start) prior.set(o.voter, (prior.get(o.voter) ?? 0) + 1);
  let withHistory = 0;
  for (const v of p.latest) if (prior.has(v.voter)) withHistory++;
  const earlierProposals = new Set<string>();
  for (const o of history ?? []) if (o.created < start && (o.space === undefined || o.space === p.proposal.space)) earlierProposals.add(o.proposal);
  const informative = !!history && earlierProposals.size >= MIN_HISTORY_PROPOSALS && withHistory >= INFORMATIVE_HISTORY * p.latest.length;
  const created = p.context.walletCreated;
  const fresh = (v: VoteVersion): boolean => {
    if (informative) return !prior.has(v.voter);
    const c = created?.[v.voter];
    return c !== undefined && (v.created - c) / 86400 < FRESH_WALLET_DAYS;
  };
  const established = (v: VoteVersion): boolean => {
    if (informative) return prior.has(v.voter);
    const c = created?.[v.voter];
    return c !== undefined && (v.created - c) / 86400 >= FRESH_WALLET_DAYS;
  };
  // Decided late: reverting at most CONCENTRATED of the largest (non-habitual) late voters changes the outcome
  // (winner or quorum), whether or not all late activity taken together does.
  const decided = kNonHabitual <= CONCENTRATED;
  if (!flipped && !decided && lateShare < t.minLateShare) return [];
  const freshLate = nonHabitual.filter((l) => fresh(l.vote));
  let severity: Severity = 'low';
  if (decided && !nonHabitual.slice(0, kNonHabitual).every((l) => established(l.vote))) severity = 'medium';
  if (freshLate.length > 0 && concentration(freshLate) <= CONCENTRATED) severity = 'high';
  const outcomeChanged = flipped || decided;
  const quorumOnly = flipped && without.winner === p.result.winner && without.quorumMet !== p.result.quorumMet;
  const shown = [...new Set([...pivotal, ...late.slice(0, 100).map((l) => l.vote)])];
  const habitualPivotal = pivotal.filter((v) => habitual(v.voter)).length;
  return [
    makeFlag({
      kind: 'late-swing',
      severity,
      score: severity === 'high' ? 0.9 : severity === 'medium' ? 0.7 : outcomeChanged ? 0.5 : Math.min(0.45, lateShare),
      votes: shown.map((v) => v.id),
      voters: shown.map((v) => v.voter),
      figures: {
        lateVoters: late.length,
        lateVpShare: lateShare,
        lateWindowMinutes: (end - lateFrom) / 60,
        outcomeChanged: outcomeChanged ? 1 : 0,
        allLateChangeOutcome: flipped ? 1 : 0,
        quorumOnly: quorumOnly ? 1 : 0,
        winnerWithout: without.winner + 1,
        winner: p.result.winner + 1,
        pivotalVoters: pivotal.length,
        habitualPivotalVoters: habitualPivotal,
        votersNeededToFlip: Number.isFinite(kAll) ? kAll : 0,
      },
      explanation: (f) =>
        `${fmt(f.lateVoters)} votes cast in the last ${fmt(f.lateWindowMinutes)} minutes carry ${pct(f.lateVpShare)} of the cast power. ` +
        (f.allLateChangeOutcome
          ? f.quorumOnly
            ? `Without them the quorum would ${p.result.quorumMet ? 'not ' : ''}be met`
            : `Without them the result would be choice ${fmt(f.winnerWithout)} instead of choice ${fmt(f.winner)}`
          : f.outcomeChanged
            ? 'Taken together the late votes do not change the result, but reverting only the largest of them would'
            : 'The result would be the same without them') +
        (f.outcomeChanged
          ? (f.votersNeededToFlip ? `; the ${fmt(f.votersNeededToFlip)} largest late voters alone decide it` : '; no small group alone decides it') +
            ` (${fmt(f.pivotalVoters)} single pivotal voters, ${fmt(f.habitualPivotalVoters)} of them habitual late voters).`
          : '.'),
      outcomeChanged,
    }),
  ];
}
