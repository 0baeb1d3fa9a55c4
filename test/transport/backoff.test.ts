import test from 'ava';

import { Backoff } from '../../agent/src/transport/backoff.js';

test('doubles from the minimum up to the cap, with jitter in [d/2, d]', (t) => {
  const low = new Backoff(100, 1000, () => 0);
  t.deepEqual(
    Array.from({ length: 6 }, () => low.nextDelayMs()),
    [50, 100, 200, 400, 500, 500],
  );
  const high = new Backoff(100, 1000, () => 0.999999);
  t.deepEqual(
    Array.from({ length: 6 }, () => high.nextDelayMs()),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('reset starts over; a very long outage never overflows', (t) => {
  const b = new Backoff(10, 5000, () => 1 - Number.EPSILON);
  for (let i = 0; i < 10_000; i += 1) b.nextDelayMs();
  t.is(b.nextDelayMs(), 5000);
  t.is(b.attempts, 10_001);
  b.reset();
  t.is(b.nextDelayMs(), 10);
});

test('rejects a cap below the minimum', (t) => {
  t.throws(() => new Backoff(100, 50), { instanceOf: RangeError });
  t.throws(() => new Backoff(0, 50), { instanceOf: RangeError });
});
