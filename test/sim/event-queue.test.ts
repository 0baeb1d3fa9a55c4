import test from 'ava';
import { EventQueue } from './event-queue.js';
import { SimScheduler } from './sim-scheduler.js';

test('items come out by time, ties in insertion order', (t) => {
  const q = new EventQueue<string>();
  q.push(5, 'e');
  q.push(1, 'a');
  q.push(3, 'c1');
  q.push(3, 'c2');
  q.push(1, 'b');
  q.push(3, 'c3');
  const out: string[] = [];
  for (let x = q.pop(); x !== undefined; x = q.pop()) out.push(x.item);
  t.deepEqual(out, ['a', 'b', 'c1', 'c2', 'c3', 'e']);
});

test('scheduler advances the clock to each event and never goes back in time', (t) => {
  const s = new SimScheduler();
  const seen: number[] = [];
  s.at(10, null, () => {
    seen.push(s.nowMs);
    s.at(2, null, () => seen.push(s.nowMs)); // in the past: runs now, after queued peers
  });
  s.after(10, null, () => seen.push(s.nowMs));
  while (s.runNext()) {
    // drain
  }
  t.deepEqual(seen, [10, 10, 10]);
  t.is(s.eventsRun, 3);
});
