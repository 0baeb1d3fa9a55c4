import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

import type { ResourceDef } from '../../agent/src/config/model.js';
import { defaultQuorateAgentsDir } from '../../agent/src/executor/agent-path.js';
import type { OperationAction } from '../../agent/src/executor/operation-result.js';
import { runOperation } from '../../agent/src/executor/run-operation.js';
import { AGENTS_DIR, sandboxedTest, readEnvDump, resourceDef, testAgent } from './helpers.js';

const test = sandboxedTest(5_000);

function request(
  resource: ResourceDef,
  action: OperationAction,
  timeoutMs = 10_000,
  intervalMs = 0,
) {
  return { resource, action, timeoutMs, intervalMs };
}

test('the agent sees exactly the OCF environment, and nothing of ours', async (t) => {
  const { sandbox, options } = t.context;
  process.env.QUORATE_TEST_SECRET = 'do-not-leak';
  const dump = sandbox.file('env-monitor');
  const def = resourceDef('web-ip', testAgent('dummy'), {
    state: sandbox.file('env.state'),
    env_dump: dump,
    ip: '192.0.2.10',
  });
  const result = await runOperation(request(def, 'monitor', 7_500, 15_000), {
    ...options,
    nodeName: 'node2',
    extraEnv: { HA_LOGFACILITY: 'none' },
  });
  t.is(result.status, 'done');
  const env = await readEnvDump(dump);
  t.deepEqual(env, {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    LC_ALL: 'C',
    HA_LOGFACILITY: 'none',
    OCF_ROOT: sandbox.ocfRoot,
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: 'web-ip',
    OCF_RESOURCE_TYPE: 'dummy',
    OCF_RESOURCE_PROVIDER: 'quorate-test',
    OCF_EXIT_REASON_PREFIX: 'ocf-exit-reason:',
    OCF_RESKEY_state: sandbox.file('env.state'),
    OCF_RESKEY_env_dump: dump,
    OCF_RESKEY_ip: '192.0.2.10',
    OCF_RESKEY_CRM_meta_timeout: '7500',
    OCF_RESKEY_CRM_meta_interval: '15000',
    OCF_RESKEY_CRM_meta_name: 'monitor',
    OCF_RESKEY_CRM_meta_on_node: 'node2',
  });
  t.false(Object.values(env).includes('do-not-leak'));
});

test('a probe is a monitor with interval 0; start gets interval 0 too', async (t) => {
  const { sandbox, options } = t.context;
  const dump = sandbox.file('env-probe');
  const def = resourceDef('p', testAgent('dummy'), {
    state: sandbox.file('p.state'),
    env_dump: dump,
  });
  await runOperation(request(def, 'probe', 3_000, 99_999), options);
  let env = await readEnvDump(dump);
  t.is(env.OCF_RESKEY_CRM_meta_interval, '0');
  t.is(env.OCF_RESKEY_CRM_meta_name, 'monitor');
  t.is(env.OCF_RESKEY_CRM_meta_timeout, '3000');
  t.is((await readFile(`${dump}.args`, 'utf8')).trim(), 'monitor');
  await runOperation(request(def, 'start', 4_000, 5_000), options);
  env = await readEnvDump(dump);
  t.is(env.OCF_RESKEY_CRM_meta_interval, '0');
  t.is(env.OCF_RESKEY_CRM_meta_name, 'start');
  t.is((await readFile(`${dump}.args`, 'utf8')).trim(), 'start');
});

test('dummy: probe, idempotent start and stop, monitor, meta-data, validate-all', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef('d', testAgent('dummy'), { state: sandbox.file('d.state') });
  const run = async (action: OperationAction, intervalMs = 0) =>
    runOperation(request(def, action, 10_000, intervalMs), options);

  t.deepEqual((await run('probe')).outcome, { kind: 'not-running', runnableHere: true });
  const start = await run('start');
  t.like(start, { status: 'done', rc: 0, outcome: { kind: 'started' }, reason: null });
  t.true(start.durationMs >= 0);
  t.true(start.pid !== null && start.pid > 0);
  t.like(await run('start'), { rc: 0, outcome: { kind: 'started' } });
  t.like(await run('monitor', 10_000), { rc: 0, outcome: { kind: 'running' } });
  t.like(await run('probe'), { rc: 0, outcome: { kind: 'running' } });
  t.like(await run('stop'), { rc: 0, outcome: { kind: 'stopped' } });
  t.like(await run('stop'), { rc: 0, outcome: { kind: 'stopped' } });
  const monitor = await run('monitor', 10_000);
  t.like(monitor, { rc: 7, outcome: { kind: 'failed', severity: 'soft' } });
  t.is(monitor.reason, 'state file is gone');
  const meta = await run('meta-data');
  t.like(meta, { rc: 0, outcome: { kind: 'succeeded' } });
  t.regex(meta.stdout, /<resource-agent name="dummy"/);
  t.like(await run('validate-all'), { rc: 0, outcome: { kind: 'succeeded' } });

  const unconfigured = resourceDef('u', testAgent('dummy'));
  const validate = await runOperation(request(unconfigured, 'validate-all'), options);
  t.like(validate, { rc: 6, outcome: { kind: 'failed', severity: 'fatal' } });
  t.is(validate.reason, 'parameter state is required');
});

// The OCF table, through a real agent exiting with each code: [probe, monitor, start, stop].
const RUNNING = { kind: 'running' };
const STARTED = { kind: 'started' };
const STOPPED = { kind: 'stopped' };
const STOP_FAILED = { kind: 'stop-failed' };
const NOT_RUNNING = { kind: 'not-running', runnableHere: true };
const NOT_HERE = { kind: 'not-running', runnableHere: false };
const SOFT = { kind: 'failed', severity: 'soft' };
const HARD = { kind: 'failed', severity: 'hard' };
const FATAL = { kind: 'failed', severity: 'fatal' };
const RC_TABLE: [number, unknown[]][] = [
  [0, [RUNNING, RUNNING, STARTED, STOPPED]],
  [1, [SOFT, SOFT, SOFT, STOP_FAILED]],
  [2, [HARD, HARD, HARD, STOP_FAILED]],
  [3, [HARD, HARD, HARD, STOP_FAILED]],
  [4, [HARD, HARD, HARD, STOP_FAILED]],
  [5, [NOT_HERE, HARD, HARD, STOP_FAILED]],
  [6, [FATAL, FATAL, FATAL, STOP_FAILED]],
  [7, [NOT_RUNNING, SOFT, SOFT, STOPPED]],
  [8, [RUNNING, RUNNING, SOFT, STOP_FAILED]],
  [9, [SOFT, SOFT, SOFT, STOP_FAILED]],
  [42, [SOFT, SOFT, SOFT, STOP_FAILED]],
];

for (const [rc, expected] of RC_TABLE) {
  test(`exit code ${rc} maps the OCF way for probe, monitor, start and stop`, async (t) => {
    const { options } = t.context;
    const def = resourceDef(`rc${rc}`, testAgent('exit-code'), { rc: String(rc) });
    const actions = ['probe', 'monitor', 'start', 'stop'] as const;
    for (const [i, action] of actions.entries()) {
      const intervalMs = action === 'monitor' ? 5_000 : 0;
      const result = await runOperation(request(def, action, 10_000, intervalMs), options);
      t.is(result.status, 'done', action);
      t.is(result.rc, rc, action);
      t.deepEqual(result.outcome, expected[i], `${action} rc ${rc}`);
    }
  });
}

test('the last ocf-exit-reason line is the reason; without one a failure still says why', async (t) => {
  const { options } = t.context;
  const withReasons = resourceDef('r', testAgent('exit-code'), {
    rc: '1',
    reasons: 'first problem|the real problem',
  });
  const result = await runOperation(request(withReasons, 'start'), options);
  t.is(result.reason, 'the real problem');
  t.regex(result.stderr, /some other diagnostic/);
  const silent = resourceDef('s', testAgent('exit-code'), { rc: '4' });
  t.is(
    (await runOperation(request(silent, 'start'), options)).reason,
    'start of s returned 4 (insufficient privileges)',
  );
  const fine = resourceDef('f', testAgent('exit-code'), { rc: '0' });
  t.is((await runOperation(request(fine, 'start'), options)).reason, null);
});

test('output is kept up to the bound, and a chatty agent is not blocked by it', async (t) => {
  const { options } = t.context;
  const def = resourceDef('noisy', testAgent('exit-code'), { noise_bytes: '300000' });
  const result = await runOperation(request(def, 'monitor', 10_000, 1_000), {
    ...options,
    outputMaxBytes: 65_536,
  });
  t.like(result, { status: 'done', rc: 0, outputTruncated: true });
  t.is(result.stdout.length, 65_536);
});

test('provider quorate runs from the project agents folder', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef(
    'q',
    { class: 'ocf', provider: 'quorate', type: 'dummy' },
    {
      state: sandbox.file('q.state'),
    },
  );
  t.like(await runOperation(request(def, 'start'), options), {
    rc: 0,
    outcome: { kind: 'started' },
  });
  t.true(existsSync(sandbox.file('q.state')));
});

test('a missing agent is not-installed: a probe says not running and not runnable here', async (t) => {
  const { options } = t.context;
  const def = resourceDef('m', testAgent('no-such-agent'));
  const probe = await runOperation(request(def, 'probe'), options);
  t.like(probe, { status: 'not-installed', rc: null, pid: null });
  t.deepEqual(probe.outcome, { kind: 'not-running', runnableHere: false });
  t.regex(probe.reason ?? '', /ocf:quorate-test:no-such-agent: not found at /);
  t.deepEqual((await runOperation(request(def, 'start'), options)).outcome, {
    kind: 'failed',
    severity: 'hard',
  });
  // Nothing can run here without its agent: a stop is as good as done (not stop-failed).
  t.deepEqual((await runOperation(request(def, 'stop'), options)).outcome, {
    kind: 'not-running',
    runnableHere: false,
  });
});

test('an agent that is not executable is not-installed', async (t) => {
  const { sandbox, options } = t.context;
  const target = `${sandbox.ocfRoot}/resource.d/quorate-test/not-executable`;
  await copyFile(`${AGENTS_DIR}/dummy`, target);
  await chmod(target, 0o644);
  const def = resourceDef('x', testAgent('not-executable'));
  const result = await runOperation(request(def, 'start'), options);
  t.like(result, { status: 'not-installed', outcome: { kind: 'failed', severity: 'hard' } });
  t.regex(result.reason ?? '', /is not executable/);
});

test('an agent whose interpreter is missing is not-installed', async (t) => {
  const { sandbox, options } = t.context;
  const target = `${sandbox.ocfRoot}/resource.d/quorate-test/bad-interpreter`;
  await writeFile(target, '#!/nonexistent/interpreter\nexit 0\n', { mode: 0o755 });
  const result = await runOperation(
    request(resourceDef('bi', testAgent('bad-interpreter')), 'probe'),
    options,
  );
  t.like(result, {
    status: 'not-installed',
    outcome: { kind: 'not-running', runnableHere: false },
  });
  t.regex(result.reason ?? '', /ENOENT/);
});

test('by default provider quorate means the project resource-agents folder', (t) => {
  const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
  t.is(defaultQuorateAgentsDir(), path.join(projectRoot, 'resource-agents') + path.sep);
});

test('an agent name cannot leave its provider folder', async (t) => {
  const { options } = t.context;
  for (const agent of [
    { class: 'ocf' as const, provider: '..', type: 'dummy' },
    { class: 'ocf' as const, provider: 'quorate-test', type: '../../../bin/sh' },
    { class: 'ocf' as const, provider: '', type: 'dummy' },
  ]) {
    const result = await runOperation(request(resourceDef('t', agent), 'start'), options);
    t.is(result.status, 'not-installed');
    t.regex(result.reason ?? '', /invalid OCF agent/);
  }
});

test('invalid requests are errors, not exceptions', async (t) => {
  const { sandbox, options } = t.context;
  const badParam = resourceDef('b', testAgent('dummy'), {
    'not-a-name': 'x',
    state: sandbox.file('b'),
  });
  const result = await runOperation(request(badParam, 'start'), options);
  t.like(result, { status: 'error', rc: null, outcome: { kind: 'failed', severity: 'soft' } });
  t.regex(result.reason ?? '', /invalid name "not-a-name"/);
  const reserved = resourceDef('c', testAgent('dummy'), { CRM_meta_interval: '5' });
  t.regex((await runOperation(request(reserved, 'probe'), options)).reason ?? '', /reserved/);
  const good = resourceDef('g', testAgent('dummy'), { state: sandbox.file('g') });
  t.is((await runOperation(request(good, 'start', 0), options)).status, 'error');
  t.is((await runOperation(request(good, 'start', Number.NaN), options)).status, 'error');
  t.is((await runOperation(request(good, 'stop', 2 ** 40), options)).outcome.kind, 'stop-failed');
});

test('an agent killed by a signal it was not sent is an error', async (t) => {
  const { options } = t.context;
  const def = resourceDef('k', testAgent('exit-code'), { suicide: '1' });
  const result = await runOperation(request(def, 'monitor', 10_000, 1_000), options);
  t.like(result, { status: 'error', rc: null, signalsSent: [] });
  t.regex(result.reason ?? '', /died of SIGKILL/);
  t.deepEqual((await runOperation(request(def, 'stop'), options)).outcome, { kind: 'stop-failed' });
});

test('an operation aborted before it begins runs nothing', async (t) => {
  const { sandbox, options } = t.context;
  const def = resourceDef('a', testAgent('dummy'), { state: sandbox.file('a.state') });
  const result = await runOperation(request(def, 'start'), {
    ...options,
    signal: AbortSignal.abort(),
  });
  t.like(result, { status: 'cancelled', pid: null, outcome: { kind: 'failed', severity: 'soft' } });
  t.false(existsSync(sandbox.file('a.state')));
  const probe = await runOperation(request(def, 'probe'), {
    ...options,
    signal: AbortSignal.abort(),
  });
  t.deepEqual(probe.outcome, { kind: 'cancelled' });
});

test('extra environment cannot override OCF variables or smuggle odd names', async (t) => {
  const { sandbox, options } = t.context;
  const dump = sandbox.file('env-extra');
  const def = resourceDef('e', testAgent('dummy'), { state: sandbox.file('e'), env_dump: dump });
  await runOperation(request(def, 'probe'), {
    ...options,
    extraEnv: { OCF_RESOURCE_INSTANCE: 'spoofed', PATH: '/tmp' },
  });
  const env = await readEnvDump(dump);
  t.is(env.OCF_RESOURCE_INSTANCE, 'e');
  t.is(env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  const refused = await runOperation(request(def, 'probe'), {
    ...options,
    extraEnv: { 'A=B': 'x' },
  });
  t.is(refused.status, 'error');
});
