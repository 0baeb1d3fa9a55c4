import test from 'ava';

import type { ResourceDef } from '../../agent/src/config/model.js';
import {
  ResourceManager,
  type OperationReport,
  type ResourceManagerOptions,
} from '../../agent/src/executor/resource-manager.js';
import { FakeClock, resourceDef, testAgent } from './helpers.js';
import { ScriptedExecutor } from './scripted-executor.js';

// The manager against a scripted executor and a fake clock: no processes, no sleeping.

function setup(options: Partial<ResourceManagerOptions> = {}, mode: 'auto' | 'manual' = 'auto') {
  const clock = new FakeClock();
  const executor = new ScriptedExecutor(clock, mode);
  const reports: OperationReport[] = [];
  const manager = new ResourceManager({
    execute: executor.execute,
    report: (report) => reports.push(report),
    clock,
    ...options,
  });
  clock.settle = () => manager.whenIdle();
  return { clock, executor, reports, manager };
}

/** Let promise callbacks run (the manager's work after a scripted operation finishes). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

function def(id: string, monitorIntervalMs = 1_000): ResourceDef {
  return resourceDef(id, testAgent('dummy'), {}, { monitorIntervalMs, stopTimeoutMs: 20_000 });
}

test('monitors run right after a start, then an interval after each one ends', async (t) => {
  const { clock, executor, reports, manager } = setup();
  const vip = def('vip');
  t.true((await manager.probe(vip, 1)).ok);
  const start = await manager.start(vip, 2);
  t.like(start, { ok: true, report: { action: 'start', outcome: { kind: 'started' } } });
  await manager.whenIdle();
  t.true(manager.isMonitoring('vip'));
  await clock.advance(3_500);
  t.deepEqual(
    executor.callsOf('vip', 'monitor').map((c) => c.atMs),
    [0, 1_000, 2_000, 3_000],
  );
  t.deepEqual(
    executor.callsOf('vip', 'monitor').map((c) => c.request.intervalMs),
    [1_000, 1_000, 1_000, 1_000],
  );
  const monitors = reports.filter((r) => r.action === 'monitor');
  t.is(monitors.length, 4);
  t.true(monitors.every((r) => r.generation === 2 && r.outcome.kind === 'running'));
  t.is(manager.stateOf('vip'), 'started');
});

test('a probe that finds the resource running begins monitoring an interval later', async (t) => {
  const { clock, executor, manager } = setup();
  executor.answer = () => 0;
  const web = def('web', 5_000);
  t.like(await manager.probe(web, 1), { ok: true, report: { outcome: { kind: 'running' } } });
  t.is(manager.stateOf('web'), 'started');
  await clock.advance(4_999);
  t.is(executor.callsOf('web', 'monitor').length, 0);
  await clock.advance(1);
  t.deepEqual(
    executor.callsOf('web', 'monitor').map((c) => c.atMs),
    [5_000],
  );
});

test('a resource with interval 0 is not monitored', async (t) => {
  const { clock, executor, manager } = setup();
  const once = def('once', 0);
  await manager.probe(once, 1);
  await manager.start(once, 1);
  await clock.advance(100_000);
  t.is(executor.callsOf('once', 'monitor').length, 0);
  t.false(manager.isMonitoring('once'));
  t.is(clock.pendingTimers, 0);
});

test('a slow monitor is never overlapped: the next one is due an interval after it ends', async (t) => {
  const { clock, executor, manager } = setup({}, 'manual');
  const db = def('db');
  const probe = manager.probe(db, 1);
  executor.pending()[0]!.finish(7);
  await probe;
  const start = manager.start(db, 1);
  executor.pending()[0]!.finish(0);
  await start;
  await flush();
  t.is(executor.callsOf('db', 'monitor').length, 1);
  clock.settle = () => Promise.resolve();
  await clock.advance(10_000);
  t.is(executor.callsOf('db', 'monitor').length, 1, 'still the first one, hung');
  executor.pending()[0]!.finish(0);
  await flush();
  await clock.advance(999);
  t.is(executor.callsOf('db', 'monitor').length, 1);
  await clock.advance(1);
  t.deepEqual(
    executor.callsOf('db', 'monitor').map((c) => c.atMs),
    [0, 11_000],
  );
  t.deepEqual(executor.overlapSeen, []);
});

test('monitoring goes on after a failed monitor, and every result is reported', async (t) => {
  const { clock, executor, reports, manager } = setup();
  const app = def('app');
  await manager.probe(app, 1);
  await manager.start(app, 1);
  await manager.whenIdle();
  executor.answer = (request) => (request.action === 'monitor' ? 7 : 0);
  await clock.advance(2_000);
  const monitors = reports.filter((r) => r.action === 'monitor').map((r) => r.outcome);
  t.deepEqual(monitors, [
    { kind: 'running' },
    { kind: 'failed', severity: 'soft' },
    { kind: 'failed', severity: 'soft' },
  ]);
  t.is(manager.stateOf('app'), 'failed');
  t.true(manager.isMonitoring('app'));
});

test('a stop ends monitoring: the running monitor is aborted and reported cancelled', async (t) => {
  const { clock, executor, reports, manager } = setup({}, 'manual');
  const fs = def('fs');
  const probe = manager.probe(fs, 1);
  executor.pending()[0]!.finish(7);
  await probe;
  const start = manager.start(fs, 1);
  executor.pending()[0]!.finish(0);
  await start;
  await flush();
  const monitor = executor.pending()[0]!;
  t.is(monitor.request.action, 'monitor');
  const stop = manager.stop(fs, 2);
  t.true(monitor.signal.aborted, 'the running monitor was aborted');
  await flush();
  const stopCall = executor.pending()[0]!;
  t.is(stopCall.request.action, 'stop');
  stopCall.finish(0);
  t.like(await stop, { ok: true, report: { outcome: { kind: 'stopped' } } });
  t.deepEqual(
    reports.map((r) => `${r.action}:${r.outcome.kind}`),
    ['probe:not-running', 'start:started', 'monitor:cancelled', 'stop:stopped'],
  );
  await clock.advance(60_000);
  t.is(executor.callsOf('fs', 'monitor').length, 1);
  t.false(manager.isMonitoring('fs'));
  t.is(clock.pendingTimers, 0);
  t.is(manager.stateOf('fs'), 'stopped');
});

test("a stop queued behind a start keeps the start's first monitor from running", async (t) => {
  const { executor, manager } = setup({}, 'manual');
  const q = def('q');
  const probe = manager.probe(q, 1);
  executor.pending()[0]!.finish(7);
  await probe;
  const start = manager.start(q, 1);
  const stop = manager.stop(q, 1);
  executor.pending()[0]!.finish(0);
  await start;
  await flush();
  executor.pending()[0]!.finish(0);
  await stop;
  await manager.whenIdle();
  t.deepEqual(
    executor.callsOf('q').map((c) => c.request.action),
    ['probe', 'start', 'stop'],
  );
});

test('operations of one resource run one at a time, in order', async (t) => {
  const { executor, manager } = setup({ concurrencyMax: 8 }, 'manual');
  const r = def('r', 0);
  const results = [
    manager.probe(r, 1),
    manager.start(r, 1),
    manager.stop(r, 1),
    manager.start(r, 1),
    manager.stop(r, 1),
  ];
  for (let i = 0; i < 5; i += 1) {
    await flush();
    t.is(executor.pending().length, 1, 'exactly one operation of r in flight');
    executor.pending()[0]!.finish();
  }
  t.true((await Promise.all(results)).every((res) => res.ok));
  t.deepEqual(
    executor.callsOf('r').map((c) => c.request.action),
    ['probe', 'start', 'stop', 'start', 'stop'],
  );
  t.deepEqual(executor.overlapSeen, []);
});

test('different resources run in parallel up to the bound, and waiting stops go first', async (t) => {
  const { executor, manager } = setup({ concurrencyMax: 2 }, 'manual');
  const probes = ['a', 'b', 'c', 'd'].map((id) => manager.probe(def(id), 1));
  await flush();
  t.deepEqual(
    executor.pending().map((c) => c.request.resource.id),
    ['a', 'b'],
  );
  const stop = manager.stop(def('e'), 1);
  executor.pending()[0]!.finish();
  await flush();
  t.deepEqual(
    executor.pending().map((c) => `${c.request.resource.id} ${c.request.action}`),
    ['b probe', 'e stop'],
  );
  while (executor.pending().length > 0) {
    executor.pending()[0]!.finish();
    await flush();
  }
  await Promise.all([...probes, stop]);
  t.is(executor.inFlightMax, 2);
});

test('generations are per resource: a newer generation of one does not make another stale', async (t) => {
  const { executor, manager } = setup({}, 'manual');
  const x = def('x');
  const y = def('y');
  const probes = [manager.probe(x, 5), manager.probe(y, 2)];
  while (executor.pending().length > 0) {
    executor.pending()[0]!.finish();
    await flush();
  }
  t.true((await Promise.all(probes)).every((r) => r.ok));
  // Placement generations count per instance: y's own 3 is its newest, whatever x's is.
  const stop = manager.stop(y, 3);
  while (executor.pending().length > 0) {
    executor.pending()[0]!.finish();
    await flush();
  }
  t.like(await stop, { ok: true });
  t.like(await manager.start(y, 2), { ok: false, refusal: 'stale-generation' });
  await manager.close();
});

test('refusals: stale generation, full queue, start before probe, closed', async (t) => {
  const { executor, manager } = setup({ queueMaxPerResource: 2 }, 'manual');
  const x = def('x');
  const first = manager.probe(x, 5);
  t.like(await manager.start(x, 4), { ok: false, refusal: 'stale-generation' });
  const second = manager.probe(x, 5);
  const third = manager.probe(x, 5);
  t.like(await manager.probe(x, 5), { ok: false, refusal: 'queue-full' });
  while (executor.pending().length > 0) {
    executor.pending()[0]!.finish();
    await flush();
  }
  await Promise.all([first, second, third]);

  const y = def('y');
  const start = manager.start(y, 6);
  t.like(await start, { ok: false, refusal: 'not-probed' });
  t.is(executor.callsOf('y').length, 0);

  await manager.close();
  t.like(await manager.probe(y, 7), { ok: false, refusal: 'closed' });
});

test('probeAll finds what runs, and starts are accepted afterwards', async (t) => {
  const { executor, manager } = setup({ concurrencyMax: 3 });
  executor.answer = (request) =>
    request.action === 'probe'
      ? ({ a: 0, b: 7, c: 5 } as Record<string, number>)[request.resource.id]!
      : 0;
  const result = await manager.probeAll([def('a'), def('b'), def('c')], 1);
  t.deepEqual(
    result.reports.map((r) => [r.resourceId, r.outcome]),
    [
      ['a', { kind: 'running' }],
      ['b', { kind: 'not-running', runnableHere: true }],
      ['c', { kind: 'not-running', runnableHere: false }],
    ],
  );
  t.deepEqual(result.refused, []);
  t.deepEqual(
    ['a', 'b', 'c'].map((id) => manager.stateOf(id)),
    ['started', 'stopped', 'stopped'],
  );
  t.true(manager.isMonitoring('a'));
  t.like(await manager.start(def('b'), 1), { ok: true, report: { outcome: { kind: 'started' } } });
});

test('stopAll stops in reverse dependency order, unlisted active ones first, dropping the rest', async (t) => {
  const { executor, reports, manager } = setup({}, 'manual');
  const [a, b, c, d] = [def('a'), def('b'), def('c'), def('d')];
  for (const r of [a, b, c, d]) {
    const probe = manager.probe(r, 1);
    await flush();
    executor.pending()[0]!.finish(r.id === 'c' ? 7 : 0);
    await probe;
  }
  // a, b and d run (and are monitored, first monitor an interval away); c is stopped.
  const queuedStart = manager.start(c, 1);
  await flush();
  const runningStart = executor.pending()[0]!;
  t.is(runningStart.request.action, 'start');
  const queuedBehind = manager.start(c, 1);

  const stopAll = manager.stopAll([a, b, c], 100_000);
  t.true(runningStart.signal.aborted, 'the running start was aborted');
  t.like(await queuedBehind, { ok: false, refusal: 'superseded' });
  t.like(await manager.start(a, 1), { ok: false, refusal: 'stopping-all' });
  t.like(await queuedStart, {
    ok: true,
    report: { outcome: { kind: 'failed', severity: 'soft' } },
  });
  for (let i = 0; i < 4; i += 1) {
    await flush();
    const pending = executor.pending();
    t.is(pending.length, 1, 'one stop at a time');
    pending[0]!.finish(0);
  }
  const result = await stopAll;
  t.true(result.ok);
  t.deepEqual(
    result.reports.map((r) => r.resourceId),
    ['d', 'c', 'b', 'a'],
  );
  t.deepEqual(
    executor.calls.filter((c) => c.request.action === 'stop').map((c) => c.request.timeoutMs),
    [20_000, 20_000, 20_000, 20_000],
  );
  t.true(['a', 'b', 'c', 'd'].every((id) => manager.stateOf(id) === 'stopped'));
  t.true(['a', 'b', 'd'].every((id) => !manager.isMonitoring(id)));
  t.is(reports.at(-1)?.resourceId, 'a');
  // Commands are taken again once stopAll is over.
  const probe = manager.probe(a, 2);
  await flush();
  executor.pending()[0]!.finish(7);
  t.like(await probe, { ok: true });
});

test('stopAll shortens stops to its deadline, aborts what hangs at it, and gives up on the rest', async (t) => {
  const { clock, executor, manager } = setup({ escalationAllowanceMs: 3_000 }, 'manual');
  clock.settle = () => Promise.resolve();
  const [a, b, c] = [def('a'), def('b'), def('c')];
  const stopAll = manager.stopAll([a, b, c], 10_000);
  await flush();
  const stopC = executor.pending()[0]!;
  t.is(stopC.request.resource.id, 'c');
  t.is(stopC.request.timeoutMs, 7_000, 'deadline minus the escalation allowance');
  await clock.advance(10_000);
  t.true(stopC.signal.aborted, 'aborted at the deadline');
  const result = await stopAll;
  t.false(result.ok);
  t.deepEqual(!result.ok && result.stopFailed, ['c', 'b', 'a']);
  t.deepEqual(
    result.reports.map((r) => [r.resourceId, r.status, r.outcome.kind]),
    [
      ['c', 'cancelled', 'stop-failed'],
      ['b', 'cancelled', 'stop-failed'],
      ['a', 'cancelled', 'stop-failed'],
    ],
  );
  t.regex(result.reports[1]!.reason ?? '', /deadline passed before its turn/);
  t.is(executor.calls.length, 1, 'b and a were never run');
  t.is(manager.stateOf('b'), 'stop-failed');
});

test('a second stopAll while one runs shares it', async (t) => {
  const { manager } = setup();
  const first = manager.stopAll([def('a')], 10_000);
  t.is(manager.stopAll([def('b')], 10_000), first);
  t.true((await first).ok);
});

test('a report listener that throws does not wedge the manager', async (t) => {
  const clock = new FakeClock();
  const executor = new ScriptedExecutor(clock);
  const manager = new ResourceManager({
    execute: executor.execute,
    report: () => {
      throw new Error('listener bug');
    },
    clock,
  });
  t.true((await manager.probe(def('a'), 1)).ok);
  t.true((await manager.start(def('a'), 1)).ok);
});

test('an executor that rejects becomes an error result', async (t) => {
  const manager = new ResourceManager({
    execute: () => Promise.reject(new Error('boom')),
    report: () => undefined,
    clock: new FakeClock(),
  });
  const stop = await manager.stop(def('a', 0), 1);
  t.like(stop, { ok: true, report: { status: 'error', outcome: { kind: 'stop-failed' } } });
  t.is(manager.stateOf('a'), 'stop-failed');
});

test('bounds are checked', (t) => {
  const base = { execute: new ScriptedExecutor(new FakeClock()).execute, report: () => undefined };
  t.throws(() => new ResourceManager({ ...base, concurrencyMax: 0 }), { instanceOf: RangeError });
  t.throws(() => new ResourceManager({ ...base, queueMaxPerResource: 0 }), {
    instanceOf: RangeError,
  });
});
