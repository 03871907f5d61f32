/**
 * The sybil detector's link graph kept up to date vote by vote: equal power close in time (two shifted log-power
 * grids, density-aware gaps), shared or chained funders, and shared reason groups; the same edges as the batch
 * `findSybilClusters`, so the clusters are the same.
 */
import { DynamicComponents } from './dynamic-components.ts';
import { sybilBucketGap, sybilBucketKey } from './detectors/sybil.ts';
import type { ReasonGroup } from './detectors/reasons.ts';
import type { Thresholds } from './thresholds.ts';
import type { HistoryContext, ProposalInput, VoteVersion } from './types.ts';

/** Node ids of one bucket, in (created, mci) order. */
type Bucket = { nodes: number[] };

const SHIFTS = [0, 0.5];

export class SybilGraph {
  private readonly ids = new Map<string, number>();
  private readonly voterNames: string[] = [];
  /** Created times of the counted votes with positive power, ascending. */
  readonly createdSorted: number[] = [];
  private lastGroups: ReasonGroup[] | undefined;
  private readonly votes: (VoteVersion | undefined)[] = [];
  private readonly keys: number[][] = [[], []];
  private readonly buckets: Map<number, Bucket>[] = [new Map(), new Map()];
  private readonly funderOf: (string | undefined)[] = [];
  /** Alive nodes by (non-exchange) funder. */
  private readonly funded = new Map<string, Set<number>>();
  private reasonRep = new Int32Array(0);
  private inReasonCount = 0;
  readonly comps: DynamicComponents;
  private readonly windowLength: number;
  private readonly timeGap: number;
  private readonly step: number;
  private readonly funders: Record<string, string> | undefined;
  private readonly isExchange: (f: string) => boolean;

  constructor(proposal: ProposalInput, thresholds: Thresholds, context: HistoryContext) {
    const t = thresholds.sybil;
    this.windowLength = Math.max(1, proposal.end - proposal.start);
    this.timeGap = t.timeGapSeconds;
    this.step = Math.log1p(t.vpTolerance);
    this.funders = context.funders;
    const tags = context.funderTags ?? {};
    this.isExchange = (f) => tags[f] === 'cex' || tags[f] === 'bridge' || tags[f] === 'contract';
    this.comps = new DynamicComponents(t.minClusterSize, (i, link) => this.neighbors(i, link));
  }

  /** Node id of a voter (-1 when unseen). */
  nodeOf(voter: string): number {
    return this.ids.get(voter) ?? -1;
  }

  /** The counted vote of a node (undefined when it has none with positive power). */
  vote(node: number): VoteVersion | undefined {
    return this.votes[node];
  }

  /** Whether the node's voter is in a reason group (as of the last `syncReasons`). */
  inReason(node: number): boolean {
    return node >= 0 && this.reasonRep[node] >= 0;
  }

  /** Whether any counted vote is in a reason group. */
  get anyInReason(): boolean {
    return this.inReasonCount > 0;
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
      this.comps.reserve(i + 1);
      if (this.reasonRep.length <= i) {
        const r = new Int32Array(Math.max(64, 2 * (i + 1))).fill(-1);
        r.set(this.reasonRep);
        this.reasonRep = r;
      }
    }
    return i;
  }

  private before(a: number, b: number): boolean {
    const va = this.votes[a]!;
    const vb = this.votes[b]!;
    return va.created < vb.created || (va.created === vb.created && va.mci < vb.mci);
  }

  private gapOf(b: Bucket): number {
    return sybilBucketGap(this.timeGap, this.windowLength, b.nodes.length);
  }

  private position(b: Bucket, i: number): number {
    let lo = 0;
    let hi = b.nodes.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (this.before(b.nodes[m], i)) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private created(i: number): number {
    return this.votes[i]!.created;
  }

  /** Sets a voter's counted vote (undefined: none); updates the edges it touches. */
  set(voter: string, vote: VoteVersion | undefined): void {
    const i = this.node(voter);
    const old = this.votes[i];
    if (old === vote) return;
    if (old) {
      this.detach(i);
      sortedRemove(this.createdSorted, old.created);
    }
    const now = vote && vote.vp > 0 ? vote : undefined;
    this.votes[i] = now;
    if (now) sortedInsert(this.createdSorted, now.created);
    if (!now) {
      this.comps.setAlive(i, false);
      return;
    }
    this.comps.setAlive(i, true);
    for (let s = 0; s < SHIFTS.length; s++) {
      const key = sybilBucketKey(now.vp, this.step, SHIFTS[s]);
      this.keys[s][i] = key;
      let b = this.buckets[s].get(key);
      if (!b) this.buckets[s].set(key, (b = { nodes: [] }));
      const oldGap = this.gapOf(b);
      const at = this.position(b, i);
      const prev = at > 0 ? b.nodes[at - 1] : -1;
      const next = at < b.nodes.length ? b.nodes[at] : -1;
      // the edge prev–next, if any, is split by the new vote
      if (prev >= 0 && next >= 0 && this.created(next) - this.created(prev) <= oldGap) this.comps.touch(prev);
      b.nodes.splice(at, 0, i);
      const newGap = this.gapOf(b);
      // a fuller bucket links only closer votes: edges with a gap in (newGap, oldGap] go
      if (newGap < oldGap) this.scanGaps(b, newGap, oldGap, (x) => this.comps.touch(x));
    }
    if (this.funderOf[i] !== undefined) {
      let set = this.funded.get(this.funderOf[i]!);
      if (!set) this.funded.set(this.funderOf[i]!, (set = new Set()));
      set.add(i);
    }
    this.neighbors(i, (j) => this.comps.link(i, j));
  }

  /** Removes node i from its buckets and funder set (its component is rebuilt). */
  private detach(i: number): void {
    this.comps.touch(i);
    for (let s = 0; s < SHIFTS.length; s++) {
      const b = this.buckets[s].get(this.keys[s][i])!;
      const oldGap = this.gapOf(b);
      const at = this.position(b, i);
      b.nodes.splice(at, 1);
      const newGap = this.gapOf(b);
      const prev = at > 0 ? b.nodes[at - 1] : -1;
      const next = at < b.nodes.length ? b.nodes[at] : -1;
      if (prev >= 0 && next >= 0 && this.created(next) - this.created(prev) <= newGap) this.comps.link(prev, next);
      // an emptier bucket links farther votes: edges with a gap in (oldGap, newGap] appear
      if (newGap > oldGap) this.scanGaps(b, oldGap, newGap, (x, y) => this.comps.link(x, y));
      if (b.nodes.length === 0) this.buckets[s].delete(this.keys[s][i]);
    }
    const f = this.funderOf[i];
    if (f !== undefined) this.funded.get(f)!.delete(i);
  }

  /** Calls fn for consecutive bucket members whose time gap lies in (lo, hi]. */
  private scanGaps(b: Bucket, lo: number, hi: number, fn: (x: number, y: number) => void): void {
    const n = b.nodes;
    for (let k = 1; k < n.length; k++) {
      const g = this.created(n[k]) - this.created(n[k - 1]);
      if (g > lo && g <= hi) fn(n[k - 1], n[k]);
    }
  }

  /** Current edges of node i (a star per funder and per reason group is enough for connectivity). */
  private neighbors(i: number, link: (j: number) => void): void {
    if (!this.votes[i]) return;
    for (let s = 0; s < SHIFTS.length; s++) {
      const b = this.buckets[s].get(this.keys[s][i])!;
      const gap = this.gapOf(b);
      const at = this.position(b, i);
      if (at > 0 && this.created(i) - this.created(b.nodes[at - 1]) <= gap) link(b.nodes[at - 1]);
      if (at + 1 < b.nodes.length && this.created(b.nodes[at + 1]) - this.created(i) <= gap) link(b.nodes[at + 1]);
    }
    const f = this.funderOf[i];
    if (f !== undefined) {
      for (const j of this.funded.get(f)!) {
        if (j !== i) {
          link(j);
          break;
        }
      }
      const k = this.ids.get(f);
      if (k !== undefined && this.votes[k]) link(k);
    }
    // wallets this voter funded
    const own = this.funded.get(this.voterOf(i));
    if (own) for (const j of own) {
      link(j);
      break;
    }
    const r = this.reasonRep[i];
    if (r >= 0 && r !== i) link(r);
  }

  private voterOf(i: number): string {
    return this.voterNames[i];
  }

  /** Takes the current reason groups: voters of a group are linked; a voter that left its group is rebuilt. */
  syncReasons(groups: ReasonGroup[]): void {
    // the same array means no counted vote with a reason changed since the last sync
    if (groups === this.lastGroups) return;
    this.lastGroups = groups;
    const seen = new Set<number>();
    for (const g of groups) {
      let rep = -1;
      const nodes: number[] = [];
      for (const v of g.votes) {
        const i = this.ids.get(v.voter);
        if (i === undefined || this.votes[i] !== v) continue;
        nodes.push(i);
        if (rep < 0 || i < rep) rep = i;
      }
      const inGroup = new Set(nodes);
      for (const i of nodes) {
        seen.add(i);
        const old = this.reasonRep[i];
        if (old === rep) continue;
        if (old < 0) this.inReasonCount++;
        // the old star edge stays true only when the old representative is still in the same group
        else if (!inGroup.has(old)) this.comps.touch(i);
        this.reasonRep[i] = rep;
        this.comps.link(i, rep);
        this.comps.bump(i);
      }
    }
    for (const i of this.withReason) {
      if (seen.has(i)) continue;
      this.reasonRep[i] = -1;
      this.inReasonCount--;
      this.comps.touch(i);
    }
    this.withReason = seen;
  }

  private withReason = new Set<number>();

  /** Clusters of at least the minimum size: each one's counted votes in (created, mci) order, with its cache stamp. */
  clusters(): { root: number; stamp: number; nodes: number[] }[] {
    this.comps.flush();
    const out: { root: number; stamp: number; nodes: number[] }[] = [];
    for (const root of this.comps.big) out.push({ root, stamp: this.comps.stampOf(root), nodes: this.comps.members(root) });
    return out;
  }
}

function sortedInsert(a: number[], x: number): void {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] <= x) lo = m + 1;
    else hi = m;
  }
  a.splice(lo, 0, x);
}

function sortedRemove(a: number[], x: number): void {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  if (a[lo] === x) a.splice(lo, 1);
}
