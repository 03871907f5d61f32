/** D1: sybil clusters — wallets linked by funder, equal amounts voted close in time, and shared reason texts. */
import { makeFlag } from '../flag.ts';
import type { Prepared } from '../prepare.ts';
import { byCreated, changesOutcome, removalChangesOutcome, resultShiftedBy, sortedPower } from '../prepare.ts';
import { clamp01, coefficientOfVariation, fmt, lowerBound, pct, upperBound } from '../stats.ts';
import { applyChoiceExact, emptyExactScores, mainChoice } from '../tally.ts';
import type { ExactScores } from '../tally.ts';
import type { Flag, Severity, VoteVersion } from '../types.ts';
import { UnionFind } from '../unionfind.ts';
import { addExact, createExactSum, exactSumValue } from '../../scoring/exact-sum.ts';
import type { ReasonGroup } from './reasons.ts';

const WEIGHTS = { surprise: 0.3, equal: 0.15, choice: 0.1, app: 0.05, funder: 0.25, young: 0.15, reason: 0.1 };
const WEIGHT_LIST = Object.entries(WEIGHTS) as [keyof typeof WEIGHTS, number][];
/** A bucket's link gap is at most window / (bucket size × DENSITY): well under the honest inter-arrival time. */
const DENSITY = 8;

/** Log-power grid cell of a vote (two grids, shifted by half a cell, catch equal amounts across a cell border). */
export function sybilBucketKey(vp: number, step: number, shift: number): number {
  return Math.floor(Math.log(vp) / step + shift);
}

/**
 * Density-aware gap: in a crowded bucket, honest votes arrive often, so only much closer votes link
 * (keeps chance chains from percolating into giant components on large proposals).
 */
export function sybilBucketGap(timeGapSeconds: number, windowLength: number, bucketSize: number): number {
  return Math.min(timeGapSeconds, windowLength / (bucketSize * DENSITY));
}

/** What scoring a cluster reads besides its members. */
type ClusterContext = {
  /** Counted votes' power ascending (zeros, if any, never fall in a positive range). */
  sortedVp: ArrayLike<number>;
  /** Created times of the counted votes with positive power, ascending. */
  createdSorted: ArrayLike<number>;
  windowLength: number;
  inReason: (v: VoteVersion) => boolean;
  anyInReason: boolean;
  isExchange: (f: string) => boolean;
};

/** Finds clusters of counted votes and scores them; `reasonGroups` (from D10) add text edges. */
export function detectSybilClusters(p: Prepared, reasonGroups: ReasonGroup[] = []): Flag[] {
  const t = p.thresholds.sybil;
  const windowLength = Math.max(1, p.proposal.end - p.proposal.start);
  const isExchange = exchangeFunder(p.context.funderTags);
  const graph = p.cache?.sybil;
  if (graph) {
    // kept up to date vote by vote (server/ai/sybil-graph.ts): same edges, so the same clusters
    if (graph.createdSorted.length < t.minClusterSize) return [];
    graph.syncReasons(reasonGroups);
    const ctx: ClusterContext = {
      sortedVp: sortedPower(p),
      createdSorted: graph.createdSorted,
      windowLength,
      inReason: (v) => graph.inReason(v.voter),
      anyInReason: graph.anyInReason,
      isExchange,
    };
    const flags: Flag[] = [];
    for (const c of graph.clusters()) {
      const flag = scoreCluster(p, c.stats, () => (c.memo.members ??= c.members().sort(byCreated)), ctx, c.memo);
      if (flag) flags.push(flag);
    }
    return flags;
  }
  const votes = p.latest.filter((v) => v.vp > 0);
  const n = votes.length;
  if (n < t.minClusterSize) return [];
  const index = new Map<string, number>();
  votes.forEach((v, i) => index.set(v.voter, i));
  const uf = new UnionFind(n);
  const ctx = p.context;

  // Funder edges (exchange, bridge and contract funders are not evidence).
  if (ctx.funders) {
    const first = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const f = ctx.funders[votes[i].voter];
      if (!f || isExchange(f)) continue;
      const j = first.get(f);
      if (j === undefined) first.set(f, i);
      else uf.union(i, j);
      // peel chains: a voter funded by another voter
      const k = index.get(f);
      if (k !== undefined) uf.union(i, k);
    }
  }
  // Equal amounts close in time: two shifted log-VP grids, chained by time gap.
  const step = Math.log1p(t.vpTolerance);
  for (const shift of [0, 0.5]) {
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const key = sybilBucketKey(votes[i].vp, step, shift);
      const b = buckets.get(key);
      if (b) b.push(i);
      else buckets.set(key, [i]);
    }
    for (const b of buckets.values()) {
      const gap = sybilBucketGap(t.timeGapSeconds, windowLength, b.length);
      // votes are in created order, so each bucket is too
      for (let k = 1; k < b.length; k++) {
        if (votes[b[k]].created - votes[b[k - 1]].created <= gap) uf.union(b[k], b[k - 1]);
      }
    }
  }
  // Shared reason texts.
  const inReasonGroup = new Set<string>();
  for (const g of reasonGroups) {
    let prev = -1;
    for (const v of g.votes) {
      const i = index.get(v.voter);
      if (i === undefined) continue;
      inReasonGroup.add(v.voter);
      if (prev >= 0) uf.union(prev, i);
      prev = i;
    }
  }
  const cc: ClusterContext = {
    sortedVp: sortedPower(p),
    createdSorted: Float64Array.from(votes, (v) => v.created),
    windowLength,
    inReason: (v) => inReasonGroup.has(v.voter),
    anyInReason: inReasonGroup.size > 0,
    isExchange,
  };
  const flags: Flag[] = [];
  for (const members of uf.groups(t.minClusterSize)) {
    const mv = members.map((i) => votes[i]);
    const flag = scoreCluster(p, statsOf(p, mv, cc), () => mv, cc);
    if (flag) flags.push(flag);
  }
  return flags;
}


/** What scoring a cluster derives from its members alone, kept while its members stay (incremental graph). */
export type ClusterMemo = {
  members?: VoteVersion[];
  funder?: { value: number | undefined };
  /** Sorted ids and voters, and the members' exact per-choice contribution. */
  evidence?: { votes: string[]; voters: string[]; contribution: ExactScores };
};

/** Scores one cluster (members listed in created order only when needed); undefined below the minimum score. */
function scoreCluster(p: Prepared, stats: ClusterStats, members: () => VoteVersion[], cc: ClusterContext, memo?: ClusterMemo): Flag | undefined {
  const t = p.thresholds.sybil;
  const f = clusterFeatures(p, stats, members, cc, memo);
  let wsum = 0;
  let score = 0;
  for (const [k, w] of WEIGHT_LIST) {
    const x = f[k];
    if (x === undefined) continue;
    wsum += w;
    score += w * x;
  }
  score = wsum > 0 ? score / wsum : 0;
  if (score < t.minScore) return undefined;
  const mv = members();
  let voters: string[];
  let outcomeChanged: boolean;
  let evidence: { votes: string[]; voters: string[] } | undefined;
  if (memo) {
    // the members' counted votes taken out at once: exact sums, so the same result as removing them one by one
    const e = (memo.evidence ??= evidenceOf(p, mv));
    outcomeChanged = changesOutcome(p, resultShiftedBy(p, e.contribution, -1));
    voters = e.voters;
    evidence = e;
  } else {
    voters = mv.map((v) => v.voter);
    outcomeChanged = removalChangesOutcome(p, voters);
  }
  let severity: Severity = 'low';
  if (score >= t.mediumScore) severity = 'medium';
  if (score >= t.highScore && (mv.length >= t.largeClusterSize || outcomeChanged)) severity = 'high';
  const vp = exactSumValue(stats.vpSum);
  const span = stats.lastCreated - stats.firstCreated;
  const figures: Record<string, number> = {
    size: mv.length,
    vpShare: p.totalVp > 0 ? vp / p.totalVp : 0,
    spanMinutes: span / 60,
    timeSurprise: f.surprise ?? 0,
    vpEquality: f.equal ?? 0,
    choiceHomogeneity: f.choice ?? 0,
    outcomeChanged: outcomeChanged ? 1 : 0,
  };
  if (f.app !== undefined) figures.appHomogeneity = f.app;
  if (f.funder !== undefined) figures.fundingLinked = f.funder;
  if (f.young !== undefined) figures.youngWalletShare = f.young;
  if (f.reason !== undefined) figures.sharedReasonShare = f.reason;
  return makeFlag({
    kind: 'sybil-cluster',
    severity,
    score,
    votes: evidence ? evidence.votes : mv.map((v) => v.id),
    voters,
    sorted: !!evidence,
    figures,
    explanation: (g) =>
      `${fmt(g.size)} linked wallets holding ${pct(g.vpShare)} of the cast voting power voted within ${fmt(g.spanMinutes)} minutes; ` +
      `power equality ${pct(g.vpEquality)}, same choice ${pct(g.choiceHomogeneity)}` +
      (g.fundingLinked !== undefined ? `, ${pct(g.fundingLinked)} linked by funding (shared funder or funded by another member)` : '') +
      (g.youngWalletShare !== undefined ? `, ${pct(g.youngWalletShare)} fresh wallets` : '') +
      (g.sharedReasonShare !== undefined ? `, ${pct(g.sharedReasonShare)} with shared reason text` : '') +
      `. Removing them would ${g.outcomeChanged ? '' : 'not '}change the outcome.`,
    outcomeChanged,
  });
}

type Features = { surprise?: number; equal?: number; choice?: number; app?: number; funder?: number; young?: number; reason?: number };

/** Order-independent aggregates of a cluster (the incremental graph keeps them per component). */
export type ClusterStats = {
  size: number;
  /** Exact sums of the members' power and squared power. */
  vpSum: number[];
  vpSquares: number[];
  vpLo: number;
  vpHi: number;
  firstCreated: number;
  lastCreated: number;
  /** Largest number of members on one main choice, and on one app. */
  choiceMode: number;
  appMode: number;
  /** Members with a non-empty app. */
  withApp: number;
  /** Members with a known wallet age, and those younger than youngWalletDays. */
  withAge: number;
  young: number;
  inReason: number;
};

/** Whether a member's wallet is young when it voted (undefined: age unknown). */
export function isYoungWallet(walletCreated: Record<string, number> | undefined, youngWalletDays: number, v: VoteVersion): boolean | undefined {
  const c = walletCreated?.[v.voter];
  if (c === undefined) return undefined;
  return (v.created - c) / 86400 < youngWalletDays;
}

/** Aggregates of a list of members (the batch path). */
function statsOf(p: Prepared, mv: VoteVersion[], cc: ClusterContext): ClusterStats {
  const s: ClusterStats = {
    size: mv.length,
    vpSum: createExactSum(),
    vpSquares: createExactSum(),
    vpLo: Infinity,
    vpHi: -Infinity,
    firstCreated: Infinity,
    lastCreated: -Infinity,
    choiceMode: modeCount(mv.map((v) => mainChoice(v.choice))),
    appMode: modeCount(mv.map((v) => v.app)),
    withApp: 0,
    withAge: 0,
    young: 0,
    inReason: 0,
  };
  for (const v of mv) {
    addExact(s.vpSum, v.vp);
    addExact(s.vpSquares, v.vp * v.vp);
    if (v.vp < s.vpLo) s.vpLo = v.vp;
    if (v.vp > s.vpHi) s.vpHi = v.vp;
    if (v.created < s.firstCreated) s.firstCreated = v.created;
    if (v.created > s.lastCreated) s.lastCreated = v.created;
    if (v.app) s.withApp++;
    const y = isYoungWallet(p.context.walletCreated, p.thresholds.sybil.youngWalletDays, v);
    if (y !== undefined) {
      s.withAge++;
      if (y) s.young++;
    }
    if (cc.inReason(v)) s.inReason++;
  }
  return s;
}

/** Sorted evidence of a cluster and its members' exact contribution to the tally. */
function evidenceOf(p: Prepared, mv: VoteVersion[]): { votes: string[]; voters: string[]; contribution: ExactScores } {
  const contribution = emptyExactScores(p.proposal.choices.length);
  for (const v of mv) applyChoiceExact(contribution, p.proposal.type, v.choice, v.vp, 1);
  return { votes: [...new Set(mv.map((v) => v.id))].sort(), voters: [...new Set(mv.map((v) => v.voter))].sort(), contribution };
}

function clusterFeatures(p: Prepared, s: ClusterStats, members: () => VoteVersion[], cc: ClusterContext, memo?: ClusterMemo): Features {
  const { sortedVp, windowLength, isExchange } = cc;
  const t = p.thresholds.sybil;
  const k = s.size;
  // Voters in this VP range, and how many of them would fall in the cluster's time span by chance.
  const inRange = upperBound(sortedVp, s.vpHi) - lowerBound(sortedVp, s.vpLo);
  // Null model: power and time independent; the share of all votes cast in the cluster's time span is
  // measured (so front-loaded and end-spike traffic is accounted for), widened by half a gap each side.
  const half = Math.min(t.timeGapSeconds, windowLength) / 2;
  const inSpan = countCreatedIn(cc.createdSorted, s.firstCreated - half, s.lastCreated + half);
  const lambda = Math.max(1e-6, (inRange * inSpan) / Math.max(1, cc.createdSorted.length));
  const surprise = k > lambda ? (k * Math.log(k / lambda) - k + lambda) / Math.LN10 : 0;
  // mean and spread from exact sums: the same figures whatever order the members are taken in
  const cv = coefficientOfVariation(exactSumValue(s.vpSum), exactSumValue(s.vpSquares), k);
  const f: Features = {
    surprise: clamp01(surprise / 10),
    equal: clamp01(1 - cv / 0.3),
    choice: s.choiceMode / k,
  };
  if (s.withApp > 0) f.app = s.appMode / k;
  const ctx = p.context;
  if (memo?.funder) {
    if (memo.funder.value !== undefined) f.funder = memo.funder.value;
  } else if (ctx.funders) {
    // funding linkage: members sharing a non-exchange funder with another member, or funded by a member
    const funders = ctx.funders;
    const mv = members();
    const memberSet = new Set(mv.map((v) => v.voter));
    const known = mv.filter((v) => funders[v.voter]);
    if (known.length) {
      const count = new Map<string, number>();
      for (const v of known) {
        const f = funders[v.voter];
        if (!isExchange(f)) count.set(f, (count.get(f) ?? 0) + 1);
      }
      const linked = new Set<string>();
      for (const v of known) {
        const f = funders[v.voter];
        if (memberSet.has(f)) {
          linked.add(v.voter);
          linked.add(f);
        } else if (!isExchange(f) && count.get(f)! > 1) linked.add(v.voter);
      }
      f.funder = linked.size / k;
    }
  }
  if (memo && !memo.funder) memo.funder = { value: f.funder };
  if (s.withAge > 0) f.young = s.young / k;
  if (cc.anyInReason) f.reason = s.inReason / k;
  return f;
}

function modeCount<T>(xs: T[]): number {
  const m = new Map<T, number>();
  let best = 0;
  for (const x of xs) {
    const c = (m.get(x) ?? 0) + 1;
    m.set(x, c);
    if (c > best) best = c;
  }
  return best;
}

/** Number of ascending created times in [from, to]. */
function countCreatedIn(created: ArrayLike<number>, from: number, to: number): number {
  return upperBound(created, to) - lowerBound(created, from);
}

/** Whether a funder is an exchange, bridge or contract (funding from one is no evidence of a common owner). */
export function exchangeFunder(funderTags: Record<string, string> | undefined): (funder: string) => boolean {
  const tags = funderTags ?? {};
  return (funder) => tags[funder] === 'cex' || tags[funder] === 'bridge' || tags[funder] === 'contract';
}
