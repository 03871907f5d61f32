/**
 * Connected components of a graph whose edges come and go: additions are unions at once; a removal only marks its
 * component dirty, and `flush` rebuilds each dirty component from the current edges of its members (asked of
 * `neighbors`). Between flushes a component is a superset of the true one, so a rebuild never has to look outside it.
 */
export class DynamicComponents {
  private parent = new Int32Array(0);
  private size = new Int32Array(0);
  /** Circular list of each component's members (spliced in O(1) on union). */
  private next = new Int32Array(0);
  private live = new Uint8Array(0);
  private stamps = new Int32Array(0);
  private clock = 0;
  private dirty: number[] = [];
  /** Roots of components with at least `min` members (exact after `flush`). */
  readonly big = new Set<number>();
  private readonly min: number;
  private readonly neighbors: (i: number, link: (j: number) => void) => void;

  constructor(min: number, neighbors: (i: number, link: (j: number) => void) => void) {
    this.min = min;
    this.neighbors = neighbors;
  }

  /** Makes room for node ids below n (new nodes are dead singletons). */
  reserve(n: number): void {
    const old = this.parent.length;
    if (n <= old) return;
    const cap = Math.max(n, old * 2, 64);
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.parent = grow(this.parent, (k) => new Int32Array(k));
    this.size = grow(this.size, (k) => new Int32Array(k));
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.live = grow(this.live, (k) => new Uint8Array(k));
    this.stamps = grow(this.stamps, (k) => new Int32Array(k));
    for (let i = old; i < cap; i++) {
      this.parent[i] = i;
      this.size[i] = 1;
      this.next[i] = i;
    }
  }

  alive(i: number): boolean {
    return this.live[i] === 1;
  }

  /** Marks a node present (its edges are linked by the caller) or absent (its component is rebuilt). */
  setAlive(i: number, on: boolean): void {
    this.reserve(i + 1);
    if (this.live[i] === (on ? 1 : 0)) return;
    this.live[i] = on ? 1 : 0;
    if (!on) this.touch(i);
    else this.stamp(this.find(i));
  }

  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }

  /** Adds the edge a–b (ignored unless both are alive). */
  link(a: number, b: number): void {
    if (!this.live[a] || !this.live[b]) return;
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
    const t = this.next[ra];
    this.next[ra] = this.next[rb];
    this.next[rb] = t;
    this.big.delete(rb);
    if (this.size[ra] >= this.min) this.big.add(ra);
    this.stamp(ra);
  }

  /** Some edge of node i may have gone: its component is rebuilt at the next flush. */
  touch(i: number): void {
    this.dirty.push(i);
  }

  /** Marks i's component changed (for caches keyed by `stampOf`) without changing its edges. */
  bump(i: number): void {
    this.stamp(this.find(i));
  }

  private stamp(root: number): void {
    this.stamps[root] = ++this.clock;
  }

  /** A number that changes whenever the component of this root changes. */
  stampOf(root: number): number {
    return this.stamps[root];
  }

  sizeOf(root: number): number {
    return this.size[root];
  }

  /** Members of the component of root (in list order). */
  members(root: number): number[] {
    const out = [root];
    for (let x = this.next[root]; x !== root; x = this.next[x]) out.push(x);
    return out;
  }

  /** Rebuilds every dirty component from its members' current edges. */
  flush(): void {
    if (this.dirty.length === 0) return;
    const roots = new Set<number>();
    for (const i of this.dirty) roots.add(this.find(i));
    this.dirty = [];
    for (const r of roots) {
      if (this.find(r) !== r) continue; // merged into another rebuilt component already
      const members = this.members(r);
      this.big.delete(r);
      for (const m of members) {
        this.parent[m] = m;
        this.size[m] = 1;
        this.next[m] = m;
        this.stamp(m);
      }
      for (const m of members) {
        if (!this.live[m]) continue;
        this.neighbors(m, (j) => this.link(m, j));
      }
    }
  }
}
