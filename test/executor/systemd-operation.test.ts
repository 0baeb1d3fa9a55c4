import anyTest, { type TestFn } from 'ava';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { OperationAction } from '../../agent/src/executor/operation-result.js';
import { runOperation } from '../../agent/src/executor/run-operation.js';
import type { RunOperationOptions } from '../../agent/src/executor/run-operation-options.js';
import { AGENTS_DIR, makeSandbox, resourceDef, type Sandbox } from './helpers.js';

// systemd itself is not needed: a fake systemctl (test/executor/agents/fake-systemctl) keeps
// unit states in files, and a directory in the sandbox stands in for /run/systemd/system.
const test = anyTest as TestFn<{ sandbox: Sandbox; options: RunOperationOptions; units: string }>;

test.before(async (t) => {
  const sandbox = await makeSandbox();
  const bin = sandbox.file('bin');
  const units = path.join(bin, 'units');
  const runtimeDir = sandbox.file('run-systemd-system');
  await mkdir(units, { recursive: true });
  await mkdir(runtimeDir);
  await copyFile(path.join(AGENTS_DIR, 'fake-systemctl'), path.join(bin, 'systemctl'));
  await chmod(path.join(bin, 'systemctl'), 0o755);
  t.context = {
    sandbox,
    units,
    options: { systemctlPath: path.join(bin, 'systemctl'), systemdRuntimeDir: runtimeDir },
  };
});

test.after.always(async (t) => {
  await t.context.sandbox.remove();
});

function run(
  t: { context: { options: RunOperationOptions } },
  unit: string,
  action: OperationAction,
) {
  const def = resourceDef(unit.replace(/\W/g, '-'), { class: 'systemd', type: unit });
  return runOperation(
    { resource: def, action, timeoutMs: 10_000, intervalMs: action === 'monitor' ? 5_000 : 0 },
    t.context.options,
  );
}

test('without systemd every action is not-installed, with the reason', async (t) => {
  const options = { systemdRuntimeDir: t.context.sandbox.file('no-such-dir') };
  const def = resourceDef('web', { class: 'systemd', type: 'nginx.service' });
  const probe = await runOperation(
    { resource: def, action: 'probe', timeoutMs: 1_000, intervalMs: 0 },
    options,
  );
  t.like(probe, {
    status: 'not-installed',
    rc: null,
    outcome: { kind: 'not-running', runnableHere: false },
  });
  t.regex(probe.reason ?? '', /systemd is not running on this node \(no .*no-such-dir\)/);
  const start = await runOperation(
    { resource: def, action: 'start', timeoutMs: 1_000, intervalMs: 0 },
    options,
  );
  t.like(start, { status: 'not-installed', outcome: { kind: 'failed', severity: 'hard' } });
  const stop = await runOperation(
    { resource: def, action: 'stop', timeoutMs: 1_000, intervalMs: 0 },
    options,
  );
  // Without systemd no unit runs: the stop finds nothing to stop.
  t.like(stop, { status: 'not-installed', outcome: { kind: 'not-running', runnableHere: false } });
});

test('start, is-active and stop map onto OCF results', async (t) => {
  await writeFile(path.join(t.context.units, 'web.service'), 'inactive\n');
  t.like(await run(t, 'web.service', 'probe'), {
    rc: 7,
    outcome: { kind: 'not-running', runnableHere: true },
  });
  t.like(await run(t, 'web.service', 'start'), {
    status: 'done',
    rc: 0,
    outcome: { kind: 'started' },
  });
  t.like(await run(t, 'web.service', 'monitor'), { rc: 0, outcome: { kind: 'running' } });
  t.like(await run(t, 'web.service', 'stop'), { rc: 0, outcome: { kind: 'stopped' } });
  const monitor = await run(t, 'web.service', 'monitor');
  t.like(monitor, { rc: 7, outcome: { kind: 'failed', severity: 'soft' } });
  t.is(monitor.reason, 'systemd:web.service is inactive');
  // Tests run concurrently and share the call log: look at this unit's calls only.
  const calls = (await readFile(path.join(t.context.units, 'calls'), 'utf8'))
    .split('\n')
    .filter((line) => line.endsWith(' web.service'));
  t.deepEqual(calls.slice(0, 3), [
    'is-active --no-ask-password web.service',
    'start --no-ask-password web.service',
    'is-active --no-ask-password web.service',
  ]);
});

test('a failed unit is not running; activating is neither running nor stopped', async (t) => {
  await writeFile(path.join(t.context.units, 'crashed.service'), 'failed\n');
  t.like(await run(t, 'crashed.service', 'probe'), { rc: 7, outcome: { kind: 'not-running' } });
  t.like(await run(t, 'crashed.service', 'monitor'), {
    rc: 7,
    outcome: { kind: 'failed', severity: 'soft' },
  });
  await writeFile(path.join(t.context.units, 'slow.service'), 'activating\n');
  const probe = await run(t, 'slow.service', 'probe');
  t.like(probe, { rc: 1, outcome: { kind: 'failed', severity: 'soft' } });
  t.is(probe.reason, 'systemd:slow.service is activating');
});

test('unknown units: start is not installed, stop succeeds, probe finds nothing', async (t) => {
  const start = await run(t, 'ghost.service', 'start');
  t.like(start, { status: 'done', rc: 5, outcome: { kind: 'failed', severity: 'hard' } });
  t.regex(
    start.reason ?? '',
    /failed with 5: Failed to start ghost.service: Unit ghost.service not found/,
  );
  t.like(await run(t, 'ghost.service', 'stop'), { rc: 7, outcome: { kind: 'stopped' } });
  t.like(await run(t, 'ghost.service', 'probe'), { rc: 7, outcome: { kind: 'not-running' } });
});

test("a failing start is a soft failure with systemctl's message", async (t) => {
  await writeFile(path.join(t.context.units, 'broken.service'), 'inactive\n');
  await writeFile(path.join(t.context.units, 'broken.service.fail-start'), '');
  const start = await run(t, 'broken.service', 'start');
  t.like(start, { rc: 1, outcome: { kind: 'failed', severity: 'soft' } });
  t.regex(start.reason ?? '', /Job for broken.service failed/);
});

test('odd unit names are refused, meta-data and validate-all are unimplemented', async (t) => {
  t.is((await run(t, '--force', 'start')).status, 'error');
  t.is((await run(t, 'a b.service', 'start')).status, 'error');
  t.like(await run(t, 'web.service', 'meta-data'), {
    status: 'done',
    rc: 3,
    outcome: { kind: 'failed', severity: 'hard' },
  });
});
