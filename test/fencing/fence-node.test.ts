import anyTest, { type TestFn } from 'ava';
import { mkdir } from 'node:fs/promises';

import { fenceNode, type FenceNodeOptions } from '../../agent/src/fencing/fence-node.js';
import type { FenceTopology } from '../../agent/src/fencing/fence-device.js';
import { fakeDevice, makeSandbox, readActions, type Sandbox } from './helpers.js';

const test = anyTest as TestFn<{ sandbox: Sandbox; options: FenceNodeOptions }>;

test.before(async (t) => {
  const sandbox = await makeSandbox();
  t.context.sandbox = sandbox;
  t.context.options = { agentDirs: [sandbox.agentsDir], verifyAttempts: 3, verifyIntervalMs: 0 };
});

test.after.always(async (t) => {
  await t.context.sandbox.remove();
});

/** `device/action/answer` of each attempt, for compact assertions. */
function steps(outcome: { attempts: { device: string; action: string; answer: string }[] }) {
  return outcome.attempts.map((a) => `${a.device}/${a.action}/${a.answer}`);
}

test('off, then status confirms off: fenced by level 1', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('ok.rec');
  const devices = [fakeDevice('ipmi', record, { nodes: ['ok1'] })];
  const topology: FenceTopology = { ok1: [{ index: 1, devices: ['ipmi'] }] };
  const outcome = await fenceNode('ok1', topology, devices, options);
  t.like(outcome, { node: 'ok1', ok: true, mode: 'off', level: 1 });
  t.deepEqual(steps(outcome), ['ipmi/off/succeeded', 'ipmi/status/off']);
  t.deepEqual(await readActions(record), ['off:ok1', 'status:ok1']);
  t.true(outcome.attempts.every((a) => a.level === 1 && a.plug === 'ok1'));
});

test("verify: agent takes the agent's own successful off as the confirmation: no status run", async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('self-verifying.rec');
  const devices = [
    // Its status would say on: it is never asked.
    {
      ...fakeDevice('self', record, { nodes: ['sv1'], params: { status_behaviour: 'on' } }),
      verify: 'agent' as const,
    },
  ];
  const outcome = await fenceNode('sv1', {}, devices, options);
  t.like(outcome, { node: 'sv1', ok: true, level: 1 });
  t.deepEqual(steps(outcome), ['self/off/succeeded']);
  t.deepEqual(await readActions(record), ['off:sv1']);
});

test('off succeeded but status says on: not fenced (a fence that cannot be verified fails)', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('liar.rec');
  const devices = [
    fakeDevice('liar', record, { nodes: ['lie1'], params: { status_behaviour: 'on' } }),
  ];
  const outcome = await fenceNode(
    'lie1',
    { lie1: [{ index: 1, devices: ['liar'] }] },
    devices,
    options,
  );
  t.like(outcome, { ok: false, level: null });
  t.deepEqual(steps(outcome), [
    'liar/off/succeeded',
    'liar/status/on',
    'liar/status/on',
    'liar/status/on',
  ]);
  t.regex(
    outcome.reason,
    /device liar did not confirm node lie1 off after off succeeded \(3 status checks; last: it still reports the node on\)/,
  );
});

test('a status that cannot be read is not a confirmation either', async (t) => {
  const { sandbox, options } = t.context;
  const devices = [
    fakeDevice('mute', sandbox.file('mute.rec'), {
      nodes: ['mute1'],
      params: { status_behaviour: 'fail' },
    }),
  ];
  const outcome = await fenceNode('mute1', {}, devices, options);
  t.false(outcome.ok);
  t.deepEqual(steps(outcome).slice(-1), ['mute/status/failed']);
});

test('status is asked again, a bounded number of times, until it reports off', async (t) => {
  const { sandbox, options } = t.context;
  const devices = [
    fakeDevice('slow', sandbox.file('slow.rec'), {
      nodes: ['slow1'],
      params: { status_on_first: '2', counter: sandbox.file('slow.count') },
    }),
  ];
  const outcome = await fenceNode('slow1', {}, devices, options);
  t.true(outcome.ok);
  t.deepEqual(steps(outcome), [
    'slow/off/succeeded',
    'slow/status/on',
    'slow/status/on',
    'slow/status/off',
  ]);
});

test('level 1 fails, level 2 is tried and fences the node', async (t) => {
  const { sandbox, options } = t.context;
  const ipmiRec = sandbox.file('lv-ipmi.rec');
  const pduRec = sandbox.file('lv-pdu.rec');
  const devices = [
    fakeDevice('ipmi', ipmiRec, { nodes: ['lv1'], params: { off_behaviour: 'fail' } }),
    fakeDevice('pdu', pduRec, { hostMap: { lv1: 'port-3' } }),
  ];
  const topology: FenceTopology = {
    // Listed out of order: levels are tried by index.
    lv1: [
      { index: 2, devices: ['pdu'] },
      { index: 1, devices: ['ipmi'] },
    ],
  };
  const outcome = await fenceNode('lv1', topology, devices, options);
  t.like(outcome, { ok: true, level: 2 });
  t.deepEqual(steps(outcome), ['ipmi/off/failed', 'pdu/off/succeeded', 'pdu/status/off']);
  t.deepEqual(
    outcome.attempts.map((a) => a.level),
    [1, 2, 2],
  );
  t.regex(outcome.attempts[0]?.reason ?? '', /exited with 1: Failed: Unable to power off plug lv1/);
  t.deepEqual(await readActions(ipmiRec), ['off:lv1']);
  t.deepEqual(await readActions(pduRec), ['off:port-3', 'status:port-3']);
});

test('a level of two devices (dual PSU) needs both: both off, then both verified', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('dual.rec');
  const devices = [
    fakeDevice('pdu-a', record, { hostMap: { dual1: 'a7' } }),
    fakeDevice('pdu-b', record, { hostMap: { dual1: 'b7' } }),
  ];
  const topology: FenceTopology = { dual1: [{ index: 1, devices: ['pdu-a', 'pdu-b'] }] };
  const outcome = await fenceNode('dual1', topology, devices, options);
  t.like(outcome, { ok: true, level: 1 });
  t.deepEqual(await readActions(record), ['off:a7', 'off:b7', 'status:a7', 'status:b7']);
});

test('a level fails when either of its devices fails, and the next level is tried', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('dual-fail.rec');
  const devices = [
    fakeDevice('pdu-a', record, { hostMap: { df1: 'a7' } }),
    fakeDevice('pdu-b', record, { hostMap: { df1: 'b7' }, params: { off_behaviour: 'exit2' } }),
    fakeDevice('ipmi', record, { hostMap: { df1: '' } }),
  ];
  const topology: FenceTopology = {
    df1: [
      { index: 1, devices: ['pdu-a', 'pdu-b'] },
      { index: 2, devices: ['ipmi'] },
    ],
  };
  const outcome = await fenceNode('df1', topology, devices, options);
  t.like(outcome, { ok: true, level: 2 });
  t.deepEqual(steps(outcome), [
    'pdu-a/off/succeeded',
    'pdu-b/off/failed',
    'ipmi/off/succeeded',
    'ipmi/status/off',
  ]);
});

test('a level whose second device cannot confirm off fails too', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('dual-verify.rec');
  const devices = [
    fakeDevice('pdu-a', record, { hostMap: { dv1: 'a7' } }),
    fakeDevice('pdu-b', record, { hostMap: { dv1: 'b7' }, params: { status_behaviour: 'on' } }),
  ];
  const outcome = await fenceNode(
    'dv1',
    { dv1: [{ index: 1, devices: ['pdu-a', 'pdu-b'] }] },
    devices,
    options,
  );
  t.false(outcome.ok);
  t.deepEqual(await readActions(record), [
    'off:a7',
    'off:b7',
    'status:a7',
    'status:b7',
    'status:b7',
    'status:b7',
  ]);
});

test('fencing fails when every level fails; the reason names each level', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('all-fail.rec');
  const devices = [
    fakeDevice('ipmi', record, { nodes: ['af1'], params: { off_behaviour: 'fail' } }),
    fakeDevice('pdu', record, { nodes: ['af1'], params: { status_behaviour: 'on' } }),
  ];
  const topology: FenceTopology = {
    af1: [
      { index: 1, devices: ['ipmi'] },
      { index: 2, devices: ['pdu'] },
      { index: 3, devices: ['no-such-device'] },
    ],
  };
  const outcome = await fenceNode('af1', topology, devices, options);
  t.like(outcome, { ok: false, level: null });
  t.regex(
    outcome.reason,
    /^every fencing level failed for node af1: level 1: .*; level 2: .*; level 3: unknown fence device no-such-device$/,
  );
});

test('without topology, every device that maps the node is a level of its own', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('implicit.rec');
  const devices = [
    fakeDevice('other', record, { nodes: ['someone-else'] }),
    fakeDevice('first', record, { nodes: ['im1'], params: { off_behaviour: 'fail' } }),
    fakeDevice('second', record, { nodes: ['im1'] }),
  ];
  const outcome = await fenceNode('im1', {}, devices, options);
  t.like(outcome, { ok: true, level: 2 });
  t.deepEqual(steps(outcome), ['first/off/failed', 'second/off/succeeded', 'second/status/off']);
  const none = await fenceNode('nobody', {}, devices, options);
  t.like(none, { ok: false, reason: 'no fence device can fence node nobody', attempts: [] });
});

test('reboot mode: off, verified off, then on', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('reboot.rec');
  const devices = [
    fakeDevice('ipmi', record, { nodes: ['rb1'], params: { on_behaviour: 'fail' } }),
  ];
  const outcome = await fenceNode('rb1', {}, devices, { ...options, mode: 'reboot' });
  // A failed power-on does not undo a verified fence.
  t.like(outcome, { ok: true, mode: 'reboot', level: 1 });
  t.deepEqual(steps(outcome), ['ipmi/off/succeeded', 'ipmi/status/off', 'ipmi/on/failed']);
});

test('a second request for a node being fenced joins the first: one operation', async (t) => {
  const { sandbox, options } = t.context;
  const record = sandbox.file('join.rec');
  const devices = [fakeDevice('ipmi', record, { nodes: ['join1'] })];
  const first = fenceNode('join1', {}, devices, options);
  const second = fenceNode('join1', {}, devices, options);
  t.is(second, first);
  const [a, b] = await Promise.all([first, second]);
  t.is(a, b);
  t.true(a.ok);
  t.deepEqual(await readActions(record), ['off:join1', 'status:join1']);
  // Once finished, a new request starts a new operation.
  const third = await fenceNode('join1', {}, devices, options);
  t.not(third, a);
  t.deepEqual(await readActions(record), [
    'off:join1',
    'status:join1',
    'off:join1',
    'status:join1',
  ]);
});

test('different nodes are fenced in parallel', async (t) => {
  const { sandbox, options } = t.context;
  // Each off waits until the other node's off has begun: run one after the other, both fail.
  const arrive = sandbox.file('arrive');
  await mkdir(arrive);
  const devices = [
    fakeDevice('pdu-x', sandbox.file('par-x.rec'), {
      nodes: ['par-x'],
      params: { arrive_dir: arrive, await: 'par-y' },
    }),
    fakeDevice('pdu-y', sandbox.file('par-y.rec'), {
      nodes: ['par-y'],
      params: { arrive_dir: arrive, await: 'par-x' },
    }),
  ];
  const [x, y] = await Promise.all([
    fenceNode('par-x', {}, devices, options),
    fenceNode('par-y', {}, devices, options),
  ]);
  t.true(x.ok, x.reason);
  t.true(y.ok, y.reason);
});
