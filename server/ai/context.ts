/** Derives cross-proposal context (space baseline, per-voter VP baseline, other votes) from a set of proposals. */
import type { FunderTag, HistoryContext, OtherVote, ProposalHistory, ProposalInput, VoteVersion } from './types.ts';

export type BuildHistoriesParameters = {
  items: { proposal: ProposalInput; votes: VoteVersion[]; context?: HistoryContext }[];
  /** Address enrichment shared by all proposals. */
  funders?: Record<string, string>;
  funderTags?: Record<string, FunderTag>;
  walletCreated?: Record<string, number>;
  /** Earlier proposals of a space used for baselines (default 20). */
  baselineProposals?: number;
  /** Late part of a window for the `late` mark of other votes (default 0.05). */
  lateFraction?: number;
};

/**
 * Builds one ProposalHistory per item: the item's own context, plus the baseline of earlier proposals of
 * the same space (closed by the time this one closes), each voter's lower-quartile VP over their last 10 such proposals,
 * and the voters' votes on other proposals (any space) cast before this proposal ended.
 */
export function buildHistories(p: BuildHistoriesParameters): ProposalHistory[] {
  const lateFraction = p.lateFraction ?? 0.05;
  const keep = p.baselineProposals ?? 20;
  const latestByItem = p.items.map((it) => {
    const m = new Map<string, VoteVersion>();
    for (const v of it.votes) {
      const cur = m.get(v.voter);
      if (!cur || v.mci > cur.mci) m.set(v.voter, v);
    }
    return m;
  });
  // votes per voter across proposals
  const byVoter = new Map<string, { item: number; vote: VoteVersion }[]>();
  latestByItem.forEach((m, item) => {
    for (const v of m.values()) {
      const l = byVoter.get(v.voter);
      if (l) l.push({ item, vote: v });
      else byVoter.set(v.voter, [{ item, vote: v }]);
    }
  });
  const order = p.items.map((_, i) => i).sort((a, b) => p.items[a].proposal.start - p.items[b].proposal.start || a - b);
  return p.items.map((it, i) => {
    const pr = it.proposal;
    const earlier = order.filter((k) => k !== i && p.items[k].proposal.space === pr.space && p.items[k].proposal.end <= pr.end).slice(-keep);
    const context: HistoryContext = { ...(it.context ?? {}) };
    if (earlier.length) {
      context.baseline = {
        voters: earlier.map((k) => latestByItem[k].size),
        vpTurnout: earlier.map((k) => [...latestByItem[k].values()].reduce((a, v) => a + v.vp, 0)),
        durations: earlier.map((k) => p.items[k].proposal.end - p.items[k].proposal.start),
      };
      const earlierSet = new Set(earlier);
      const vpBaseline: Record<string, number> = {};
      for (const voter of latestByItem[i].keys()) {
        const past = (byVoter.get(voter) ?? []).filter((x) => earlierSet.has(x.item)).slice(-10).map((x) => x.vote.vp).sort((a, b) => a - b);
        // lower quartile: robust to a delegate that rented power on several recent proposals
        if (past.length) vpBaseline[voter] = past[Math.floor((past.length - 1) / 4)];
      }
      context.vpBaseline = vpBaseline;
    }
    const others: OtherVote[] = [];
    for (const voter of latestByItem[i].keys()) {
      for (const x of byVoter.get(voter) ?? []) {
        if (x.item === i || x.vote.created > pr.end) continue;
        const op = p.items[x.item].proposal;
        others.push({
          proposal: op.id,
          space: op.space,
          voter,
          choice: x.vote.choice,
          vp: x.vote.vp,
          created: x.vote.created,
          late: x.vote.created >= op.end - lateFraction * (op.end - op.start),
          reason: x.vote.reason,
          app: x.vote.app,
        });
      }
    }
    context.otherVotes = others;
    if (p.funders) context.funders = p.funders;
    if (p.funderTags) context.funderTags = p.funderTags;
    if (p.walletCreated) context.walletCreated = p.walletCreated;
    return { proposal: pr, votes: it.votes, context };
  });
}
