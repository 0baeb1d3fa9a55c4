import { readFile } from 'node:fs/promises';

import { runOperation } from '../../agent/src/executor/run-operation.js';
import {
  becomesDead,
  isAlive,
  killQuietly,
  sandboxedTest,
  readPids,
  resourceDef,
  testAgent,
} from './helpers.js';

const test = sandboxedTest();

test('a timeout sends SIGTERM to the whole group, then SIGKILL to what ignores it', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef('h', testAgent('hang'), {
    pids: sandbox.file('h.pids'),
    marker: sandbox.file('h.marker'),
  });
  const result = await runOperation(
    { resource: def, action: 'start', timeoutMs: 300, intervalMs: 0 },
    options,
  );
  const pids = await readPids(sandbox.file('h.pids'));
  t.teardown(() => Object.values(pids).forEach(killQuietly));
  t.log(`start timed out; returned after ${result.durationMs.toFixed(0)} ms`);
  t.like(result, { status: 'timeout', rc: null, outcome: { kind: 'failed', severity: 'soft' } });
  t.deepEqual(result.signalsSent, ['SIGTERM', 'SIGKILL']);
  t.is(result.pid, pids.agent);
  t.regex(
    result.reason ?? '',
    /timed out after 300 ms; its process group got SIGTERM then SIGKILL/,
  );
  // The agent saw the TERM (and carried on), so the KILL came second.
  t.regex(await readFile(sandbox.file('h.marker'), 'utf8'), /TERM/);
  t.true(await becomesDead(pids.agent!), 'the agent is gone');
  t.true(await becomesDead(pids.grandchild!), 'its TERM-ignoring grandchild is gone too');
});

test('a stop that hangs is stop-failed, and its process group is killed', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef('hs', testAgent('hang'), {
    hang_on: 'stop',
    pids: sandbox.file('hs.pids'),
    marker: sandbox.file('hs.marker'),
  });
  const result = await runOperation(
    { resource: def, action: 'stop', timeoutMs: 300, intervalMs: 0 },
    options,
  );
  const pids = await readPids(sandbox.file('hs.pids'));
  t.teardown(() => Object.values(pids).forEach(killQuietly));
  t.like(result, { status: 'timeout', outcome: { kind: 'stop-failed' } });
  t.true(await becomesDead(pids.grandchild!));
});

test('the call returns when the agent exits, not when a grandchild closes its pipes', async (t) => {
  const { sandbox, options } = t.context;
  const pidfile = sandbox.file('forky-start.pid');
  const def = resourceDef('f', testAgent('forky'), { pidfile });
  const startedMs = performance.now();
  const result = await runOperation(
    { resource: def, action: 'start', timeoutMs: 60_000, intervalMs: 0 },
    options,
  );
  const elapsedMs = performance.now() - startedMs;
  const grandchild = Number(await readFile(pidfile, 'utf8'));
  t.teardown(() => killQuietly(grandchild));
  t.log(`returned after ${elapsedMs.toFixed(0)} ms; the grandchild holds the pipes for 30 s`);
  // Generous: proves "at exit" (the grandchild keeps the pipes open for 30 s), not speed.
  t.true(elapsedMs < 10_000);
  t.like(result, { status: 'done', rc: 0, outcome: { kind: 'started' }, signalsSent: [] });
  // What the agent wrote before exiting is kept.
  t.regex(result.stdout, new RegExp(`forked ${grandchild}`));
  t.regex(result.stderr, new RegExp(`forked ${grandchild}`));
  // A normal exit leaves background children alone (IPaddr2's ARP sender is one).
  t.true(isAlive(grandchild));
});

test('a timeout kills a grandchild holding the pipes along with the agent', async (t) => {
  const { sandbox, options } = t.context;
  const pidfile = sandbox.file('forky-monitor.pid');
  const def = resourceDef('fm', testAgent('forky'), { pidfile });
  const result = await runOperation(
    { resource: def, action: 'monitor', timeoutMs: 300, intervalMs: 1_000 },
    options,
  );
  const grandchild = Number(await readFile(pidfile, 'utf8'));
  t.teardown(() => killQuietly(grandchild));
  t.like(result, { status: 'timeout', outcome: { kind: 'failed', severity: 'soft' } });
  // The agent died of SIGTERM; the grandchild ignores it, so the group got SIGKILL at once.
  t.deepEqual(result.signalsSent, ['SIGTERM', 'SIGKILL']);
  t.true(await becomesDead(grandchild));
});

test('aborting a running operation kills its group and reports cancelled', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef('c', testAgent('hang'), {
    hang_on: 'monitor',
    pids: sandbox.file('c.pids'),
    marker: sandbox.file('c.marker'),
  });
  const controller = new AbortController();
  const pending = runOperation(
    { resource: def, action: 'monitor', timeoutMs: 60_000, intervalMs: 1_000 },
    { ...options, signal: controller.signal },
  );
  // Abort once the agent is surely running: when it has written its pid file.
  for (let i = 0; i < 1_000; i += 1) {
    if (
      await readFile(sandbox.file('c.pids'), 'utf8').then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  controller.abort();
  const result = await pending;
  const pids = await readPids(sandbox.file('c.pids'));
  t.teardown(() => Object.values(pids).forEach(killQuietly));
  t.like(result, { status: 'cancelled', outcome: { kind: 'cancelled' } });
  t.deepEqual(result.signalsSent, ['SIGTERM', 'SIGKILL']);
  t.true(await becomesDead(pids.grandchild!));
});
