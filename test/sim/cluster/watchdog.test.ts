import test from 'ava';
import { SimScheduler } from '../sim-scheduler.js';
import { HostClock } from './host-clock.js';
import { Watchdog } from './watchdog.js';

test('the watchdog resets its host only when not fed in time, on its own clock', (t) => {
  const sched = new SimScheduler();
  const resets: number[] = [];
  // A watchdog clock 1% fast fires 1% early in real time.
  const wd = new Watchdog(sched, new HostClock(0.01, 0), 101, () => resets.push(sched.nowMs));
  t.false(wd.armed, 'disarmed until the first feed');
  wd.feed();
  sched.after(50, null, () => wd.feed());
  sched.after(120, null, () => undefined);
  for (let i = 0; i < 100 && sched.runNext(); i++);
  t.deepEqual(resets, [150]);
  t.false(wd.armed);
});
