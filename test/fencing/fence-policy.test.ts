import test from 'ava';

import {
  DEFAULT_SUSPECT_FENCE_DELAY_MS,
  JOINING_FENCE_DELAY_MS,
  SETTLED_AFTER_MS,
  fenceDelayMs,
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
      upBeforeSilenceMs: SETTLED_AFTER_MS,
    }).reason;
  t.is(at(1_000 + DEFAULT_SUSPECT_FENCE_DELAY_MS - 1), 'suspect-briefly');
  t.is(at(1_000 + DEFAULT_SUSPECT_FENCE_DELAY_MS), 'suspect');
  t.is(at(1_199, 200), 'suspect-briefly');
  t.is(at(1_200, 200), 'suspect');
  t.is(at(1_000, 0), 'suspect');
});

test('a node that fell silent soon after it came up gets at least the joining grace', (t) => {
  t.is(fenceDelayMs(50, SETTLED_AFTER_MS), 50, 'settled: the configured grace');
  t.is(fenceDelayMs(50, SETTLED_AFTER_MS - 1), JOINING_FENCE_DELAY_MS, 'just up');
  t.is(fenceDelayMs(50, null), JOINING_FENCE_DELAY_MS, 'never heard: as if just up');
  t.is(fenceDelayMs(5_000, 0), 5_000, 'a longer configured grace stays');
  t.is(
    fenceDelayMs(undefined, 0),
    Math.max(DEFAULT_SUSPECT_FENCE_DELAY_MS, JOINING_FENCE_DELAY_MS),
  );
  const decision = shouldFence('n1', 1_100, {
    fencingEnabled: true,
    suspectSinceMs: 1_000,
    stopFailedOnNode: false,
    suspectDelayMs: 50,
    upBeforeSilenceMs: 300,
  });
  t.like(decision, {
    fence: false,
    reason: 'suspect-briefly',
    detail: 'node n1 has been silent for 100 ms; fenced after 1000 ms (it had been up only 300 ms)',
  });
});
