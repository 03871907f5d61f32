/** D7: vote flipping — voters changing their vote late, in coordinated groups. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, counterfactual } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';
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

function findChanges(p: Prepared, lateFrom: number): FlipState {
  const t = p.thresholds.flip;
  const late: Change[] = [];
  const many: { voter: string; changes: number; versions: VoteVersion[] }[] = [];
  const multi = p.cache?.multiVersionVoters ?? p.byVoter.keys();
  const memo = p.cache?.flips;
  for (const voter of multi) {
    const list = p.byVoter.get(voter)!;
    if (list.length < 2) continue;
    // a voter's list only changes when a version is added, so its length keys the memo
    let c = memo?.get(voter);
    if (!c || c.versions !== list.length) {
      c = changesOf(voter, list, lateFrom);
      memo?.set(voter, c);
    }
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
    list.sort((a, b) => a.to.created - b.to.created || a.to.mci - b.to.mci);
    let group: Change[] = [];
    const flush = (): void => {
      if (group.length >= t.minGroupSize) groups.push({ choice, group });
      group = [];
    };
    for (const c of list) {
      if (group.length && c.to.created - group[group.length - 1].to.created > t.groupGapSeconds) flush();
      group.push(c);
    }
    flush();
  }
  if (many.length) many.sort((a, b) => (a.voter < b.voter ? -1 : 1));
  return { groups, many };
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
