import test from 'ava';

import {
  DEFAULT_SUSPECT_FENCE_DELAY_MS,
  shouldFence,
} from '../../agent/src/fencing/fence-policy.js';

test('fencing disabled: never fence, not even for a failed stop', (t) => {
  const decision = shouldFence('n1', 10_000, {
    fencingEnabled: false,
    suspectSinceMs: 0,
    stopFailedOnNode: true,
  });
  t.like(decision, { fence: false, reason: 'fencing-disabled' });
});

test('a stop-failed record is fenced at once, even on a node that is alive', (t) => {
  const decision = shouldFence('n1', 10_000, {
    fencingEnabled: true,
    suspectSinceMs: null,
    stopFailedOnNode: true,
  });
  t.like(decision, { fence: true, reason: 'stop-failed' });
});

test('an alive node is not fenced', (t) => {
  t.like(
    shouldFence('n1', 10_000, {
      fencingEnabled: true,
      suspectSinceMs: null,
      stopFailedOnNode: false,
    }),
    { fence: false, reason: 'alive' },
  );
});

test('a suspect node is fenced once it has been suspect for the delay', (t) => {
  const at = (nowMs: number, suspectDelayMs?: number) =>
    shouldFence('n1', nowMs, {
      fencingEnabled: true,
      suspectSinceMs: 1_000,
      stopFailedOnNode: false,
      suspectDelayMs,
    }).reason;
  t.is(at(1_000 + DEFAULT_SUSPECT_FENCE_DELAY_MS - 1), 'suspect-briefly');
  t.is(at(1_000 + DEFAULT_SUSPECT_FENCE_DELAY_MS), 'suspect');
  t.is(at(1_199, 200), 'suspect-briefly');
  t.is(at(1_200, 200), 'suspect');
  t.is(at(1_000, 0), 'suspect');
});
