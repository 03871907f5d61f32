/** D6: delegation spike — unusual delegation inflow to a delegatee shortly before the snapshot. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { changesOutcome, counterfactual, snapshotTime } from '../prepare.ts';
import { fmt, pct } from '../stats.ts';

import type { Flag, Severity, VoteVersion } from '../types.ts';

/** Lookback, in windows, for the delegatee's usual inflow. */
const BASELINE_WINDOWS = 4;

/** Flags delegatees whose inflow in [snapshot − W, snapshot] is large and unusual (needs `context.delegations`). */
export function detectDelegationSpike(p: Prepared): Flag[] {
  const events = p.context.delegations;
  if (!events || events.length === 0) return [];
  const t = p.thresholds.delegationSpike;
  const snap = snapshotTime(p.proposal);
  const from = snap - t.windowSeconds;
  const baseFrom = from - BASELINE_WINDOWS * t.windowSeconds;
  const per = new Map<string, { inflow: number; base: number; delegators: Set<string> }>();
  for (const e of events) {
    if (e.timestamp > snap || e.timestamp < baseFrom) continue;
    let s = per.get(e.delegatee);
    if (!s) per.set(e.delegatee, (s = { inflow: 0, base: 0, delegators: new Set() }));
    if (e.timestamp >= from) {
      s.inflow += e.amount;
      if (e.amount > 0) s.delegators.add(e.delegator);
    } else s.base += Math.max(0, e.amount);
  }
  const ref = p.proposal.quorum > 0 ? p.proposal.quorum : p.totalVp;
  const flags: Flag[] = [];
  const funders = p.context.funders;
  const tags = p.context.funderTags ?? {};
  for (const [delegatee, s] of [...per].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (ref <= 0 || s.inflow <= 0) continue;
    const baseRate = s.base / BASELINE_WINDOWS;
    const ratio = s.inflow / Math.max(baseRate, 1e-9);
    const share = s.inflow / ref;
    if (share < t.minQuorumShare || s.delegators.size < t.minDelegators || ratio < t.minRatio) continue;
    const list = p.byVoter.get(delegatee);
    const vote = list ? list[list.length - 1] : undefined;
    let outcomeChanged = false;
    if (vote) {
      const reduced: VoteVersion = { ...vote, vp: Math.max(0, vote.vp - s.inflow) };
      outcomeChanged = changesOutcome(p, counterfactual(p, new Map([[delegatee, reduced]])));
    }
    const severity: Severity = vote && (share >= t.highQuorumShare || outcomeChanged) ? 'high' : 'medium';
    const figures: Record<string, number> = {
      inflow: s.inflow,
      baselinePerWindow: baseRate,
      ratio: Math.min(ratio, 1e9),
      delegators: s.delegators.size,
      inflowQuorumShare: share,
      windowHours: t.windowSeconds / 3600,
      delegateeVoted: vote ? 1 : 0,
      outcomeChanged: outcomeChanged ? 1 : 0,
    };
    if (funders) {
      const d = [...s.delegators];
      figures.exchangeFundedShare = d.filter((x) => tags[funders[x] ?? ''] === 'cex').length / d.length;
    }
    if (p.proposal.author) figures.delegateeIsAuthor = p.proposal.author.toLowerCase() === delegatee.toLowerCase() ? 1 : 0;
    flags.push(
      makeFlag({
        kind: 'delegation-spike',
        severity,
        score: Math.min(1, 0.4 + share / 2 + Math.min(0.3, s.delegators.size / 100)),
        votes: list ? list.map((x) => x.id) : [],
        voters: [delegatee, ...s.delegators],
        figures,
        explanation: (f) =>
          `${fmt(f.delegators)} delegators moved ${fmt(f.inflow)} voting power to one delegatee in the ${fmt(f.windowHours)} hours before the snapshot ` +
          `(${fmt(f.ratio)}× its usual inflow, ${pct(f.inflowQuorumShare)} of ${p.proposal.quorum > 0 ? 'quorum' : 'cast power'})` +
          (f.exchangeFundedShare !== undefined ? `; ${pct(f.exchangeFundedShare)} of the delegators were exchange-funded` : '') +
          `. The delegatee ${f.delegateeVoted ? 'voted' : 'has not voted'}; without the inflow the outcome would ${f.outcomeChanged ? '' : 'not '}change.`,
        outcomeChanged,
      }),
    );
  }
  return flags;
}
