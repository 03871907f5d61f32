/**
 * The sybil detector's link graph kept up to date vote by vote: equal power close in time (two shifted log-power
 * grids, density-aware gaps), shared or chained funders, and shared reason groups: the same edges as the batch
 * `detectSybilClusters`, so the same clusters, with each cluster's aggregates kept as members come and go.
 */
import { addExact, createExactSum } from '../scoring/exact-sum.ts';
import { DynamicComponents } from './dynamic-components.ts';
import type { ReasonGroup } from './detectors/reasons.ts';
import { exchangeFunder, isYoungWallet, sybilBucketGap, sybilBucketKey } from './detectors/sybil.ts';
import { lowerBound, upperBound } from './stats.ts';
import { UnionFind } from './unionfind.ts';
import type { ClusterMemo, ClusterStats } from './detectors/sybil.ts';
import { mainChoice } from './tally.ts';
import type { Thresholds } from './thresholds.ts';
import type { HistoryContext, ProposalInput, VoteVersion } from './types.ts';

const SHIFTS = [0, 0.5];

/** Least and greatest of a member attribute, with how many members hold each (ties are common: a tied holder leaving keeps it). */
type Range = { lo: number; loCount: number; hi: number; hiCount: number };

const emptyRange = (): Range => ({ lo: Infinity, loCount: 0, hi: -Infinity, hiCount: 0 });

/** Takes a member's value into the range. */
function widen(r: Range, x: number): void {
  if (x < r.lo) {
    r.lo = x;
    r.loCount = 1;
  } else if (x === r.lo) r.loCount++;
  if (x > r.hi) {
    r.hi = x;
    r.hiCount = 1;
  } else if (x === r.hi) r.hiCount++;
}

/** Takes a member's value out; false when an extreme lost its last holder (only a rescan knows the next one). */
function narrow(r: Range, x: number): boolean {
  let kept = true;
  if (x === r.lo && --r.loCount === 0) kept = false;
  if (x === r.hi && --r.hiCount === 0) kept = false;
  return kept;
}

type Aggregate = {
  vpSum: number[];
  vpSquares: number[];
  power: Range;
  time: Range;
  /** An extreme's last holder left: recompute the ranges from the members when read. */
  stale: boolean;
  choices: Map<number, number>;
  apps: Map<string, number>;
  withApp: number;
  withAge: number;
  young: number;
  inReason: number;
};

const emptyAggregate = (): Aggregate => ({
  vpSum: createExactSum(),
  vpSquares: createExactSum(),
  power: emptyRange(),
  time: emptyRange(),
  stale: false,
  choices: new Map(),
  apps: new Map(),
  withApp: 0,
  withAge: 0,
  young: 0,
  inReason: 0,
});

const bump = <K>(m: Map<K, number>, k: K, d: number): void => {
  const c = (m.get(k) ?? 0) + d;
  if (c === 0) m.delete(k);
  else m.set(k, c);
};

export class SybilGraph {
  private readonly ids = new Map<string, number>();
  private readonly voterNames: string[] = [];
  /** Counted vote with positive power of each node. */
  private readonly votes: (VoteVersion | undefined)[] = [];
  private readonly keys: number[][] = [[], []];
  /** Node ids of each log-power bucket, in (created, mci) order. */
  private readonly buckets: Map<number, number[]>[] = [new Map(), new Map()];
  private readonly funderOf: (string | undefined)[] = [];
  /** Nodes with a counted vote by (non-exchange) funder. */
  private readonly funded = new Map<string, Set<number>>();
  /** Reason group of each node in the last synced groups (-1: none), and the groups' nodes. */
  private reasonGroupOf: number[] = [];
  private reasonMembers: number[][] = [];
  /** Index of each synced group object (-1: none of its votes is a node); freed indices are reused. */
  private readonly groupIndex = new Map<ReasonGroup, number>();
  private readonly freeGroups: number[] = [];
  /** Whether each node counted as in a reason group at the last sync. */
  private readonly reasonFlag: boolean[] = [];
  private withReason = 0;
  private lastGroups: ReasonGroup[] | undefined;
  /** The vote and reason flag each node was counted with in its component's aggregate. */
  private readonly counted: { vote: VoteVersion; inReason: boolean }[] = [];
  private readonly aggregates: (Aggregate | undefined)[] = [];
  /** Per component label: its stats and scoring memo, dropped whenever a member enters or leaves. */
  private readonly memos: ({ stats: ClusterStats; memo: ClusterMemo } | undefined)[] = [];
  /** Created times of the counted votes with positive power, ascending. */
  readonly createdSorted: number[] = [];
  private readonly comps: DynamicComponents;
  private readonly windowLength: number;
  private readonly timeGap: number;
  private readonly step: number;
  private readonly funders: Record<string, string> | undefined;
  private readonly walletCreated: Record<string, number> | undefined;
  private readonly youngDays: number;
  private readonly isExchange: (f: string) => boolean;

  constructor(proposal: ProposalInput, thresholds: Thresholds, context: HistoryContext) {
    const t = thresholds.sybil;
    this.windowLength = Math.max(1, proposal.end - proposal.start);
    this.timeGap = t.timeGapSeconds;
    this.step = Math.log1p(t.vpTolerance);
    this.funders = context.funders;
    this.walletCreated = context.walletCreated;
    this.youngDays = t.youngWalletDays;
    this.isExchange = exchangeFunder(context.funderTags);
    this.comps = new DynamicComponents(t.minClusterSize, (i, visit, group) => this.adjacent(i, visit, group), {
      enter: (label, i) => this.enter(label, i),
      leave: (label, i) => this.leave(label, i),
      clear: (label) => {
        this.aggregates[label] = undefined;
      },
    });
  }

  /** Whether the voter's counted vote is in a reason group (as of the last `syncReasons`). */
  inReason(voter: string): boolean {
    const i = this.ids.get(voter);
    return i !== undefined && this.reasonGroupOf[i] >= 0;
  }

  /** Whether any counted vote is in a reason group. */
  get anyInReason(): boolean {
    return this.withReason > 0;
  }

  private node(voter: string): number {
    let i = this.ids.get(voter);
    if (i === undefined) {
      i = this.ids.size;
      this.ids.set(voter, i);
      this.voterNames.push(voter);
      this.votes.push(undefined);
      this.keys[0].push(0);
      this.keys[1].push(0);
      const f = this.funders?.[voter];
      this.funderOf.push(f && !this.isExchange(f) ? f : undefined);
      this.reasonGroupOf.push(-1);
    }
    return i;
  }

  private created(i: number): number {
    return this.votes[i]!.created;
  }

  private position(b: number[], i: number): number {
    const v = this.votes[i]!;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      const w = this.votes[b[m]]!;
      if (w.created < v.created || (w.created === v.created && w.mci < v.mci)) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private gap(b: number[]): number {
    return sybilBucketGap(this.timeGap, this.windowLength, b.length);
  }

  /** Sets a voter's counted vote (undefined: none) and updates the edges and clusters it touches. */
  set(voter: string, vote: VoteVersion | undefined): void {
    const i = this.node(voter);
    const now = vote && vote.vp > 0 ? vote : undefined;
    const old = this.votes[i];
    if (old === now) return;
    const ends: number[] = [];
    if (old) {
      // its former neighbours may now be apart
      this.adjacent(i, (j) => ends.push(j), (_, members) => {
        for (const j of members()) {
          if (j !== i && this.comps.labelOf(j) >= 0) {
            ends.push(j);
            break;
          }
        }
      });
      this.comps.remove(i);
      this.detach(i);
      sortedRemove(this.createdSorted, old.created);
    }
    this.votes[i] = now;
    if (now) {
      sortedInsert(this.createdSorted, now.created);
      this.comps.add(i);
      this.attach(i, ends);
      this.adjacent(i, (j) => this.comps.link(i, j), (_, members) => {
        // one present member is enough: the group's members are already together
        for (const j of members()) {
          if (j !== i && this.comps.labelOf(j) >= 0) {
            this.comps.link(i, j);
            break;
          }
        }
      });
    }
    this.comps.separate(ends);
  }

  /**
   * Fills an empty graph with every voter's counted vote at once (voters in first-vote order, as `set` would have
   * numbered them): each bucket is sorted once and linked with its final gap, instead of rescanning a bucket's gaps
   * on every insert, so the same edges and clusters cost O(n log n).
   */
  load(counted: Iterable<VoteVersion>): void {
    if (this.ids.size) throw new Error('SybilGraph.load needs an empty graph');
    const present: number[] = [];
    for (const v of counted) {
      const i = this.node(v.voter);
      if (v.vp > 0) {
        this.votes[i] = v;
        present.push(i);
      }
    }
    present.sort((a, b) => this.created(a) - this.created(b) || this.votes[a]!.mci - this.votes[b]!.mci);
    // edges are joined in a union-find first, so each node enters its final component once
    const sets = new UnionFind(this.ids.size);
    for (const i of present) {
      this.createdSorted.push(this.created(i));
      for (let s = 0; s < SHIFTS.length; s++) {
        const key = sybilBucketKey(this.votes[i]!.vp, this.step, SHIFTS[s]);
        this.keys[s][i] = key;
        const b = this.buckets[s].get(key);
        if (b) b.push(i);
        else this.buckets[s].set(key, [i]);
      }
      const f = this.funderOf[i];
      if (f !== undefined) {
        const set = this.funded.get(f);
        if (set) set.add(i);
        else this.funded.set(f, new Set([i]));
      }
    }
    for (const buckets of this.buckets) {
      for (const b of buckets.values()) {
        const gap = this.gap(b);
        for (let k = 1; k < b.length; k++) if (this.created(b[k]) - this.created(b[k - 1]) <= gap) sets.union(b[k - 1], b[k]);
      }
    }
    for (const f of this.funded.keys()) {
      const members = this.funderGroup(f);
      for (let k = 1; k < members.length; k++) sets.union(members[0], members[k]);
    }
    const components = new Map<number, number[]>();
    for (const i of present) {
      const r = sets.find(i);
      const c = components.get(r);
      if (c) c.push(i);
      else components.set(r, [i]);
    }
    for (const nodes of components.values()) this.comps.addComponent(nodes);
  }

  private detach(i: number): void {
    for (let s = 0; s < SHIFTS.length; s++) {
      const key = this.keys[s][i];
      const b = this.buckets[s].get(key)!;
      const oldGap = this.gap(b);
      const at = this.position(b, i);
      b.splice(at, 1);
      if (b.length === 0) {
        this.buckets[s].delete(key);
        continue;
      }
      const newGap = this.gap(b);
      if (at > 0 && at < b.length && this.created(b[at]) - this.created(b[at - 1]) <= newGap) this.comps.link(b[at - 1], b[at]);
      // an emptier bucket links farther votes: edges with a gap in (oldGap, newGap] appear
      if (newGap > oldGap) this.scanGaps(b, oldGap, newGap, (x, y) => this.comps.link(x, y));
    }
    const f = this.funderOf[i];
    if (f !== undefined) this.funded.get(f)!.delete(i);
  }

  /** Inserts node i in its buckets; endpoints of edges that go are added to `ends`. */
  private attach(i: number, ends: number[]): void {
    const v = this.votes[i]!;
    for (let s = 0; s < SHIFTS.length; s++) {
      const key = sybilBucketKey(v.vp, this.step, SHIFTS[s]);
      this.keys[s][i] = key;
      let b = this.buckets[s].get(key);
      if (!b) this.buckets[s].set(key, (b = []));
      const oldGap = this.gap(b);
      const at = this.position(b, i);
      // the edge between its new neighbours, if any, is split
      if (at > 0 && at < b.length && this.created(b[at]) - this.created(b[at - 1]) <= oldGap) ends.push(b[at - 1], b[at]);
      b.splice(at, 0, i);
      const newGap = this.gap(b);
      // a fuller bucket links only closer votes: edges with a gap in (newGap, oldGap] go
      if (newGap < oldGap) this.scanGaps(b, newGap, oldGap, (x, y) => ends.push(x, y));
    }
    const f = this.funderOf[i];
    if (f !== undefined) {
      let set = this.funded.get(f);
      if (!set) this.funded.set(f, (set = new Set()));
      set.add(i);
    }
  }

  /** Calls fn for consecutive bucket members whose time gap lies in (lo, hi]. */
  private scanGaps(b: number[], lo: number, hi: number, fn: (x: number, y: number) => void): void {
    for (let k = 1; k < b.length; k++) {
      const g = this.created(b[k]) - this.created(b[k - 1]);
      if (g > lo && g <= hi) fn(b[k - 1], b[k]);
    }
  }

  /** Members of funder f's group: the wallets it funded and f itself when it voted. */
  private funderGroup(f: string): number[] {
    const out = [...(this.funded.get(f) ?? [])];
    const k = this.ids.get(f);
    if (k !== undefined && this.votes[k]) out.push(k);
    return out;
  }

  /** Current edges of node i. */
  private adjacent(i: number, visit: (j: number) => void, group: (key: string, members: () => Iterable<number>) => void): void {
    if (!this.votes[i]) return;
    for (let s = 0; s < SHIFTS.length; s++) {
      const b = this.buckets[s].get(this.keys[s][i])!;
      const gap = this.gap(b);
      const at = this.position(b, i);
      if (at > 0 && this.created(i) - this.created(b[at - 1]) <= gap) visit(b[at - 1]);
      if (at + 1 < b.length && this.created(b[at + 1]) - this.created(i) <= gap) visit(b[at + 1]);
    }
    const f = this.funderOf[i];
    if (f !== undefined) group(`f:${f}`, () => this.funderGroup(f));
    const own = this.voterNames[i];
    if (this.funded.get(own)?.size) group(`f:${own}`, () => this.funderGroup(own));
    const g = this.reasonGroupOf[i];
    if (g >= 0) group(`r:${g}`, () => this.reasonMembers[g]);
  }

  /**
   * Takes the current reason groups: their voters are linked; voters that left a group may split off. Only groups
   * that changed since the last sync (new objects) are visited: an unchanged group keeps its object.
   */
  syncReasons(groups: ReasonGroup[]): void {
    // the same array means no counted vote with a reason changed since the last sync
    if (groups === this.lastGroups) return;
    this.lastGroups = groups;
    const current = new Set(groups);
    // a group extended by a current one hands its index over (see updateGroup)
    for (const g of groups) if (g.delta && this.groupIndex.has(g.delta.base) && !current.has(g.delta.base)) current.add(g.delta.base);
    const removed: number[][] = [];
    const touched: number[] = [];
    for (const [g, idx] of this.groupIndex) {
      if (current.has(g)) continue;
      this.groupIndex.delete(g);
      if (idx < 0) continue;
      const nodes = this.reasonMembers[idx];
      for (const i of nodes) {
        if (this.reasonGroupOf[i] === idx) {
          this.reasonGroupOf[i] = -1;
          touched.push(i);
        }
      }
      removed.push(nodes);
      this.reasonMembers[idx] = [];
      this.freeGroups.push(idx);
    }
    const added: number[][] = [];
    for (const g of groups) {
      if (this.groupIndex.has(g)) continue;
      if (this.updateGroup(g, touched, added, removed)) continue;
      const nodes: number[] = [];
      for (const v of g.votes) {
        const i = this.ids.get(v.voter);
        if (i !== undefined && this.votes[i] === v) nodes.push(i);
      }
      if (nodes.length === 0) {
        this.groupIndex.set(g, -1);
        continue;
      }
      const idx = this.freeGroups.pop() ?? this.reasonMembers.length;
      this.groupIndex.set(g, idx);
      this.reasonMembers[idx] = nodes;
      for (const i of nodes) {
        if (this.reasonGroupOf[i] < 0) touched.push(i);
        this.reasonGroupOf[i] = idx;
      }
      added.push(nodes);
    }
    // touched nodes were in a group before exactly when they are in `this.counted` with the flag set
    for (const i of new Set(touched)) {
      const before = this.inReasonBefore(i);
      const now = this.reasonGroupOf[i] >= 0;
      if (before !== now) {
        this.withReason += now ? 1 : -1;
        this.reasonFlag[i] = now;
        this.comps.refresh(i);
      }
    }
    for (const nodes of added) for (let k = 1; k < nodes.length; k++) this.comps.link(nodes[0], nodes[k]);
    // endpoints: one node per new group (or none) among each old group's members
    const ends: number[] = [];
    for (const nodes of removed) {
      const seen = new Set<number>();
      for (const i of nodes) {
        if (!this.votes[i]) continue;
        const g = this.reasonGroupOf[i];
        if (g < 0 || !seen.has(g)) {
          ends.push(i);
          if (g >= 0) seen.add(g);
        }
      }
    }
    this.comps.separate(ends);
  }

  /**
   * A group that is an already synced group with some votes added and removed takes over its index; its
   * nodes are updated one by one. False when it is not such a group.
   */
  private updateGroup(g: ReasonGroup, touched: number[], added: number[][], removed: number[][]): boolean {
    const delta = g.delta;
    const idx = delta && this.groupIndex.get(delta.base);
    if (!delta || idx === undefined || idx < 0) return false;
    this.groupIndex.delete(delta.base);
    this.groupIndex.set(g, idx);
    const nodes = this.reasonMembers[idx];
    const gone: number[] = [];
    for (const v of delta.removed) {
      const i = this.ids.get(v.voter);
      if (i === undefined) continue;
      // the node may already belong to a group synced earlier in this pass (its new vote's): it still leaves this one
      const at = nodes.indexOf(i);
      if (at < 0) continue;
      nodes.splice(at, 1);
      if (this.reasonGroupOf[i] === idx) {
        this.reasonGroupOf[i] = -1;
        touched.push(i);
      }
      gone.push(i);
    }
    const fresh: number[] = [];
    for (const v of delta.added) {
      const i = this.ids.get(v.voter);
      if (i === undefined || this.votes[i] !== v) continue;
      if (this.reasonGroupOf[i] !== idx) {
        nodes.push(i);
        touched.push(i);
        this.reasonGroupOf[i] = idx;
      }
      fresh.push(i);
    }
    if (nodes.length && fresh.length) added.push([nodes[0], ...fresh]);
    // a node that left loses the group's edges: it and the group may now be apart
    if (gone.length) removed.push(nodes.length ? [...gone, nodes[0]] : gone);
    return true;
  }

  private inReasonBefore(i: number): boolean {
    return this.reasonFlag[i] === true;
  }

  private enter(label: number, i: number): void {
    this.memos[label] = undefined;
    const v = this.votes[i]!;
    const inReason = this.reasonGroupOf[i] >= 0;
    this.counted[i] = { vote: v, inReason };
    const a = (this.aggregates[label] ??= emptyAggregate());
    addExact(a.vpSum, v.vp);
    addExact(a.vpSquares, v.vp * v.vp);
    if (!a.stale) {
      widen(a.power, v.vp);
      widen(a.time, v.created);
    }
    bump(a.choices, mainChoice(v.choice), 1);
    bump(a.apps, v.app, 1);
    if (v.app) a.withApp++;
    const y = isYoungWallet(this.walletCreated, this.youngDays, v);
    if (y !== undefined) {
      a.withAge++;
      if (y) a.young++;
    }
    if (inReason) a.inReason++;
  }

  private leave(label: number, i: number): void {
    this.memos[label] = undefined;
    const { vote: v, inReason } = this.counted[i];
    const a = this.aggregates[label]!;
    addExact(a.vpSum, -v.vp);
    addExact(a.vpSquares, -(v.vp * v.vp));
    if (!a.stale) {
      // both ranges counted down, whatever the first says
      const powerKept = narrow(a.power, v.vp);
      const timeKept = narrow(a.time, v.created);
      a.stale = !powerKept || !timeKept;
    }
    bump(a.choices, mainChoice(v.choice), -1);
    bump(a.apps, v.app, -1);
    if (v.app) a.withApp--;
    const y = isYoungWallet(this.walletCreated, this.youngDays, v);
    if (y !== undefined) {
      a.withAge--;
      if (y) a.young--;
    }
    if (inReason) a.inReason--;
  }

  private stats(label: number): ClusterStats {
    const a = this.aggregates[label]!;
    const members = this.comps.members(label);
    if (a.stale) {
      a.power = emptyRange();
      a.time = emptyRange();
      for (const i of members) {
        widen(a.power, this.counted[i].vote.vp);
        widen(a.time, this.counted[i].vote.created);
      }
      a.stale = false;
    }
    let choiceMode = 0;
    for (const c of a.choices.values()) if (c > choiceMode) choiceMode = c;
    let appMode = 0;
    for (const c of a.apps.values()) if (c > appMode) appMode = c;
    return {
      size: members.length,
      vpSum: a.vpSum,
      vpSquares: a.vpSquares,
      vpLo: a.power.lo,
      vpHi: a.power.hi,
      firstCreated: a.time.lo,
      lastCreated: a.time.hi,
      choiceMode,
      appMode,
      withApp: a.withApp,
      withAge: a.withAge,
      young: a.young,
      inReason: a.inReason,
    };
  }

  /** Components of at least the minimum size: aggregates, members on demand, and a memo kept while the members stay. */
  clusters(): { stats: ClusterStats; members: () => VoteVersion[]; memo: ClusterMemo }[] {
    const out: { stats: ClusterStats; members: () => VoteVersion[]; memo: ClusterMemo }[] = [];
    for (const label of this.comps.big) {
      let m = this.memos[label];
      if (!m) this.memos[label] = m = { stats: this.stats(label), memo: {} };
      out.push({ stats: m.stats, members: () => this.comps.members(label).map((i) => this.votes[i]!), memo: m.memo });
    }
    return out;
  }
}

function sortedInsert(a: number[], x: number): void {
  a.splice(upperBound(a, x), 0, x);
}

function sortedRemove(a: number[], x: number): void {
  const at = lowerBound(a, x);
  if (a[at] === x) a.splice(at, 1);
}
