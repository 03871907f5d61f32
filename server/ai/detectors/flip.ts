/** D7: vote flipping — voters changing their vote late, in coordinated groups. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, counterfactual } from '../prepare.ts';
import { fmt, lowerBoundBy, pct } from '../stats.ts';
import { choiceKey, mainChoice } from '../tally.ts';
import type { Flag, Severity, VoteVersion } from '../types.ts';

type Change = { voter: string; from: VoteVersion; to: VoteVersion };

/** Groups late vote changes to the same choice within a time gap; many-times changers are reported too. */
export function detectVoteFlips(p: Prepared): Flag[] {
  const t = p.thresholds.flip;
  const { start, end } = p.proposal;
  const lateFrom = end - t.lateFraction * Math.max(0, end - start);
  const c = p.cache;
  const found = c?.flipState && c.flipState.version === c.flipVersion ? c.flipState : findChanges(p, lateFrom);
  if (c && c.flipVersion !== undefined) c.flipState = { ...found, version: c.flipVersion };
  const { groups, many } = found;
  const flags: Flag[] = [];
  for (const { choice, group } of groups) flags.push(groupFlag(p, group, choice));
  if (many.length) {
    flags.push(
      makeFlag({
        kind: 'vote-flip',
        severity: 'low',
        score: 0.3,
        votes: many.flatMap((m) => m.versions.map((v) => v.id)),
        voters: many.map((m) => m.voter),
        figures: { voters: many.length, maxChanges: many.reduce((a, m) => Math.max(a, m.changes), 0), minChanges: t.manyChanges },
        explanation: (f) => `${fmt(f.voters)} voters changed their vote at least ${fmt(f.minChanges)} times (up to ${fmt(f.maxChanges)} times).`,
      }),
    );
  }
  return flags;
}

/** Late changes grouped by final choice and time gap, and many-times changers (read from the versions only). */
export type FlipState = { groups: { choice: number; group: Change[] }[]; many: { voter: string; changes: number; versions: VoteVersion[] }[] };

/** Late changers per final choice, in (created, mci) order of their standing vote; which choices changed since last read. */
export type FlipIndex = { late: Map<number, Change[]>; dirty: Set<number>; groups: Map<number, Change[][]> };

const byStanding = (a: Change, b: Change): number => a.to.created - b.to.created || a.to.mci - b.to.mci;

/** Chains a choice's late changes (in time order) into groups of at least the minimum size. */
function chain(list: Change[], gap: number, min: number): Change[][] {
  const out: Change[][] = [];
  let group: Change[] = [];
  for (const c of list) {
    if (group.length && c.to.created - group[group.length - 1].to.created > gap) {
      if (group.length >= min) out.push(group);
      group = [];
    }
    group.push(c);
  }
  if (group.length >= min) out.push(group);
  return out;
}

function findChanges(p: Prepared, lateFrom: number): FlipState {
  const memo = p.cache?.flips;
  if (memo) return findChangesKept(p, lateFrom, memo);
  const t = p.thresholds.flip;
  const late: Change[] = [];
  const many: { voter: string; changes: number; versions: VoteVersion[] }[] = [];
  for (const [voter, list] of p.byVoter) {
    if (list.length < 2) continue;
    const c = changesOf(voter, list, lateFrom);
    if (c.late) late.push(c.late);
    if (c.changes >= t.manyChanges) many.push({ voter, changes: c.changes, versions: list });
  }
  // Coordinated groups: same final choice, chained by time gap.
  const byChoice = new Map<number, Change[]>();
  for (const c of late) {
    const k = mainChoice(c.to.choice);
    const l = byChoice.get(k);
    if (l) l.push(c);
    else byChoice.set(k, [c]);
  }
  const groups: FlipState['groups'] = [];
  for (const [choice, list] of [...byChoice].sort((a, b) => a[0] - b[0])) {
    for (const group of chain(list.sort(byStanding), t.groupGapSeconds, t.minGroupSize)) groups.push({ choice, group });
  }
  if (many.length) many.sort((a, b) => (a.voter < b.voter ? -1 : 1));
  return { groups, many };
}

/**
 * The same as the batch pass, from kept state: only voters whose versions changed are re-read, their late change
 * moved within its choice's time-ordered list, and only the choices touched are chained again.
 */
function findChangesKept(p: Prepared, lateFrom: number, memo: NonNullable<NonNullable<Prepared['cache']>['flips']>): FlipState {
  const t = p.thresholds.flip;
  const cache = p.cache!;
  if (!cache.flipIndex) {
    // the index holds what the memo's entries say: both start empty
    memo.clear();
    cache.flipIndex = { late: new Map(), dirty: new Set(), groups: new Map() };
  }
  const index = cache.flipIndex;
  const many: FlipState['many'] = [];
  const multi = cache.multiVersionVoters ?? p.byVoter.keys();
  for (const voter of multi) {
    const list = p.byVoter.get(voter)!;
    if (list.length < 2) continue;
    // a voter's list only changes when a version is added, so its length keys the memo
    let c = memo.get(voter);
    if (!c || c.versions !== list.length) {
      if (c?.late) moveLate(index, c.late, -1);
      c = changesOf(voter, list, lateFrom);
      memo.set(voter, c);
      if (c.late) moveLate(index, c.late, 1);
    }
    if (c.changes >= t.manyChanges) many.push({ voter, changes: c.changes, versions: list });
  }
  for (const choice of index.dirty) {
    const list = index.late.get(choice);
    if (list?.length) index.groups.set(choice, chain(list, t.groupGapSeconds, t.minGroupSize));
    else index.groups.delete(choice);
  }
  index.dirty.clear();
  const groups: FlipState['groups'] = [];
  for (const choice of [...index.groups.keys()].sort((a, b) => a - b)) for (const group of index.groups.get(choice)!) groups.push({ choice, group });
  if (many.length) many.sort((a, b) => (a.voter < b.voter ? -1 : 1));
  return { groups, many };
}

/** Adds (1) or removes (-1) a late change in its choice's time-ordered list. */
function moveLate(index: FlipIndex, c: Change, d: 1 | -1): void {
  const choice = mainChoice(c.to.choice);
  let list = index.late.get(choice);
  if (!list) index.late.set(choice, (list = []));
  index.dirty.add(choice);
  const lo = lowerBoundBy(list, c, byStanding);
  if (d === 1) list.splice(lo, 0, c);
  else if (list[lo] === c) list.splice(lo, 1);
}

/** A voter's number of choice changes and first late change (when it still stands). */
function changesOf(voter: string, list: VoteVersion[], lateFrom: number): { versions: number; changes: number; late: Change | undefined } {
  let changes = 0;
  let firstLate: Change | undefined;
  for (let i = 1; i < list.length; i++) {
    if (choiceKey(list[i].choice) === choiceKey(list[i - 1].choice)) continue;
    changes++;
    if (!firstLate && list[i].created >= lateFrom) firstLate = { voter, from: list[i - 1], to: list[list.length - 1] };
  }
  const late = firstLate && choiceKey(firstLate.to.choice) !== choiceKey(firstLate.from.choice) ? firstLate : undefined;
  return { versions: list.length, changes, late };
}

function groupFlag(p: Prepared, group: Change[], choice: number): ReturnType<typeof makeFlag> {
  const replace = new Map<string, VoteVersion | undefined>(group.map((c) => [c.voter, c.from]));
  const outcomeChanged = changesOutcome(p, counterfactual(p, replace));
  const vp = group.reduce((a, c) => a + c.to.vp, 0);
  const appChanged = group.filter((c) => c.from.app !== c.to.app).length / group.length;
  const span = group[group.length - 1].to.created - group[0].to.created;
  const severity: Severity = outcomeChanged ? 'high' : 'medium';
  return makeFlag({
    kind: 'vote-flip',
    severity,
    score: outcomeChanged ? 0.9 : Math.min(0.8, 0.5 + group.length / 100),
    votes: group.flatMap((c) => [c.from.id, c.to.id]),
    voters: group.map((c) => c.voter),
    figures: {
      groupSize: group.length,
      toChoice: choice + 1,
      spanMinutes: span / 60,
      vpShare: p.totalVp > 0 ? vp / p.totalVp : 0,
      towardWinner: choice === p.result.winner ? 1 : 0,
      appChangedShare: appChanged,
      outcomeChanged: outcomeChanged ? 1 : 0,
    },
    explanation: (f) =>
      `${fmt(f.groupSize)} voters holding ${pct(f.vpShare)} of the cast power changed their vote to choice ${fmt(f.toChoice)} within ${fmt(f.spanMinutes)} minutes late in the window` +
      `${f.towardWinner ? ', toward the current winner' : ''}; ${pct(f.appChangedShare)} switched client app. With their earlier votes the outcome would ${f.outcomeChanged ? '' : 'not '}change.`,
    outcomeChanged,
  });
}
