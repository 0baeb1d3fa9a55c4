import anyTest, { type TestFn } from 'ava';
import { existsSync } from 'node:fs';

import { runFenceAction } from '../../agent/src/fencing/run-fence-action.js';
import type { FenceRunOptions } from '../../agent/src/fencing/fence-run-options.js';
import { becomesDead, killQuietly, readPids } from '../executor/helpers.js';
import { fakeDevice, makeSandbox, PASSWORD, readCalls, type Sandbox } from './helpers.js';

const test = anyTest as TestFn<{ sandbox: Sandbox; options: FenceRunOptions }>;

test.before(async (t) => {
  const sandbox = await makeSandbox();
  t.context.sandbox = sandbox;
  t.context.options = { agentDirs: [sandbox.agentsDir], killGraceMs: 200, killWaitMs: 10_000 };
});

test.after.always(async (t) => {
  await t.context.sandbox.remove();
});

test('stdin is action, plug, then every parameter in order, one key=value per line', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('format.rec');
  const device = fakeDevice('ipmi', record, { hostMap: { n1: 'outlet-7' } });
  device.params = { ipaddr: '10.0.0.9', login: 'admin', passwd: PASSWORD, record, lanplus: '1' };
  const result = await runFenceAction(device, 'off', 'n1', options);
  t.like(result, { status: 'done', rc: 0, answer: 'succeeded', plug: 'outlet-7', reason: null });
  const [call, ...more] = await readCalls(record);
  t.is(more.length, 0);
  t.is(
    call?.raw,
    `action=off\nplug=outlet-7\nipaddr=10.0.0.9\nlogin=admin\npasswd=${PASSWORD}\nrecord=${record}\nlanplus=1\n`,
  );
});

test('an empty plug (one device per node) sends no plug line', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('noplug.rec');
  const device = fakeDevice('bmc-n1', record, { hostMap: { n1: '' } });
  const result = await runFenceAction(device, 'status', 'n1', options);
  t.like(result, { answer: 'off', plug: '' });
  t.is(
    (await readCalls(record))[0]?.raw,
    `action=status\nlogin=admin\npasswd=${PASSWORD}\nrecord=${record}\n`,
  );
});

test('device-level actions carry no plug; metadata prints XML', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('meta.rec');
  const device = fakeDevice('pdu', record, { nodes: ['n1'] });
  const meta = await runFenceAction(device, 'metadata', null, options);
  t.like(meta, { status: 'done', rc: 0, answer: 'succeeded', plug: null });
  t.regex(meta.stdout, /<resource-agent name="fence_fake"/);
  const monitor = await runFenceAction(device, 'monitor', 'n1', options);
  t.like(monitor, { answer: 'succeeded', plug: null });
  t.deepEqual(
    (await readCalls(record)).map((c) => c.raw.split('\n')[1]),
    ['login=admin', 'login=admin'],
  );
});

test('status maps rc 0 to on, 2 to off, anything else to failed', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('status.rec');
  const answers = [];
  for (const behaviour of ['on', 'off', 'fail']) {
    const device = fakeDevice('pdu', record, {
      nodes: ['n1'],
      params: { status_behaviour: behaviour },
    });
    const result = await runFenceAction(device, 'status', 'n1', options);
    answers.push([result.rc, result.answer]);
    if (behaviour === 'fail') {
      t.regex(
        result.reason ?? '',
        /status on device pdu \(fence_fake\) exited with 1: Failed: Unable to obtain/,
      );
    } else {
      t.is(result.reason, null);
    }
  }
  t.deepEqual(answers, [
    [0, 'on'],
    [2, 'off'],
    [1, 'failed'],
  ]);
});

test('off succeeds only with rc 0 (exit 2 is a failure for off)', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('off.rec');
  const answers = [];
  for (const behaviour of ['succeed', 'exit2', 'fail']) {
    const device = fakeDevice('pdu', record, {
      nodes: ['n1'],
      params: { off_behaviour: behaviour },
    });
    const result = await runFenceAction(device, 'off', 'n1', options);
    answers.push([result.status, result.rc, result.answer]);
  }
  t.deepEqual(answers, [
    ['done', 0, 'succeeded'],
    ['done', 2, 'failed'],
    ['done', 1, 'failed'],
  ]);
});

test('a node missing from the host map is an error, and nothing runs', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('unmapped.rec');
  const result = await runFenceAction(
    fakeDevice('pdu', record, { nodes: ['n1'] }),
    'off',
    'n9',
    options,
  );
  t.like(result, { status: 'error', rc: null, answer: 'failed', pid: null });
  t.regex(result.reason ?? '', /device pdu cannot fence node n9/);
  t.false(existsSync(record));
});

test('a parameter value with a line break is refused without its value in the reason', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('inject.rec');
  const device = fakeDevice('pdu', record, { nodes: ['n1'] });
  device.params.passwd = `${PASSWORD}\naction=on`;
  const result = await runFenceAction(device, 'off', 'n1', options);
  t.like(result, { status: 'error', answer: 'failed' });
  t.regex(result.reason ?? '', /value of parameter passwd contains a line break/);
  t.false(JSON.stringify(result).includes(PASSWORD));
  t.false(existsSync(record));
});

test('parameters the fencer sets itself are refused', async (t) => {
  const { sandbox, options } = t.context;
  const device = fakeDevice('pdu', sandbox.file('reserved.rec'), {
    nodes: ['n1'],
    params: { port: 'n2' },
  });
  const result = await runFenceAction(device, 'off', 'n1', options);
  t.like(result, { status: 'error' });
  t.regex(result.reason ?? '', /parameter port is set by the fencer/);
});

test('a missing agent is not-installed; a name with a path is refused; an absolute path runs', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('where.rec');
  const device = fakeDevice('pdu', record, { nodes: ['n1'] });
  const missing = await runFenceAction(
    { ...device, agent: 'fence_missing' },
    'status',
    'n1',
    options,
  );
  t.like(missing, { status: 'not-installed', answer: 'failed' });
  t.regex(missing.reason ?? '', /fence agent fence_missing: not found at /);
  const sneaky = await runFenceAction(
    { ...device, agent: '../agents/fence_fake' },
    'status',
    'n1',
    options,
  );
  t.like(sneaky, { status: 'error' });
  const absolute = await runFenceAction(
    { ...device, agent: `${sandbox.agentsDir}/fence_fake` },
    'status',
    'n1',
    { ...options, agentDirs: [] },
  );
  t.like(absolute, { status: 'done', answer: 'off' });
});

test('an agent whose interpreter is missing is not-installed', async (t) => {
  const { sandbox, options } = t.context;
  const device = fakeDevice('pdu', sandbox.file('interp.rec'), { nodes: ['n1'] });
  const result = await runFenceAction(
    { ...device, agent: 'fence_no_interpreter' },
    'status',
    'n1',
    options,
  );
  t.like(result, { status: 'not-installed', rc: null, answer: 'failed' });
  t.regex(result.reason ?? '', /could not be executed \(exit 127\)/);
});

test('the agent gets its input on stdin only, not in its environment', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('env.rec');
  const device = fakeDevice('pdu', record, { nodes: ['n1'], params: { env_probe: '1' } });
  await runFenceAction(device, 'status', 'n1', options);
  t.deepEqual((await readCalls(record))[0]?.notes, ['env: clean']);
});

test('a timeout kills the whole process group, TERM-ignoring grandchild included', async (t) => {
  const { sandbox, options } = t.context;
  const pidsFile = sandbox.file('hang.pids');
  const device = fakeDevice('pdu', sandbox.file('hang.rec'), {
    nodes: ['n1'],
    params: { off_behaviour: 'hang', pids: pidsFile },
  });
  // Long enough for a loaded machine to start the agent and its grandchild before the timeout.
  device.timeoutMs = 2_000;
  const result = await runFenceAction(device, 'off', 'n1', options);
  const pids = await readPids(pidsFile);
  t.teardown(() => Object.values(pids).forEach(killQuietly));
  t.like(result, { status: 'timeout', rc: null, answer: 'failed' });
  t.is(result.signalsSent[0], 'SIGTERM');
  t.true(result.signalsSent.includes('SIGKILL'));
  t.regex(result.reason ?? '', /off on device pdu \(fence_fake\) timed out after 2000 ms/);
  t.true(await becomesDead(pids.agent!), 'the agent is gone');
  t.true(await becomesDead(pids.grandchild!), 'its TERM-ignoring grandchild is gone too');
});

test('an aborted signal cancels before anything runs', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('cancel.rec');
  const controller = new AbortController();
  controller.abort();
  const result = await runFenceAction(fakeDevice('pdu', record, { nodes: ['n1'] }), 'off', 'n1', {
    ...options,
    signal: controller.signal,
  });
  t.like(result, { status: 'cancelled', answer: 'failed' });
  t.false(existsSync(record));
});

test('output is bounded, and a bound that falls inside a password does not leak its start', async (t) => {
  const { sandbox, options } = t.context;
  const device = fakeDevice('pdu', sandbox.file('bounded.rec'), {
    nodes: ['n1'],
    params: { echo_input: '1', filler: 'x'.repeat(500) },
  });
  // `action=status\nplug=n1\nlogin=admin\npasswd=` is 41 bytes: the bound cuts the password.
  const result = await runFenceAction(device, 'status', 'n1', { ...options, outputMaxBytes: 50 });
  t.true(result.outputTruncated);
  t.is(result.stdout, 'action=status\nplug=n1\nlogin=admin\npasswd=***');
  t.is(result.stderr, result.stdout);
});
