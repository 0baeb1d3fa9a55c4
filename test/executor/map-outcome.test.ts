import test from 'ava';

import { failureSeverity, mapOutcome } from '../../agent/src/executor/map-outcome.js';
import { ocfExitCodeName } from '../../agent/src/executor/ocf-exit-code.js';
import type { ExecutionStatus } from '../../agent/src/executor/operation-result.js';
import { resourceStateAfter } from '../../agent/src/executor/resource-state-after.js';

test('severity of failing exit codes: 2-5 hard, 6 fatal, the rest soft', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 7, 9, 42, 255].map(failureSeverity), [
    'soft',
    'hard',
    'hard',
    'hard',
    'hard',
    'fatal',
    'soft',
    'soft',
    'soft',
    'soft',
  ]);
});

test('execution statuses other than done, per action', (t) => {
  const table: Record<Exclude<ExecutionStatus, 'done'>, Record<string, unknown>> = {
    timeout: {
      start: { kind: 'failed', severity: 'soft' },
      stop: { kind: 'stop-failed' },
      monitor: { kind: 'failed', severity: 'soft' },
      probe: { kind: 'failed', severity: 'soft' },
      'meta-data': { kind: 'failed', severity: 'soft' },
    },
    cancelled: {
      start: { kind: 'failed', severity: 'soft' },
      stop: { kind: 'stop-failed' },
      monitor: { kind: 'cancelled' },
      probe: { kind: 'cancelled' },
      'meta-data': { kind: 'cancelled' },
    },
    'not-installed': {
      start: { kind: 'failed', severity: 'hard' },
      stop: { kind: 'not-running', runnableHere: false },
      monitor: { kind: 'failed', severity: 'hard' },
      probe: { kind: 'not-running', runnableHere: false },
      'meta-data': { kind: 'failed', severity: 'hard' },
    },
    error: {
      start: { kind: 'failed', severity: 'soft' },
      stop: { kind: 'stop-failed' },
      monitor: { kind: 'failed', severity: 'soft' },
      probe: { kind: 'failed', severity: 'soft' },
      'meta-data': { kind: 'failed', severity: 'soft' },
    },
  };
  for (const [status, byAction] of Object.entries(table)) {
    for (const [action, expected] of Object.entries(byAction)) {
      t.deepEqual(
        mapOutcome(action as 'start', status as ExecutionStatus, null),
        expected,
        `${action} ${status}`,
      );
    }
  }
});

test('a stop succeeds on 0 and 7 only; meta-data and validate-all on 0 only', (t) => {
  for (let rc = 0; rc <= 10; rc += 1) {
    t.is(mapOutcome('stop', 'done', rc).kind, rc === 0 || rc === 7 ? 'stopped' : 'stop-failed');
    t.is(mapOutcome('validate-all', 'done', rc).kind, rc === 0 ? 'succeeded' : 'failed');
  }
  t.deepEqual(mapOutcome('validate-all', 'done', 6), { kind: 'failed', severity: 'fatal' });
});

test('the resource state each outcome leaves behind', (t) => {
  t.is(resourceStateAfter('start', { kind: 'started' }), 'started');
  t.is(resourceStateAfter('probe', { kind: 'running' }), 'started');
  t.is(resourceStateAfter('stop', { kind: 'stopped' }), 'stopped');
  t.is(resourceStateAfter('probe', { kind: 'not-running', runnableHere: false }), 'stopped');
  t.is(resourceStateAfter('monitor', { kind: 'failed', severity: 'soft' }), 'failed');
  t.is(resourceStateAfter('stop', { kind: 'stop-failed' }), 'stop-failed');
  t.is(resourceStateAfter('monitor', { kind: 'cancelled' }), null);
  t.is(resourceStateAfter('validate-all', { kind: 'failed', severity: 'fatal' }), null);
  t.is(resourceStateAfter('meta-data', { kind: 'succeeded' }), null);
});

test('exit codes have names', (t) => {
  t.is(ocfExitCodeName(5), 'not installed');
  t.is(ocfExitCodeName(77), 'unknown exit code 77');
});
