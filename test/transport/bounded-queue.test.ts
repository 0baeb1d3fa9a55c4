import test from 'ava';

import { BoundedQueue } from '../../agent/src/transport/bounded-queue.js';

test('refuses beyond the item bound and the byte bound', (t) => {
  const q = new BoundedQueue<number>(3, 100);
  t.true(q.push(1, 10));
  t.true(q.push(2, 10));
  t.false(q.push(3, 81), 'would exceed 100 bytes');
  t.true(q.push(3, 80));
  t.false(q.push(4, 0), 'would exceed 3 items');
  t.is(q.length, 3);
  t.is(q.sizeBytes, 100);
});

test('takeBatch is FIFO, honours both limits, and always takes at least one', (t) => {
  const q = new BoundedQueue<number>(10, 1000);
  for (let i = 1; i <= 6; i += 1) q.push(i, i === 1 ? 500 : 10);
  t.deepEqual(q.takeBatch(10, 100), [1], 'an item over the byte limit travels alone');
  t.deepEqual(q.takeBatch(2, 100), [2, 3]);
  t.deepEqual(q.takeBatch(10, 25), [4, 5]);
  t.is(q.sizeBytes, 10);
  t.deepEqual(q.clear(), [6]);
  t.is(q.length, 0);
  t.is(q.sizeBytes, 0);
  t.deepEqual(q.takeBatch(10, 100), []);
});

test('matches a plain array model across many cycles of fill and drain (compaction)', (t) => {
  const q = new BoundedQueue<number>(5000, 1e9);
  const model: number[] = [];
  let next = 0;
  for (let round = 0; round < 20; round += 1) {
    for (let i = 0; i < 3000; i += 1) {
      const accepted = q.push(next, 1);
      t.is(accepted, model.length < 5000);
      if (accepted) model.push(next);
      next += 1;
    }
    const batch = q.takeBatch(2500, 1e9);
    t.deepEqual(batch, model.splice(0, batch.length));
    t.is(q.length, model.length);
  }
  t.deepEqual(q.clear(), model);
});

test('rejects nonsensical bounds', (t) => {
  t.throws(() => new BoundedQueue(0, 1), { instanceOf: RangeError });
  t.throws(() => new BoundedQueue(1, 0.5), { instanceOf: RangeError });
});
