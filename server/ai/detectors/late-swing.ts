/** D5: last-minute swing — does the result flip without the votes cast in the last part of the window? */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, counterfactual, resultShiftedBy } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';
import { applyChoiceExact, cloneExactScores, emptyExactScores, exactScoreValues, resultOf } from '../tally.ts';
import type { ExactScores } from '../tally.ts';
import { addExact, createExactSum, exactSumValue } from '../../scoring/exact-sum.ts';
import type { Flag, HistoryContext, OtherVote, ProposalInput, Severity, VoteVersion } from '../types.ts';

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

/** A late voter: counted vote cast in the late window, and their last version before it (the counterfactual). */
export type LateEntry = { vote: VoteVersion; before: VoteVersion | undefined };

/** Late voters by power (descending, then log order), with exact sums of what reverting all of them changes. */
export type LateView = {
  late: LateEntry[];
  /** Exact per-choice change of reverting every late voter (their earlier version, or nothing). */
  revert: ExactScores;
  /** Exact sum of the late votes' power. */
  lateVp: number[];
  /** Counted voters with votes before this proposal opened (see `historyIndex`). */
  withHistory: number;
};

/** Start of the late window. */
export function lateFromOf(p: Pick<Prepared, 'proposal' | 'thresholds'>): number {
  const { start, end } = p.proposal;
  return end - p.thresholds.lateSwing.lateFraction * (end - start);
}

/** The late entry of a voter's versions (log order), if their counted vote is late. */
export function lateEntryOf(list: VoteVersion[], lateFrom: number): LateEntry | undefined {
  const vote = list[list.length - 1];
  if (vote.created < lateFrom) return undefined;
  let before: VoteVersion | undefined;
  for (let j = list.length - 1; j >= 0; j--) if (list[j].created < lateFrom) { before = list[j]; break; }
  return { vote, before };
}

/** Order of late entries: larger power first, then log order. */
export const byLatePower = (a: LateEntry, b: LateEntry): number => b.vote.vp - a.vote.vp || a.vote.mci - b.vote.mci;

/** Adds (sign 1) or removes (sign -1) an entry's share of a LateView's sums. */
export function countLate(view: LateView, type: string, e: LateEntry, sign: number): void {
  applyChoiceExact(view.revert, type, e.vote.choice, e.vote.vp, -sign);
  if (e.before) applyChoiceExact(view.revert, type, e.before.choice, e.before.vp, sign);
  addExact(view.lateVp, sign * e.vote.vp);
}

/** Voting history derived from the context once: habitual late voters, prior votes per voter, earlier proposals. */
export type HistoryIndex = { habit: Map<string, { late: number; all: number }>; prior: Map<string, number>; earlierProposals: Set<string> };

/** Vote lists are not changed in place once given to the analyzer, so the index is computed once per list. */
const historyIndexes = new WeakMap<object, Map<string, HistoryIndex>>();
const NO_VOTES: OtherVote[] = [];

/** The history index of a context for a proposal opening at `start` (memoised per context). */
export function historyIndex(context: HistoryContext, proposal: ProposalInput): HistoryIndex {
  const votes = context.otherVotes ?? NO_VOTES;
  const byStart = historyIndexes.get(votes) ?? new Map<string, HistoryIndex>();
  historyIndexes.set(votes, byStart);
  const key = `${proposal.start} ${proposal.space}`;
  const hit = byStart.get(key);
  if (hit) return hit;
  const habit = new Map<string, { late: number; all: number }>();
  const prior = new Map<string, number>();
  const earlierProposals = new Set<string>();
  for (const o of votes) {
    if (o.late !== undefined) {
      let h = habit.get(o.voter);
      if (!h) habit.set(o.voter, (h = { late: 0, all: 0 }));
      h.all++;
      if (o.late) h.late++;
    }
    // history = votes cast before this proposal opened (concurrent proposals are not history)
    if (o.created < proposal.start) {
      prior.set(o.voter, (prior.get(o.voter) ?? 0) + 1);
      if (o.space === undefined || o.space === proposal.space) earlierProposals.add(o.proposal);
    }
  }
  const index = { habit, prior, earlierProposals };
  byStart.set(key, index);
  return index;
}

/** The late view of a prepared proposal, computed from scratch (the batch path). */
export function lateView(p: Prepared): LateView {
  const lateFrom = lateFromOf(p);
  const view: LateView = { late: [], revert: emptyExactScores(p.proposal.choices.length), lateVp: createExactSum(), withHistory: 0 };
  for (let i = p.latest.length - 1; i >= 0 && p.latest[i].created >= lateFrom; i--) {
    const e = lateEntryOf(p.byVoter.get(p.latest[i].voter)!, lateFrom)!;
    view.late.push(e);
    countLate(view, p.proposal.type, e, 1);
  }
  view.late.sort(byLatePower);
  const { prior } = historyIndex(p.context, p.proposal);
  if (prior.size) for (const v of p.latest) if (prior.has(v.voter)) view.withHistory++;
  return view;
}

/** Reports late activity that swings the result; honest habitual late voters lower the severity. */
export function detectLateSwing(p: Prepared): Flag[] {
  const t = p.thresholds.lateSwing;
  const { start, end } = p.proposal;
  if (end <= start || p.totalVp <= 0) return [];
  const lateFrom = lateFromOf(p);
  const view = p.cache?.late ?? lateView(p);
  const late = view.late;
  if (late.length === 0) return [];
  const without = resultShiftedBy(p, view.revert, 1);
  const flipped = changesOutcome(p, without);
  const lateVp = exactSumValue(view.lateVp);
  const lateShare = lateVp / p.totalVp;

  // Habitual late voters (from other proposals of the space).
  const { habit, prior, earlierProposals } = historyIndex(p.context, p.proposal);
  const habitual = (voter: string): boolean => {
    const h = habit.get(voter);
    return !!h && h.all >= 3 && h.late / h.all >= t.habitualLateShare;
  };
  // Pivotal voters: reverting only that voter changes the outcome.
  const pivotal: VoteVersion[] = [];
  for (const l of late.slice(0, MAX_PIVOT_CHECKS)) {
    if (changesOutcome(p, counterfactual(p, new Map([[l.vote.voter, l.before]])))) pivotal.push(l.vote);
  }
  // Concentration: fewest largest late voters whose reversal changes the outcome; and the same without habitual voters.
  const concentration = (list: typeof late): number => {
    // exact sums, like every other counterfactual: float subtraction could flip a tie the exact tally keeps
    const exact = cloneExactScores(p.exact);
    for (let k = 0; k < Math.min(list.length, 10); k++) {
      applyChoiceExact(exact, p.proposal.type, list[k].vote.choice, list[k].vote.vp, -1);
      if (list[k].before) applyChoiceExact(exact, p.proposal.type, list[k].before!.choice, list[k].before!.vp, 1);
      if (changesOutcome(p, resultOf(exactScoreValues(exact), p.proposal.quorum))) return k + 1;
    }
    return Infinity;
  };
  // only the first few of these lists are ever read: taken lazily, not filtered whole
  const nonHabitual = firstMatching(late, (l) => !habitual(l.vote.voter), 10);
  const kAll = concentration(late);
  const kNonHabitual = concentration(nonHabitual);
  const history = p.context.otherVotes;
  const informative = !!history && earlierProposals.size >= MIN_HISTORY_PROPOSALS && view.withHistory >= INFORMATIVE_HISTORY * p.latest.length;
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
  const freshLate = firstMatching(late, (l) => !habitual(l.vote.voter) && fresh(l.vote), 10);
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

/** The first `n` items matching a predicate, in order. */
function firstMatching<T>(xs: T[], keep: (x: T) => boolean, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < xs.length && out.length < n; i++) if (keep(xs[i])) out.push(xs[i]);
  return out;
}
