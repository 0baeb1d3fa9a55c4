import test from 'ava';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_OCF_ROOT } from '../../agent/src/executor/agent-path.js';
import { createOperationExecutor } from '../../agent/src/executor/operation-executor.js';
import type { OperationAction } from '../../agent/src/executor/operation-result.js';
import { ResourceManager } from '../../agent/src/executor/resource-manager.js';
import { runOperation } from '../../agent/src/executor/run-operation.js';
import { FakeClock, makeSandbox, resourceDef } from './helpers.js';

// Debian's ocf:heartbeat:Dummy (package resource-agents) through the same path as every
// agent. Registered only where the package is installed; elsewhere the test shows as skipped.
const DUMMY = path.join(DEFAULT_OCF_ROOT, 'resource.d', 'heartbeat', 'Dummy');
const installed = existsSync(DUMMY);
const title = installed
  ? "Debian's ocf:heartbeat:Dummy: meta-data, validate, probe, idempotent start/stop, monitor"
  : "Debian's ocf:heartbeat:Dummy (skipped: package resource-agents is not installed)";

(installed ? test : test.skip)(title, async (t) => {
  const sandbox = await makeSandbox();
  t.teardown(() => sandbox.remove());
  const def = resourceDef(
    'debian-dummy',
    { class: 'ocf', provider: 'heartbeat', type: 'Dummy' },
    { state: sandbox.file('Dummy.state') },
  );
  const run = (action: OperationAction, intervalMs = 0) =>
    runOperation({ resource: def, action, timeoutMs: 20_000, intervalMs });

  const meta = await run('meta-data');
  t.like(meta, { status: 'done', rc: 0, outcome: { kind: 'succeeded' } });
  t.regex(meta.stdout, /<resource-agent name="Dummy"/);
  t.like(await run('validate-all'), { rc: 0 });
  t.like(await run('probe'), { rc: 7, outcome: { kind: 'not-running', runnableHere: true } });
  t.like(await run('start'), { rc: 0, outcome: { kind: 'started' } });
  t.like(await run('start'), { rc: 0, outcome: { kind: 'started' } });
  t.like(await run('monitor', 10_000), { rc: 0, outcome: { kind: 'running' } });
  t.like(await run('stop'), { rc: 0, outcome: { kind: 'stopped' } });
  t.like(await run('stop'), { rc: 0, outcome: { kind: 'stopped' } });
  const monitor = await run('monitor', 10_000);
  t.like(monitor, { rc: 7, outcome: { kind: 'failed', severity: 'soft' } });
  // Dummy gives an exit reason only when a recurring monitor finds it stopped, not in a probe.
  t.is(monitor.reason, 'No process state file found');
  t.is((await run('probe')).reason, null);

  // And through the resource manager.
  const clock = new FakeClock();
  const manager = new ResourceManager({
    execute: createOperationExecutor(),
    report: () => undefined,
    clock,
  });
  const probed = await manager.probeAll([def], 1);
  t.like(probed.reports[0], { outcome: { kind: 'not-running' } });
  t.like(await manager.start(def, 1), { ok: true, report: { outcome: { kind: 'started' } } });
  const stopped = await manager.stopAll([def], clock.nowMs() + 60_000);
  t.true(stopped.ok);
});
