import anyTest, { type TestFn } from 'ava';

import type { FenceNodeOptions } from '../../agent/src/fencing/fence-node.js';
import type { FenceOutcome } from '../../agent/src/fencing/fence-outcome.js';
import { Fencer } from '../../agent/src/fencing/fencer.js';
import { CapturingLogger, fakeDevice, makeSandbox, readActions, type Sandbox } from './helpers.js';

const test = anyTest as TestFn<{ sandbox: Sandbox; fence: FenceNodeOptions }>;

test.before(async (t) => {
  const sandbox = await makeSandbox();
  t.context.sandbox = sandbox;
  t.context.fence = { agentDirs: [sandbox.agentsDir], verifyAttempts: 2, verifyIntervalMs: 0 };
});

test.after.always(async (t) => {
  await t.context.sandbox.remove();
});

/** A wall clock that moves only when told. */
function manualClock(startMs: number) {
  const clock = { now: startMs, nowMs: () => clock.now };
  return clock;
}

test('a request fences the node, reports it once, and marks it fenced until seen alive', async (t) => {
  const { sandbox, fence } = t.context;
  const record = sandbox.file('basic.rec');
  const clock = manualClock(5_000);
  const reported: [string, FenceOutcome][] = [];
  const fencer = new Fencer({
    topology: {},
    devices: [fakeDevice('ipmi', record, { nodes: ['f1'] })],
    fence,
    nowMs: clock.nowMs,
    onFenced: (node, outcome) => reported.push([node, outcome]),
  });
  t.is(fencer.fencedSince('f1'), null);
  const first = fencer.request('f1', 'suspect');
  t.is(first.disposition, 'started');
  t.deepEqual(fencer.inProgress(), ['f1']);
  clock.now = 6_000;
  const outcome = await first.outcome;
  t.true(outcome.ok);
  t.deepEqual(reported, [['f1', outcome]]);
  t.is(fencer.fencedSince('f1'), 6_000);
  t.deepEqual(fencer.fencedNodes(), ['f1']);
  t.deepEqual(fencer.inProgress(), []);

  const again = fencer.request('f1', 'suspect');
  t.is(again.disposition, 'already-fenced');
  t.is(await again.outcome, outcome);
  t.deepEqual(await readActions(record), ['off:f1', 'status:f1']);

  fencer.nodeSeenAlive('f1');
  t.is(fencer.fencedSince('f1'), null);
  t.deepEqual(fencer.fencedNodes(), []);
  const later = fencer.request('f1', 'stop-failed');
  t.is(later.disposition, 'started');
  t.true((await later.outcome).ok);
  t.is(reported.length, 2);
  t.deepEqual(
    fencer.history().map((r) => [r.node, r.reason, r.requestedAtMs, r.finishedAtMs, r.outcome.ok]),
    [
      ['f1', 'suspect', 5_000, 6_000, true],
      ['f1', 'stop-failed', 6_000, 6_000, true],
    ],
  );
});

test('a request while the node is being fenced joins the running operation', async (t) => {
  const { sandbox, fence } = t.context;
  const record = sandbox.file('join.rec');
  const fencer = new Fencer({
    topology: {},
    devices: [fakeDevice('ipmi', record, { nodes: ['j1', 'j2'] })],
    fence,
  });
  const first = fencer.request('j1', 'suspect');
  const second = fencer.request('j1', 'stop-failed');
  const other = fencer.request('j2', 'suspect');
  t.deepEqual(
    [first.disposition, second.disposition, other.disposition],
    ['started', 'in-progress', 'started'],
  );
  t.is(second.outcome, first.outcome);
  await fencer.whenIdle();
  t.deepEqual(
    (await readActions(record)).filter((a) => a.endsWith(':j1')),
    ['off:j1', 'status:j1'],
  );
  t.is(fencer.history().length, 2);
});

test('after a failure, requests back off for a while, then fencing is tried again', async (t) => {
  const { sandbox, fence } = t.context;
  const record = sandbox.file('backoff.rec');
  const clock = manualClock(0);
  const logger = new CapturingLogger();
  const fencer = new Fencer({
    topology: {},
    devices: [fakeDevice('ipmi', record, { nodes: ['b1'], params: { off_behaviour: 'fail' } })],
    fence,
    nowMs: clock.nowMs,
    retryAfterFailureMs: 1_000,
    logger,
  });
  const failed = await fencer.request('b1', 'suspect').outcome;
  t.false(failed.ok);
  t.is(fencer.fencedSince('b1'), null);
  t.deepEqual(fencer.fencedNodes(), []);
  clock.now = 999;
  const soon = fencer.request('b1', 'suspect');
  t.is(soon.disposition, 'backing-off');
  t.is(await soon.outcome, failed);
  clock.now = 1_000;
  const retry = fencer.request('b1', 'suspect');
  t.is(retry.disposition, 'started');
  await retry.outcome;
  t.deepEqual(await readActions(record), ['off:b1', 'off:b1']);
  t.regex(logger.text(), /fencing request failed/);
});

test('the history is bounded: the oldest operations are dropped', async (t) => {
  const { sandbox, fence } = t.context;
  const nodes = ['h1', 'h2', 'h3', 'h4'];
  const fencer = new Fencer({
    topology: {},
    devices: [fakeDevice('ipmi', sandbox.file('history.rec'), { nodes })],
    fence,
    historyMax: 2,
  });
  for (const node of nodes) await fencer.request(node, 'suspect').outcome;
  t.deepEqual(
    fencer.history().map((r) => r.node),
    ['h3', 'h4'],
  );
  t.deepEqual(fencer.fencedNodes(), nodes);
});

test('an onFenced callback that throws does not break the fencer', async (t) => {
  const { sandbox, fence } = t.context;
  const logger = new CapturingLogger();
  const fencer = new Fencer({
    topology: {},
    devices: [fakeDevice('ipmi', sandbox.file('throws.rec'), { nodes: ['t1'] })],
    fence,
    logger,
    onFenced: () => {
      throw new Error('coordinator hiccup');
    },
  });
  const outcome = await fencer.request('t1', 'suspect').outcome;
  t.true(outcome.ok);
  t.deepEqual(fencer.fencedNodes(), ['t1']);
  t.regex(logger.text(), /onFenced callback threw/);
});

test('configure() changes the devices used by the next operation', async (t) => {
  const { sandbox, fence } = t.context;
  const fencer = new Fencer({ topology: {}, devices: [], fence });
  const none = await fencer.request('c1', 'suspect').outcome;
  t.like(none, { ok: false, reason: 'no fence device can fence node c1' });
  fencer.configure({}, [fakeDevice('ipmi', sandbox.file('configure.rec'), { nodes: ['c1'] })]);
  fencer.nodeSeenAlive('c1'); // clears the failure backoff
  t.true((await fencer.request('c1', 'suspect').outcome).ok);
});
