/**
 * Connected components of a graph whose nodes and edges come and go. An added edge merges the smaller component into
 * the larger; after removals, `separate` searches from the endpoints of the removed edges at once and splits off each
 * side that runs out before meeting another, so the work is proportional to the smaller pieces, not to a giant one.
 */

/** Current edges of node i: plain neighbours, and groups it belongs to (every member linked to every other). */
export type Adjacency = (i: number, visit: (j: number) => void, group: (key: string, members: () => Iterable<number>) => void) => void;

/** Told of every node entering or leaving a component (aggregates per component), and of freed labels. */
export type ComponentHooks = {
  enter(label: number, node: number): void;
  leave(label: number, node: number): void;
  clear(label: number): void;
};

export class DynamicComponents {
  /** Component label of each node, -1 when absent. */
  private comp: Int32Array<ArrayBuffer> = new Int32Array(0);
  private pos = new Int32Array(0);
  private owner = new Int32Array(0);
  private ownerEpoch = new Int32Array(0);
  private epoch = 0;
  private readonly lists: number[][] = [];
  private readonly free: number[] = [];
  /** Labels of components with at least `min` members. */
  readonly big = new Set<number>();
  private readonly min: number;
  private readonly adjacency: Adjacency;
  private readonly hooks: ComponentHooks;

  constructor(min: number, adjacency: Adjacency, hooks: ComponentHooks) {
    this.min = min;
    this.adjacency = adjacency;
    this.hooks = hooks;
  }

  private reserve(n: number): void {
    const old = this.comp.length;
    if (n <= old) return;
    const cap = Math.max(n, old * 2, 64);
    const grow = (a: Int32Array, fill: number): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap).fill(fill);
      b.set(a);
      return b;
    };
    this.comp = grow(this.comp, -1);
    this.pos = grow(this.pos, 0);
    this.owner = grow(this.owner, 0);
    this.ownerEpoch = grow(this.ownerEpoch, 0);
  }

  /** Label of node i (-1 when absent). */
  labelOf(i: number): number {
    return i < this.comp.length ? this.comp[i] : -1;
  }

  /** Members of a component. */
  members(label: number): readonly number[] {
    return this.lists[label];
  }

  private newLabel(): number {
    const l = this.free.pop();
    if (l !== undefined) return l;
    this.lists.push([]);
    return this.lists.length - 1;
  }

  private put(label: number, i: number): void {
    const list = this.lists[label];
    this.comp[i] = label;
    this.pos[i] = list.length;
    list.push(i);
    this.hooks.enter(label, i);
    if (list.length >= this.min) this.big.add(label);
  }

  private take(i: number): number {
    const label = this.comp[i];
    this.hooks.leave(label, i);
    const list = this.lists[label];
    const last = list.pop()!;
    if (last !== i) {
      list[this.pos[i]] = last;
      this.pos[last] = this.pos[i];
    }
    this.comp[i] = -1;
    if (list.length < this.min) this.big.delete(label);
    if (list.length === 0) {
      this.hooks.clear(label);
      this.free.push(label);
    }
    return label;
  }

  /** Adds node i as its own component (the caller links its edges). */
  add(i: number): void {
    this.reserve(i + 1);
    if (this.comp[i] >= 0) return;
    this.put(this.newLabel(), i);
  }

  /** Adds absent nodes as one component (a bulk build that already knows the components). */
  addComponent(nodes: readonly number[]): void {
    if (nodes.length === 0) return;
    let top = 0;
    for (const i of nodes) if (i > top) top = i;
    this.reserve(top + 1);
    const label = this.newLabel();
    for (const i of nodes) if (this.comp[i] < 0) this.put(label, i);
  }

  /** Removes node i; the caller passes its former neighbours to `separate`. */
  remove(i: number): void {
    if (this.labelOf(i) >= 0) this.take(i);
  }

  /** Re-reads node i into its component's aggregates (after a change of the attributes they count). */
  refresh(i: number): void {
    const label = this.labelOf(i);
    if (label < 0) return;
    this.hooks.leave(label, i);
    this.hooks.enter(label, i);
  }

  /** Adds the edge a–b (ignored unless both are present). */
  link(a: number, b: number): void {
    let la = this.labelOf(a);
    let lb = this.labelOf(b);
    if (la < 0 || lb < 0 || la === lb) return;
    if (this.lists[la].length < this.lists[lb].length) [la, lb] = [lb, la];
    const moving = this.lists[lb];
    while (moving.length) {
      const j = moving[moving.length - 1];
      this.take(j);
      this.put(la, j);
    }
  }

  /**
   * After edges were removed: searches from all the given endpoints at once (per component); searches that meet
   * merge; a group of searches that runs out has found a whole piece, which gets a label of its own.
   */
  separate(endpoints: Iterable<number>): void {
    const byLabel = new Map<number, number[]>();
    for (const e of endpoints) {
      const l = this.labelOf(e);
      if (l < 0) continue;
      const list = byLabel.get(l);
      if (!list) byLabel.set(l, [e]);
      else if (!list.includes(e)) list.push(e);
    }
    for (const [label, eps] of byLabel) if (eps.length > 1) this.split(label, eps);
  }

  private split(label: number, eps: number[]): void {
    const epoch = ++this.epoch;
    const k = eps.length;
    const parent = eps.map((_, s) => s);
    const find = (s: number): number => {
      while (parent[s] !== s) s = parent[s] = parent[parent[s]];
      return s;
    };
    let groups = k;
    // searches of each merged group still running (counted at the root): checking a group is O(1), not O(k)
    const running = new Array<number>(k).fill(1);
    const union = (a: number, b: number): void => {
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) return;
      parent[rb] = ra;
      running[ra] += running[rb];
      groups--;
    };
    const queues: number[][] = eps.map((e, s) => {
      this.owner[e] = s;
      this.ownerEpoch[e] = epoch;
      return [e];
    });
    const heads = new Array<number>(k).fill(0);
    const done = new Array<boolean>(k).fill(false);
    const expanded = new Map<string, number>();
    while (groups > 1) {
      let progressed = false;
      for (let s = 0; s < k && groups > 1; s++) {
        if (done[find(s)] || heads[s] >= queues[s].length) continue;
        progressed = true;
        const x = queues[s][heads[s]++];
        const visit = (j: number): void => {
          if (this.comp[j] !== label) return;
          if (this.ownerEpoch[j] === epoch) union(s, this.owner[j]);
          else {
            this.ownerEpoch[j] = epoch;
            this.owner[j] = s;
            queues[s].push(j);
          }
        };
        this.adjacency(x, visit, (key, members) => {
          const by = expanded.get(key);
          if (by !== undefined) {
            union(s, by);
            return;
          }
          expanded.set(key, s);
          for (const j of members()) visit(j);
        });
        // a search only grows its own queue, so once empty it stays empty
        if (heads[s] === queues[s].length) running[find(s)]--;
        // a group whose searches all ran out is a whole piece: it leaves the component
        const r = find(s);
        if (running[r] === 0 && groups > 1) {
          done[r] = true;
          groups--;
          const fresh = this.newLabel();
          for (let u = 0; u < k; u++) {
            if (find(u) !== r) continue;
            for (const j of queues[u]) {
              this.take(j);
              this.put(fresh, j);
            }
          }
        }
      }
      if (!progressed) break;
    }
  }
}
