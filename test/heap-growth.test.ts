import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../server/config/load-config.ts';

const root = path.resolve(import.meta.dirname, '..');

/** The old-generation growth factors V8 applied in a fresh process after `limitHeapGrowth({ percent })`, from its GC trace. */
function appliedFactors(percent: number): string[] {
  const script = `
    import { limitHeapGrowth } from './server/config/limit-heap-growth.ts';
    limitHeapGrowth({ percent: ${percent} });
    const kept = [];
    for (let round = 0; round < 4; round++) {
      for (let n = 0; n < 100_000; n++) kept.push({ n });
      globalThis.gc();
    }`;
  const trace = execFileSync(process.execPath, ['--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  // "[HeapController] Limit: old size: 7786 KB, new limit: 20074 KB (1.5)": the factor is the last figure.
  return [...trace.matchAll(/\[HeapController\] Limit: .*\((\d+\.\d)\)/g)].map((match) => match[1]);
}

t.test('HEAP_GROWING_PERCENT: 50 by default, 0 leaves V8 its own factor, bounded', async (tt) => {
  tt.equal(loadConfig({ env: {} }).heapGrowingPercent, 50);
  tt.equal(loadConfig({ env: { HEAP_GROWING_PERCENT: '0' } }).heapGrowingPercent, 0);
  tt.equal(loadConfig({ env: { HEAP_GROWING_PERCENT: '100' } }).heapGrowingPercent, 100);
  tt.throws(() => loadConfig({ env: { HEAP_GROWING_PERCENT: '-1' } }), /HEAP_GROWING_PERCENT/);
});

t.test('the limit after each full GC is the live heap times 1 + percent/100', async (tt) => {
  for (const [percent, factor] of [
    [50, '1.5'],
    [30, '1.3'],
  ] as const) {
    const factors = appliedFactors(percent);
    tt.ok(factors.length >= 4, `${percent} %: a limit per full GC (${factors.length})`);
    tt.same(new Set(factors), new Set([factor]), `${percent} %: every limit grows by ${factor}`);
  }
});

t.test('percent 0 does not set the flag', async (tt) => {
  const flags: string[] = [];
  const { limitHeapGrowth } = await import('../server/config/limit-heap-growth.ts');
  limitHeapGrowth({ percent: 0, setFlags: (value) => flags.push(value) });
  limitHeapGrowth({ percent: 75, setFlags: (value) => flags.push(value) });
  tt.same(flags, ['--heap-growing-percent=75']);
});
