import test from 'ava';
import { makeMessage, type Message } from '../../agent/src/raft/types.js';
import { RAFT_MESSAGE_ENVELOPE } from './raft-message-envelope.js';
import { SimNetwork, type DropReason, type NetworkConditions } from './sim-network.js';
import { SimRandom } from './sim-random.js';
import { SimScheduler } from './sim-scheduler.js';

const calm: NetworkConditions = { delayMsMin: 1, delayMsMax: 5, lossRate: 0, duplicateRate: 0 };

function harness(conditions: NetworkConditions, seed = 1) {
  const scheduler = new SimScheduler();
  const delivered: { m: Message; atMs: number }[] = [];
  const dropped: { m: Message; reason: DropReason }[] = [];
  const down = new Set<string>();
  const net = new SimNetwork(
    scheduler,
    SimRandom.forStream(seed, 'net'),
    conditions,
    RAFT_MESSAGE_ENVELOPE,
    {
      deliver: (m) => {
        if (down.has(m.to)) return false;
        delivered.push({ m, atMs: scheduler.nowMs });
        return true;
      },
      dropped: (m, reason) => dropped.push({ m, reason }),
    },
  );
  const run = () => {
    while (scheduler.runNext()) {
      // drain
    }
  };
  return { scheduler, net, delivered, dropped, down, run };
}

const msg = (from: string, to: string, index = 0) =>
  makeMessage({ type: 'MsgHeartbeat', from, to, index });

test('messages arrive after a delay within the range, as copies', (t) => {
  const h = harness(calm);
  const m = makeMessage({
    type: 'MsgApp',
    from: 'a',
    to: 'b',
    entries: [{ index: 2, term: 1, type: 'normal', data: new Uint8Array([1]) }],
  });
  h.net.send(m);
  m.entries[0]!.data[0] = 9; // the sender scribbles over its message after sending
  h.run();
  t.is(h.delivered.length, 1);
  const got = h.delivered[0]!;
  t.true(got.atMs >= 1 && got.atMs <= 5);
  t.is(got.m.entries[0]!.data[0], 1);
});

test('random delays reorder messages', (t) => {
  const h = harness({ ...calm, delayMsMax: 50 });
  for (let i = 0; i < 50; i++) h.net.send(msg('a', 'b', i));
  h.run();
  const order = h.delivered.map((d) => d.m.index);
  t.is(order.length, 50);
  t.notDeepEqual(
    order,
    [...order].sort((x, y) => x - y),
  );
});

test('a one-way cut drops A→B while B→A still flows', (t) => {
  const h = harness(calm);
  h.net.cutOneWay('a', 'b');
  t.is(h.net.send(msg('a', 'b')), 'cut');
  t.is(h.net.send(msg('b', 'a')), 'sent');
  h.run();
  t.deepEqual(
    h.delivered.map((d) => `${d.m.from}->${d.m.to}`),
    ['b->a'],
  );
  t.deepEqual(
    h.dropped.map((d) => `${d.m.from}->${d.m.to}:${d.reason}`),
    ['a->b:partition'],
  );
});

test('a symmetric partition cuts both directions; healing restores them', (t) => {
  const h = harness(calm);
  h.net.partition(['a'], ['b', 'c']);
  t.true(h.net.isCut('a', 'b') && h.net.isCut('b', 'a') && h.net.isCut('c', 'a'));
  t.false(h.net.isCut('b', 'c'));
  h.net.healAll();
  t.is(h.net.cutLinks, 0);
});

test('messages in flight when a partition starts are lost', (t) => {
  const h = harness(calm);
  h.net.send(msg('a', 'b'));
  h.net.cutOneWay('a', 'b');
  h.run();
  t.is(h.delivered.length, 0);
  t.is(h.dropped[0]?.reason, 'partition');
});

test('loss, duplication and down recipients', (t) => {
  const lossy = harness({ ...calm, lossRate: 1 });
  lossy.net.send(msg('a', 'b'));
  lossy.run();
  t.is(lossy.delivered.length, 0);
  t.is(lossy.dropped[0]?.reason, 'loss');

  const dup = harness({ ...calm, duplicateRate: 1 });
  dup.net.send(msg('a', 'b'));
  dup.run();
  t.is(dup.delivered.length, 2);

  const down = harness(calm);
  down.down.add('b');
  down.net.send(msg('a', 'b'));
  down.run();
  t.is(down.dropped[0]?.reason, 'down');
});

test('the same seed gives the same deliveries', (t) => {
  const times = (seed: number) => {
    const h = harness({ ...calm, delayMsMax: 30, lossRate: 0.2, duplicateRate: 0.2 }, seed);
    for (let i = 0; i < 30; i++) h.net.send(msg('a', 'b', i));
    h.run();
    return h.delivered.map((d) => `${d.m.index}@${d.atMs}`);
  };
  t.deepEqual(times(7), times(7));
  t.notDeepEqual(times(7), times(8));
});
