/**
 * The reason groups of D10 kept up to date vote by vote. The batch numbers distinct texts by first appearance in
 * the counted votes and links each text to LSH candidates among earlier ones, so a text that appears after all
 * others is linked exactly as the batch would link it: appended, with its candidate edges and no regrouping.
 * Anything that reorders the texts (an earlier vote, a text's first vote replaced) rebuilds from the counted votes.
 */
import { MAX_CANDIDATES, boilerplateSet, candidates, nearDuplicatePair, paraphrasePair, textFeatures } from './detectors/reasons.ts';
import type { ReasonGroup, TextFeatures } from './detectors/reasons.ts';
import type { Thresholds } from './thresholds.ts';
import type { VoteVersion } from './types.ts';

type Pending = { base: ReasonGroup | undefined; added: VoteVersion[]; removed: VoteVersion[] };

const byCreated = (a: VoteVersion, b: VoteVersion): number => a.created - b.created || a.mci - b.mci;

/** Growable disjoint sets with union by size. */
class GrowingUnionFind {
  readonly parent: number[] = [];
  readonly size: number[] = [];
  push(): number {
    this.parent.push(this.parent.length);
    this.size.push(1);
    return this.parent.length - 1;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  /** Joins the sets of a and b; returns [new root, absorbed root], or undefined when already joined. */
  union(a: number, b: number): [number, number] | undefined {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return undefined;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
    return [ra, rb];
  }
}

export class ReasonIndex {
  private readonly t: Thresholds['reasons'];
  private readonly texts: Map<string, unknown>;
  private readonly boiler: Set<string>;
  private valid = true;
  private textIndex = new Map<string, number>();
  private feats: TextFeatures[] = [];
  private votesOf: VoteVersion[][] = [];
  private firstVote: VoteVersion[] = [];
  private nearBuckets = new Map<number, number[]>();
  private bowBuckets = new Map<number, number[]>();
  /** Keys whose bucket list was full when another text had that key (the list no longer holds all of them). */
  private nearFull = new Set<number>();
  private bowFull = new Set<number>();
  /** Whether a text's candidate scan may have been cut at MAX_CANDIDATES; its true near and paraphrase edges (both ways). */
  private capped: boolean[] = [];
  private nearEdges: number[][] = [];
  private paraEdges: number[][] = [];
  private dead: boolean[] = [];
  private markNear: number[] = [];
  private markBow: number[] = [];
  /** Texts linked by near-duplicate edges only, and by all edges (the groups). */
  private near = new GrowingUnionFind();
  private all = new GrowingUnionFind();
  /** Per root of `all`: its texts, and how many near-duplicate components it joins (≥ 2: a paraphrase group). */
  private members = new Map<number, number[]>();
  private nearParts = new Map<number, number>();
  /** Group last returned for each clean root of `all` (null: too small). */
  private groupOf = new Map<number, ReasonGroup | null>();
  /** Roots to recompute: the group they extend (if any) with the counted votes added and removed since; null: start over. */
  private dirty = new Map<number, Pending | null>();
  private array: ReasonGroup[] = [];
  private arrayFresh = true;

  constructor(thresholds: Thresholds, texts: Map<string, unknown>) {
    this.t = thresholds.reasons;
    this.texts = texts;
    this.boiler = boilerplateSet(this.t);
  }

  private features(v: VoteVersion): TextFeatures | undefined {
    if (!v.reason || !this.valid) return undefined;
    const f = textFeatures(this.t, this.texts, this.boiler, v.reason);
    return f.valid ? f : undefined;
  }

  /** A vote became counted. */
  add(v: VoteVersion): void {
    const f = this.features(v);
    if (!f) return;
    const i = this.textIndex.get(f.norm);
    if (i !== undefined) {
      if (byCreated(v, this.firstVote[i]) < 0) return this.invalidate();
      this.votesOf[i].push(v);
      const d = this.pending(i);
      if (d) d.added.push(v);
      return;
    }
    const n = this.feats.length;
    if (n > 0 && byCreated(v, this.firstVote[n - 1]) < 0) return this.invalidate();
    this.append(f, v);
  }

  /** A vote is no longer counted. */
  remove(v: VoteVersion): void {
    const f = this.features(v);
    if (!f) return;
    const i = this.textIndex.get(f.norm);
    if (i === undefined) return this.invalidate();
    if (this.firstVote[i] === v) {
      if (this.votesOf[i].length === 1 && this.removeText(i)) return;
      return this.invalidate();
    }
    const list = this.votesOf[i];
    const at = list.indexOf(v);
    if (at < 0) return this.invalidate();
    list.splice(at, 1);
    const d = this.pending(i);
    if (d) {
      const k = d.added.indexOf(v);
      if (k >= 0) d.added.splice(k, 1);
      else d.removed.push(v);
    }
  }

  /** The pending vote changes of text i's group (undefined when it starts over). */
  private pending(text: number): Pending | undefined {
    return this.pendingOfRoot(this.all.find(text));
  }

  private pendingOfRoot(r: number): Pending | undefined {
    let d = this.dirty.get(r);
    if (d === undefined) this.dirty.set(r, (d = { base: this.groupOf.get(r) ?? undefined, added: [], removed: [] }));
    this.arrayFresh = false;
    return d ?? undefined;
  }

  /** Forgets every group object (their memoised summaries read the context, which changed). */
  renew(): void {
    for (const r of this.groupOf.keys()) this.dirty.set(r, null);
    this.groupOf.clear();
    this.arrayFresh = false;
  }

  static invalidations = 0;
  private invalidate(): void {
    ReasonIndex.invalidations++;
    if (process.env.DEBUG_RI) console.log(new Error().stack?.split("\n")[2]);
    this.valid = false;
    this.arrayFresh = false;
  }

  private append(f: TextFeatures, v: VoteVersion): void {
    const n = this.feats.length;
    this.textIndex.set(f.norm, n);
    this.feats.push(f);
    this.votesOf.push([v]);
    this.firstVote.push(v);
    this.markNear.push(-1);
    this.markBow.push(-1);
    this.near.push();
    this.all.push();
    this.members.set(n, [n]);
    this.nearParts.set(n, 1);
    this.dirty.set(n, { base: undefined, added: [v], removed: [] });
    this.arrayFresh = false;
    const nearCand = candidates(this.nearBuckets, f.nearKeys, n, this.markNear, this.nearFull);
    const bowCand = candidates(this.bowBuckets, f.bowKeys, n, this.markBow, this.bowFull);
    this.capped.push(nearCand.length >= MAX_CANDIDATES || bowCand.length >= MAX_CANDIDATES);
    this.dead.push(false);
    // every candidate pair is tested and its edges kept, so a text can later leave without a rebuild
    const nearEdges: number[] = [];
    const paraEdges: number[] = [];
    this.nearEdges.push(nearEdges);
    this.paraEdges.push(paraEdges);
    for (const j of nearCand) {
      if (!nearDuplicatePair(this.t, f, this.feats[j])) continue;
      nearEdges.push(j);
      this.nearEdges[j].push(n);
    }
    for (const j of bowCand) {
      if (!paraphrasePair(this.t, f, this.feats[j])) continue;
      paraEdges.push(j);
      this.paraEdges[j].push(n);
    }
    // groups and their type depend only on the edges (not on the order the batch tests them in)
    for (const j of nearEdges) {
      if (this.near.find(n) === this.near.find(j)) continue;
      this.join(n, j);
      this.near.union(n, j);
      this.nearParts.set(this.all.find(n), this.nearParts.get(this.all.find(n))! - 1);
    }
    for (const j of paraEdges) if (this.all.find(n) !== this.all.find(j)) this.join(n, j);
  }

  /**
   * Text i lost its only counted vote. When no bucket it is in ever overflowed and no text sharing one was cut
   * at the candidate cap, the batch without it links every other text exactly as now minus its edges: it leaves
   * its group, which is re-linked from the kept edges. False when that does not hold (the caller rebuilds).
   */
  private removeText(i: number): boolean {
    const f = this.feats[i];
    for (const [keys, full, buckets] of [[f.nearKeys, this.nearFull, this.nearBuckets], [f.bowKeys, this.bowFull, this.bowBuckets]] as const) {
      for (const k of keys) {
        if (full.has(k)) return false;
        for (const u of buckets.get(k) ?? []) if (u !== i && this.capped[u]) return false;
      }
    }
    for (const [keys, buckets] of [[f.nearKeys, this.nearBuckets], [f.bowKeys, this.bowBuckets]] as const) {
      for (const k of keys) {
        const list = buckets.get(k);
        if (!list) continue;
        const at = list.indexOf(i);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0) buckets.delete(k);
      }
    }
    const vote = this.votesOf[i][0];
    const root = this.all.find(i);
    const prior = this.pendingOfRoot(root);
    const texts = this.members.get(root)!.filter((x) => x !== i);
    this.dead[i] = true;
    this.textIndex.delete(f.norm);
    this.votesOf[i] = [];
    for (const j of this.nearEdges[i]) this.nearEdges[j] = this.nearEdges[j].filter((x) => x !== i);
    for (const j of this.paraEdges[i]) this.paraEdges[j] = this.paraEdges[j].filter((x) => x !== i);
    this.nearEdges[i] = [];
    this.paraEdges[i] = [];
    this.members.delete(root);
    this.nearParts.delete(root);
    this.dirty.delete(root);
    this.groupOf.delete(root);
    // re-link the rest of the group from its kept edges
    for (const x of [i, ...texts]) {
      this.near.parent[x] = x;
      this.near.size[x] = 1;
      this.all.parent[x] = x;
      this.all.size[x] = 1;
    }
    for (const x of texts) for (const j of this.nearEdges[x]) if (this.near.union(x, j)) this.all.union(x, j);
    for (const x of texts) for (const j of this.paraEdges[x]) this.all.union(x, j);
    const pieces = new Map<number, number[]>();
    const nearRoots = new Map<number, Set<number>>();
    for (const x of texts) {
      const r = this.all.find(x);
      const list = pieces.get(r);
      if (list) list.push(x);
      else pieces.set(r, [x]);
      let nr = nearRoots.get(r);
      if (!nr) nearRoots.set(r, (nr = new Set()));
      nr.add(this.near.find(x));
    }
    // the piece with the most votes extends the former group; the others start over
    let best = -1;
    let bestVotes = -1;
    for (const [r, xs] of pieces) {
      let n = 0;
      for (const x of xs) n += this.votesOf[x].length;
      if (n > bestVotes) [best, bestVotes] = [r, n];
    }
    for (const [r, xs] of pieces) {
      this.members.set(r, xs);
      this.nearParts.set(r, nearRoots.get(r)!.size);
      if (r !== best || !prior?.base) {
        this.dirty.set(r, null);
        continue;
      }
      const inPiece = new Set(xs);
      // the vote that left was in the base unless it came after it
      const removed = prior.added.includes(vote) ? [...prior.removed] : [...prior.removed, vote];
      const added: VoteVersion[] = [];
      for (const v of prior.added) if (inPiece.has(this.textIndex.get(this.features(v)!.norm)!)) added.push(v);
      for (const [q, ys] of pieces) if (q !== r) for (const y of ys) for (const v of this.votesOf[y]) if (!prior.added.includes(v)) removed.push(v);
      this.dirty.set(r, { base: prior.base, added, removed });
    }
    this.arrayFresh = false;
    return true;
  }

  private join(a: number, b: number): void {
    const ra = this.all.find(a);
    const rb = this.all.find(b);
    if (ra === rb) return;
    const pa = this.pendingOfRoot(ra);
    const pb = this.pendingOfRoot(rb);
    const [root, gone] = this.all.union(ra, rb)!;
    const into = this.members.get(root)!;
    const from = this.members.get(gone)!;
    // the merged group extends the larger former group; the other one's votes are added to it
    const size = (d: Pending | undefined): number => (d?.base ? d.base.votes.length : -1);
    const [keep, otherTexts] = size(pa) >= size(pb) ? [pa, ra === root ? from : into] : [pb, rb === root ? from : into];
    let merged: Pending | null = null;
    if (keep?.base) {
      merged = { base: keep.base, added: keep.added, removed: keep.removed };
      for (const i of otherTexts) for (const v of this.votesOf[i]) merged.added.push(v);
    }
    for (const x of from) into.push(x);
    this.members.delete(gone);
    this.nearParts.set(root, this.nearParts.get(root)! + this.nearParts.get(gone)!);
    this.nearParts.delete(gone);
    this.dirty.delete(gone);
    this.groupOf.delete(gone);
    this.dirty.set(root, merged);
  }

  private reset(): void {
    this.valid = true;
    this.textIndex = new Map();
    this.feats = [];
    this.votesOf = [];
    this.firstVote = [];
    this.nearBuckets = new Map();
    this.bowBuckets = new Map();
    this.markNear = [];
    this.markBow = [];
    this.nearFull = new Set();
    this.bowFull = new Set();
    this.capped = [];
    this.nearEdges = [];
    this.paraEdges = [];
    this.dead = [];
    this.near = new GrowingUnionFind();
    this.all = new GrowingUnionFind();
    this.members = new Map();
    this.nearParts = new Map();
    this.groupOf = new Map();
    this.dirty = new Map();
  }

  /** Current groups; unchanged groups keep their object (so memoised summaries stay valid). */
  groups(latest: readonly VoteVersion[]): ReasonGroup[] {
    if (this.arrayFresh) return this.array;
    if (!this.valid) {
      this.reset();
      for (const v of latest) this.add(v);
    }
    for (const [r, d] of this.dirty) {
      const g = this.groupOfRoot(r);
      // same texts, some votes more or fewer: consumers update from the base instead of starting over
      if (g && d?.base) {
        g.delta = { base: d.base, added: d.added, removed: d.removed };
        d.base.delta = undefined; // no chain of old groups is kept alive
      }
      this.groupOf.set(r, g);
    }
    this.dirty.clear();
    const out: ReasonGroup[] = [];
    for (const g of this.groupOf.values()) if (g) out.push(g);
    this.array = out;
    this.arrayFresh = true;
    return out;
  }

  private groupOfRoot(r: number): ReasonGroup | null {
    const texts = this.members.get(r)!;
    let size = 0;
    for (const i of texts) size += this.votesOf[i].length;
    // one counted vote per voter: votes = distinct voters
    if (size < this.t.minGroupSize) return null;
    const votes: VoteVersion[] = [];
    for (const i of texts) for (const v of this.votesOf[i]) votes.push(v);
    const type = texts.length === 1 ? 'exact' : this.nearParts.get(r)! > 1 ? 'paraphrase' : 'near-duplicate';
    return { type, votes, distinctTexts: texts.length };
  }
}
