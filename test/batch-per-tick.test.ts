/** batchPerTick: reads asked for in one event-loop turn go to the loader together, each caller gets its own value. */
import t from 'tap';
import { batchPerTick } from '../server/db/batch-per-tick.ts';

t.test('one turn, one call; answers in the callers\' order', async (tt) => {
  const calls: number[][] = [];
  const load = batchPerTick({ loadMany: async (keys: number[]) => (calls.push(keys), keys.map((key) => key * 10)) });
  const values = await Promise.all([3, 1, 2].map(load));
  tt.same(values, [30, 10, 20]);
  tt.same(calls, [[3, 1, 2]]);
  tt.same(await load(7), 70);
  tt.same(calls, [[3, 1, 2], [7]], 'a later turn is a new call');
});

t.test('a turn larger than maxBatch is split', async (tt) => {
  const calls: number[][] = [];
  const load = batchPerTick({ maxBatch: 2, loadMany: async (keys: number[]) => (calls.push(keys), keys) });
  tt.same(await Promise.all([1, 2, 3, 4, 5].map(load)), [1, 2, 3, 4, 5]);
  tt.same(calls, [[1, 2], [3, 4], [5]]);
});

t.test('a failed call fails each of its callers, and the next turn works again', async (tt) => {
  let fail = true;
  const load = batchPerTick({
    loadMany: async (keys: string[]) => {
      if (fail) throw new Error('database gone');
      return keys;
    },
  });
  const results = await Promise.allSettled(['a', 'b'].map(load));
  tt.same(results.map((result) => result.status), ['rejected', 'rejected']);
  tt.match((results[0] as PromiseRejectedResult).reason, { message: 'database gone' });
  fail = false;
  tt.equal(await load('c'), 'c');
});
