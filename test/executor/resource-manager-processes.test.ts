import { mkdir, readFile, writeFile } from 'node:fs/promises';

import { createOperationExecutor } from '../../agent/src/executor/operation-executor.js';
import {
  ResourceManager,
  type OperationReport,
  type ResourceManagerOptions,
} from '../../agent/src/executor/resource-manager.js';
import type { RunOperationOptions } from '../../agent/src/executor/run-operation-options.js';
import {
  becomesDead,
  FakeClock,
  killQuietly,
  sandboxedTest,
  readPids,
  resourceDef,
  testAgent,
} from './helpers.js';

// The manager driving real agent processes (the fake clock only paces monitors).
const test = sandboxedTest();

function managerWith(options: RunOperationOptions, extra: Partial<ResourceManagerOptions> = {}) {
  const clock = new FakeClock();
  const reports: OperationReport[] = [];
  const manager = new ResourceManager({
    execute: createOperationExecutor(options),
    report: (report) => reports.push(report),
    clock,
    ...extra,
  });
  clock.settle = () => manager.whenIdle();
  return { clock, reports, manager };
}

test('operations of one resource never overlap, even when commanded all at once', async (t) => {
  const { sandbox, options } = t.context;
  const { clock, manager } = managerWith(options, { concurrencyMax: 8, queueMaxPerResource: 16 });
  const log = sandbox.file('serial.log');
  const def = resourceDef(
    'serial',
    testAgent('dummy'),
    { state: sandbox.file('serial.state'), log, busy: '0.05' },
    { monitorIntervalMs: 1_000 },
  );
  await manager.probe(def, 1);
  const commands = [
    manager.start(def, 1),
    manager.probe(def, 1),
    manager.stop(def, 1),
    manager.start(def, 1),
    manager.probe(def, 1),
  ];
  const results = await Promise.all(commands);
  t.true(results.every((r) => r.ok));
  await clock.advance(3_000);
  await manager.stop(def, 1);
  await manager.whenIdle();
  const lines = (await readFile(log, 'utf8')).trim().split('\n');
  // begin/end pairs, strictly alternating, each pair from one process.
  t.is(lines.length % 2, 0);
  for (let i = 0; i < lines.length; i += 2) {
    const [begin, action, pid] = lines[i]!.split(' ');
    t.is(begin, 'begin', `line ${i}: ${lines[i]}`);
    t.is(lines[i + 1], `end ${action} ${pid}`, `line ${i + 1} closes line ${i}`);
  }
  const actions = lines.filter((_, i) => i % 2 === 0).map((line) => line.split(' ')[1]);
  t.deepEqual(actions.slice(0, 6), ['monitor', 'start', 'monitor', 'stop', 'start', 'monitor']);
  t.is(actions.at(-1), 'stop');
  t.is(manager.stateOf('serial'), 'stopped');
});

test('different resources run in parallel', async (t) => {
  const { sandbox, options } = t.context;
  const { manager } = managerWith(options, { concurrencyMax: 2 });
  const dir = sandbox.file('rendezvous');
  await mkdir(dir);
  // Each start succeeds only if the other one runs at the same time.
  const left = resourceDef('left', testAgent('rendezvous'), { dir, peer: 'right' });
  const right = resourceDef('right', testAgent('rendezvous'), { dir, peer: 'left' });
  await manager.probeAll([left, right], 1);
  const [a, b] = await Promise.all([manager.start(left, 1), manager.start(right, 1)]);
  t.like(a, { ok: true, report: { outcome: { kind: 'started' } } });
  t.like(b, { ok: true, report: { outcome: { kind: 'started' } } });
});

test('probeAll discovers what runs here before anything starts', async (t) => {
  const { sandbox, options } = t.context;
  const { manager } = managerWith(options);
  await writeFile(sandbox.file('already.state'), '');
  const already = resourceDef(
    'already',
    testAgent('dummy'),
    { state: sandbox.file('already.state') },
    { monitorIntervalMs: 10_000 },
  );
  const idle = resourceDef('idle', testAgent('dummy'), { state: sandbox.file('idle.state') });
  const missing = resourceDef('missing', testAgent('not-installed-here'));
  const broken = resourceDef('broken', testAgent('exit-code'), { rc: '6' });
  t.like(await manager.start(idle, 1), { ok: false, refusal: 'not-probed' });
  const result = await manager.probeAll([already, idle, missing, broken], 1);
  t.deepEqual(Object.fromEntries(result.reports.map((r) => [r.resourceId, r.outcome])), {
    already: { kind: 'running' },
    idle: { kind: 'not-running', runnableHere: true },
    missing: { kind: 'not-running', runnableHere: false },
    broken: { kind: 'failed', severity: 'fatal' },
  });
  t.is(result.reports.find((r) => r.resourceId === 'missing')?.status, 'not-installed');
  t.true(manager.isMonitoring('already'));
  t.like(await manager.start(idle, 1), { ok: true, report: { outcome: { kind: 'started' } } });
});

test("a monitor that starts failing is reported, with the agent's reason", async (t) => {
  const { sandbox, options } = t.context;
  const { clock, reports, manager } = managerWith(options);
  const failFile = sandbox.file('flaky.fail');
  const def = resourceDef(
    'flaky',
    testAgent('flaky'),
    { fail_file: failFile },
    { monitorIntervalMs: 5_000 },
  );
  await manager.probe(def, 1);
  await manager.start(def, 1);
  await manager.whenIdle();
  await clock.advance(5_000);
  await writeFile(failFile, '1');
  await clock.advance(5_000);
  await writeFile(failFile, '6');
  await clock.advance(5_000);
  const monitors = reports.filter((r) => r.action === 'monitor');
  t.deepEqual(
    monitors.map((r) => [r.rc, r.outcome, r.reason]),
    [
      [0, { kind: 'running' }, null],
      [0, { kind: 'running' }, null],
      [1, { kind: 'failed', severity: 'soft' }, 'told to fail'],
      [6, { kind: 'failed', severity: 'fatal' }, 'told to fail'],
    ],
  );
  t.true(monitors.every((r) => r.durationMs >= 0));
});

test('stopAll on lease loss: a hanging stop is killed with its group and reported stop-failed', async (t) => {
  const { sandbox, options } = t.context;
  const { manager } = managerWith(options, { escalationAllowanceMs: 12_000 });
  const first = resourceDef('first', testAgent('dummy'), { state: sandbox.file('first.state') });
  const stuck = resourceDef(
    'stuck',
    testAgent('hang'),
    { hang_on: 'stop', pids: sandbox.file('stuck.pids'), marker: sandbox.file('stuck.marker') },
    { stopTimeoutMs: 300 },
  );
  const last = resourceDef('last', testAgent('dummy'), { state: sandbox.file('last.state') });
  await manager.probeAll([first, stuck, last], 1);
  await manager.start(first, 1);
  await manager.start(last, 1);
  // Dependency order first, stuck, last: stops go last, stuck, first.
  const result = await manager.stopAll([first, stuck, last], 600_000);
  const pids = await readPids(sandbox.file('stuck.pids'));
  t.teardown(() => Object.values(pids).forEach(killQuietly));
  t.false(result.ok);
  t.deepEqual(!result.ok && result.stopFailed, ['stuck']);
  t.deepEqual(
    result.reports.map((r) => [r.resourceId, r.status, r.outcome.kind]),
    [
      ['last', 'done', 'stopped'],
      ['stuck', 'timeout', 'stop-failed'],
      ['first', 'done', 'stopped'],
    ],
  );
  t.regex(result.reports[1]!.reason ?? '', /SIGTERM then SIGKILL/);
  t.true(await becomesDead(pids.agent!));
  t.true(await becomesDead(pids.grandchild!));
  t.is(manager.stateOf('stuck'), 'stop-failed');
  t.is(manager.stateOf('first'), 'stopped');
});
