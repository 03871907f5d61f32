/**
 * The reason groups of D10 kept up to date vote by vote. The batch numbers distinct texts by first appearance in
 * the log (every version, counted or not) and links each text to LSH candidates among earlier ones, so a text
 * that appears after all others is linked exactly as the batch would link it: appended, with its candidate edges
 * and no regrouping. Counting and uncounting votes only moves votes between groups. Only a version that arrives
 * out of log order before a text's first appearance can renumber the texts; that rebuilds from the log.
 */
import { UnionFind } from './unionfind.ts';
import { boilerplateSet, candidates, nearDuplicatePair, paraphrasePair, textFeatures } from './detectors/reasons.ts';
import type { ReasonGroup, TextFeatures } from './detectors/reasons.ts';
import type { Thresholds } from './thresholds.ts';
import type { VoteVersion } from './types.ts';

type Pending = { base: ReasonGroup | undefined; added: VoteVersion[]; removed: VoteVersion[] };


/** The former group holding most of g's votes (undefined when none does). */
function mostShared(g: ReasonGroup, former: Map<VoteVersion, ReasonGroup>): ReasonGroup | undefined {
  const count = new Map<ReasonGroup, number>();
  let best: ReasonGroup | undefined;
  let top = 0;
  for (const v of g.votes) {
    const f = former.get(v);
    if (!f) continue;
    const c = (count.get(f) ?? 0) + 1;
    count.set(f, c);
    if (c > top) [best, top] = [f, c];
  }
  return best;
}

export class ReasonIndex {
  private readonly t: Thresholds['reasons'];
  private readonly texts: Map<string, unknown>;
  private readonly boiler: Set<string>;
  private valid = true;
  private textIndex = new Map<string, number>();
  private feats: TextFeatures[] = [];
  private votesOf: VoteVersion[][] = [];
  /** Log position of each text's first appearance. */
  private firstMci: number[] = [];
  private nearBuckets = new Map<number, number[]>();
  private bowBuckets = new Map<number, number[]>();
  private markNear: number[] = [];
  private markBow: number[] = [];
  /** Texts linked by near-duplicate edges only, and by all edges (the groups). */
  private near = new UnionFind();
  private all = new UnionFind();
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

  /** A version entered the log (counted or not): its text gets its number and edges. */
  register(v: VoteVersion): void {
    const f = this.features(v);
    if (!f) return;
    const i = this.textIndex.get(f.norm);
    if (i !== undefined) {
      if (v.mci < this.firstMci[i]) this.invalidate();
      return;
    }
    const n = this.feats.length;
    if (n > 0 && v.mci < this.firstMci[n - 1]) return this.invalidate();
    this.append(f, v.mci);
  }

  /** A registered version became counted. */
  add(v: VoteVersion): void {
    const f = this.features(v);
    if (!f) return;
    const i = this.textIndex.get(f.norm);
    if (i === undefined) return this.invalidate();
    this.votesOf[i].push(v);
    const d = this.pending(i);
    if (d) d.added.push(v);
  }

  /** A vote is no longer counted. */
  remove(v: VoteVersion): void {
    const f = this.features(v);
    if (!f) return;
    const i = this.textIndex.get(f.norm);
    if (i === undefined) return this.invalidate();
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

  private invalidate(): void {
    this.valid = false;
    this.arrayFresh = false;
  }

  private append(f: TextFeatures, mci: number): void {
    const n = this.feats.length;
    this.textIndex.set(f.norm, n);
    this.feats.push(f);
    this.votesOf.push([]);
    this.firstMci.push(mci);
    this.markNear.push(-1);
    this.markBow.push(-1);
    this.near.push();
    this.all.push();
    this.members.set(n, [n]);
    this.nearParts.set(n, 1);
    this.dirty.set(n, { base: undefined, added: [], removed: [] });
    this.arrayFresh = false;
    const nearCand = candidates(this.nearBuckets, f.nearKeys, n, this.markNear);
    const bowCand = candidates(this.bowBuckets, f.bowKeys, n, this.markBow);
    // groups and their type depend only on the edges (not on the order the batch tests them in)
    for (const j of nearCand) {
      if (this.near.find(n) === this.near.find(j)) continue;
      if (this.pair(f, this.feats[j], 1)) {
        this.join(n, j);
        this.near.union(n, j);
        this.nearParts.set(this.all.find(n), this.nearParts.get(this.all.find(n))! - 1);
      }
    }
    for (const j of bowCand) {
      if (this.all.find(n) === this.all.find(j)) continue;
      if (this.pair(f, this.feats[j], 2)) this.join(n, j);
    }
  }

  /** Pair tests are pure in the two texts: memoised so that a rebuild does not repeat them (bit 1 near, 2 paraphrase). */
  private pairs = new WeakMap<TextFeatures, Map<TextFeatures, number>>();
  private pair(a: TextFeatures, b: TextFeatures, bit: 1 | 2): boolean {
    let m = this.pairs.get(a);
    if (!m) this.pairs.set(a, (m = new Map()));
    const known = m.get(b) ?? 0;
    if (known & (bit << 2)) return (known & bit) !== 0;
    const yes = bit === 1 ? nearDuplicatePair(this.t, a, b) : paraphrasePair(this.t, a, b);
    m.set(b, known | (bit << 2) | (yes ? bit : 0));
    return yes;
  }

  private join(a: number, b: number): void {
    const ra = this.all.find(a);
    const rb = this.all.find(b);
    if (ra === rb) return;
    const pa = this.pendingOfRoot(ra);
    const pb = this.pendingOfRoot(rb);
    const gone = this.all.union(ra, rb);
    const root = gone === ra ? rb : ra;
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
    this.firstMci = [];
    this.nearBuckets = new Map();
    this.bowBuckets = new Map();
    this.markNear = [];
    this.markBow = [];
    this.near = new UnionFind();
    this.all = new UnionFind();
    this.members = new Map();
    this.nearParts = new Map();
    this.groupOf = new Map();
    this.dirty = new Map();
  }

  /** Current groups; unchanged groups keep their object (so memoised summaries stay valid). */
  groups(versions: readonly VoteVersion[], latest: readonly VoteVersion[]): ReasonGroup[] {
    if (this.arrayFresh) return this.array;
    // after a rebuild, each new group extends the former group it shares most votes with
    let former: Map<VoteVersion, ReasonGroup> | undefined;
    if (!this.valid) {
      former = new Map();
      for (const g of this.groupOf.values()) if (g) for (const v of g.votes) former.set(v, g);
      for (const d of this.dirty.values()) if (d?.base) for (const v of d.base.votes) former.set(v, d.base);
      this.reset();
      for (const v of versions) this.register(v);
      for (const v of latest) this.add(v);
    }
    for (const [r, d] of this.dirty) {
      const g = this.groupOfRoot(r);
      // same texts, some votes more or fewer: consumers update from the base instead of starting over
      const base = d?.base ?? (g && former ? mostShared(g, former) : undefined);
      if (g && base) {
        const added = d?.base ? d.added : g.votes.filter((v) => former!.get(v) !== base);
        let removed = d?.base ? d.removed : undefined;
        if (!removed) {
          const now = new Set(g.votes);
          removed = base.votes.filter((v) => !now.has(v));
        }
        g.delta = { base, added, removed };
        base.delta = undefined; // no chain of old groups is kept alive
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
    let used = 0;
    for (const i of texts) {
      size += this.votesOf[i].length;
      if (this.votesOf[i].length > 0) used++;
    }
    // one counted vote per voter: votes = distinct voters
    if (size < this.t.minGroupSize) return null;
    const votes: VoteVersion[] = [];
    for (const i of texts) for (const v of this.votesOf[i]) votes.push(v);
    const type = used === 1 ? 'exact' : this.nearParts.get(r)! > 1 ? 'paraphrase' : 'near-duplicate';
    return { type, votes, distinctTexts: used };
  }
}
