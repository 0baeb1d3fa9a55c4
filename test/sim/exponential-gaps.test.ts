import test from 'ava';
import { everyExponentialGap, exponentialGapMs } from './exponential-gaps.js';
import { SimRandom } from './sim-random.js';
import { SimScheduler } from './sim-scheduler.js';

test('an infinite mean never comes; a finite one averages out near its mean', (t) => {
  const r = SimRandom.forStream(1, 'gaps');
  t.is(exponentialGapMs(r, Infinity), Infinity);
  const n = 20_000;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += exponentialGapMs(r, 100);
  t.true(Math.abs(sum / n - 100) < 5, `mean ${sum / n}`);
});

test('a loop runs while active, ends for good once inactive, and delays only its first occurrence', (t) => {
  const s = new SimScheduler();
  const r = SimRandom.forStream(2, 'loop');
  let on = true;
  const at: number[] = [];
  everyExponentialGap(
    s,
    r,
    10,
    () => on,
    () => at.push(s.nowMs),
    1000,
  );
  s.at(1500, null, () => (on = false));
  s.at(1600, null, () => (on = true)); // too late: the loop already ended
  for (let i = 0; i < 10_000 && s.runNext(); i++) {
    // drain (bounded)
  }
  t.true(at.length > 10, `${at.length} occurrences`);
  t.true(at[0]! >= 1000, `first at ${at[0]}`);
  t.true(at.every((ms) => ms <= 1500));
  t.is(s.nextTimeMs(), undefined);
});

test('the same stream gives the same occurrences', (t) => {
  const run = () => {
    const s = new SimScheduler();
    const at: number[] = [];
    everyExponentialGap(
      s,
      SimRandom.forStream(3, 'loop'),
      50,
      () => s.nowMs < 2000,
      () => {
        at.push(s.nowMs);
      },
    );
    while (s.runNext()) {
      // drain: the loop ends at 2000 ms
    }
    return at;
  };
  t.deepEqual(run(), run());
});
