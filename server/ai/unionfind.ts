/** Disjoint sets over 0..length-1 with path halving and union by size; `push` adds a set (the incremental analyzers grow). */
export class UnionFind {
  parent: Int32Array;
  size: Int32Array;
  /** How many elements there are (the arrays may hold spare room). */
  length: number;
  constructor(n = 0) {
    this.parent = new Int32Array(Math.max(n, 16));
    this.size = new Int32Array(this.parent.length).fill(1);
    for (let i = 0; i < this.parent.length; i++) this.parent[i] = i;
    this.length = n;
  }
  /** Adds a singleton set; returns its element. */
  push(): number {
    if (this.length === this.parent.length) {
      const parent = new Int32Array(this.parent.length * 2);
      const size = new Int32Array(parent.length).fill(1);
      parent.set(this.parent);
      size.set(this.size);
      for (let i = this.parent.length; i < parent.length; i++) parent[i] = i;
      this.parent = parent;
      this.size = size;
    }
    return this.length++;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  /** Joins the sets of a and b; returns the root that was absorbed (the other one is the new root), or -1 when already joined. */
  union(a: number, b: number): number {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return -1;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
    return rb;
  }
  /** Components with at least `min` members, each sorted ascending, ordered by first member. */
  groups(min: number): number[][] {
    const map = new Map<number, number[]>();
    for (let i = 0; i < this.length; i++) {
      const r = this.find(i);
      if (this.size[r] < min) continue;
      const g = map.get(r);
      if (g) g.push(i);
      else map.set(r, [i]);
    }
    return [...map.values()].sort((a, b) => a[0] - b[0]);
  }
}
