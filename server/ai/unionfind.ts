/** Disjoint sets over 0..n-1 with path halving and union by size. */
export class UnionFind {
  parent: Int32Array;
  size: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    this.size = new Int32Array(n).fill(1);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if (this.size[ra] < this.size[rb]) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] += this.size[rb];
  }
  /** Components with at least `min` members, each sorted ascending, ordered by first member. */
  groups(min: number): number[][] {
    const map = new Map<number, number[]>();
    for (let i = 0; i < this.parent.length; i++) {
      const r = this.find(i);
      if (this.size[r] < min) continue;
      const g = map.get(r);
      if (g) g.push(i);
      else map.set(r, [i]);
    }
    return [...map.values()].sort((a, b) => a[0] - b[0]);
  }
}
