import t from 'tap';
import { DynamicComponents } from '../server/ai/dynamic-components.ts';
import { createRng } from '../server/ai/simulate/rng.ts';

/** Components of the explicit graph, recomputed from scratch: each as its sorted members, all sorted. */
function truth(n: number, alive: boolean[], edges: Set<number>[], groups: Map<string, Set<number>>): string {
  const seen = new Array<boolean>(n).fill(false);
  const out: string[] = [];
  for (let s = 0; s < n; s++) {
    if (!alive[s] || seen[s]) continue;
    const comp: number[] = [];
    const stack = [s];
    seen[s] = true;
    while (stack.length) {
      const x = stack.pop()!;
      comp.push(x);
      const next = [...edges[x]];
      for (const g of groups.values()) if (g.has(x)) next.push(...g);
      for (const y of next) if (alive[y] && !seen[y]) {
        seen[y] = true;
        stack.push(y);
      }
    }
    out.push(comp.sort((a, b) => a - b).join(','));
  }
  return out.sort().join(' | ');
}

t.test('dynamic components equal components recomputed from scratch under random adds and removals', async (t) => {
  for (const seed of [1, 2, 3]) {
    const rng = createRng(seed);
    const n = 60;
    const alive = new Array<boolean>(n).fill(false);
    const edges = Array.from({ length: n }, () => new Set<number>());
    const groups = new Map<string, Set<number>>();
    const sizes = new Map<number, number>();
    const dc = new DynamicComponents(
      3,
      (i, visit, group) => {
        for (const j of edges[i]) if (alive[j]) visit(j);
        for (const [key, g] of groups) if (g.has(i)) group(key, () => [...g].filter((j) => alive[j]));
      },
      { enter: (l) => sizes.set(l, (sizes.get(l) ?? 0) + 1), leave: (l) => sizes.set(l, sizes.get(l)! - 1), clear: (l) => sizes.delete(l) },
    );
    for (let step = 0; step < 1500; step++) {
      const r = rng.next();
      const a = rng.int(n);
      const b = rng.int(n);
      if (r < 0.2) {
        if (!alive[a]) {
          alive[a] = true;
          dc.add(a);
          for (const j of edges[a]) dc.link(a, j);
          for (const g of groups.values()) if (g.has(a)) for (const j of g) if (j !== a) dc.link(a, j);
        }
      } else if (r < 0.3) {
        if (alive[a]) {
          const ends = [...edges[a]];
          for (const g of groups.values()) if (g.has(a)) ends.push(...[...g].filter((j) => j !== a));
          alive[a] = false;
          dc.remove(a);
          dc.separate(ends);
        }
      } else if (r < 0.65) {
        if (a !== b) {
          edges[a].add(b);
          edges[b].add(a);
          dc.link(a, b);
        }
      } else if (r < 0.9) {
        const list = [...edges[a]];
        if (list.length) {
          const c = list[rng.int(list.length)];
          edges[a].delete(c);
          edges[c].delete(a);
          dc.separate([a, c]);
        }
      } else {
        // a group gains or loses a member
        const key = `g${rng.int(4)}`;
        const g = groups.get(key) ?? new Set<number>();
        groups.set(key, g);
        if (g.has(a)) {
          g.delete(a);
          dc.separate([a, ...g]);
        } else {
          g.add(a);
          for (const j of g) dc.link(a, j);
        }
      }
      const got = new Map<number, number[]>();
      for (let i = 0; i < n; i++) {
        const l = dc.labelOf(i);
        if ((l >= 0) !== alive[i]) {
          t.fail(`seed ${seed} step ${step}: node ${i} presence`);
          return;
        }
        if (l >= 0) got.set(l, [...(got.get(l) ?? []), i]);
      }
      const mine = [...got.values()].map((c) => c.sort((x, y) => x - y).join(',')).sort().join(' | ');
      if (mine !== truth(n, alive, edges, groups)) {
        t.fail(`seed ${seed} step ${step}: ${mine} vs ${truth(n, alive, edges, groups)}`);
        return;
      }
      const big = [...got].filter(([, members]) => members.length >= 3).map(([l]) => l).sort((x, y) => x - y);
      if (big.join() !== [...dc.big].sort((x, y) => x - y).join()) {
        t.fail(`seed ${seed} step ${step}: big components ${[...dc.big]} vs ${big}`);
        return;
      }
      for (const [l, size] of sizes) if (size !== dc.members(l).length) {
        t.fail(`aggregate hooks out of step for label ${l}`);
        return;
      }
    }
    t.pass(`seed ${seed}: 1500 random steps agree`);
  }
});
