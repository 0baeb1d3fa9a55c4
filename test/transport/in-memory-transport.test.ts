import test, { type ExecutionContext } from 'ava';

import type { NodeId } from '../../agent/src/raft/types.js';
import { InMemoryNetwork } from '../../agent/src/transport/in-memory-network.js';
import { InMemoryTransport } from '../../agent/src/transport/in-memory-transport.js';
import { CodecError } from '../../agent/src/transport/message-codec.js';
import { msg, nextTurn, range, Recorder, snapshotMsg, waitFor } from './helpers.js';

/** A network with started, fully meshed transports for `ids`, closed when the test ends. */
async function cluster(t: ExecutionContext, ids: NodeId[]) {
  const network = new InMemoryNetwork({ heldMessagesMax: 100 });
  const nodes = new Map<NodeId, { transport: InMemoryTransport; recorder: Recorder }>();
  for (const id of ids) {
    const peers = Object.fromEntries(ids.filter((p) => p !== id).map((p) => [p, p]));
    const transport = new InMemoryTransport(network, { id, peers });
    t.teardown(() => transport.close());
    const recorder = new Recorder();
    await transport.start(recorder.handler);
    nodes.set(id, { transport, recorder });
  }
  const get = (id: NodeId) => nodes.get(id)!;
  return { network, get };
}

test('delivers asynchronously, one batch per send and recipient, in order', async (t) => {
  const { get } = await cluster(t, ['a', 'b', 'c']);
  get('a').transport.send([msg('a', 'b', 1), msg('a', 'c', 1), msg('a', 'b', 2)]);
  t.is(get('b').recorder.messages.length, 0, 'nothing delivered inside send()');
  get('a').transport.send([msg('a', 'b', 3)]);
  await waitFor('delivery', () => get('b').recorder.messages.length === 3);
  t.deepEqual(
    get('b').recorder.batches.map((batch) => batch.map((m) => m.index)),
    [[1, 2], [3]],
  );
  await waitFor('delivery to c', () => get('c').recorder.messages.length === 1);
});

test('recipients get copies, not the sender objects', async (t) => {
  const { get } = await cluster(t, ['a', 'b']);
  const sent = snapshotMsg('a', 'b', 16);
  get('a').transport.send([sent]);
  await waitFor('delivery', () => get('b').recorder.messages.length === 1);
  const got = get('b').recorder.messages[0]!;
  t.deepEqual(got, sent);
  t.not(got, sent);
  t.not(got.snapshot!.data, sent.snapshot!.data);
});

test('drop hook loses messages silently; down reports unreachable', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  const unreachable: NodeId[] = [];
  get('a').transport.onUnreachable((peer) => unreachable.push(peer));
  network.setLink('a', 'b', 'drop');
  get('a').transport.send([msg('a', 'b', 1)]);
  network.setLink('a', 'b', 'down');
  get('a').transport.send([msg('a', 'b', 2)]);
  network.setLink('a', 'b', 'up');
  get('a').transport.send([msg('a', 'b', 3)]);
  await waitFor('delivery', () => get('b').recorder.messages.length === 1);
  t.deepEqual(get('b').recorder.indexesFrom('a'), [3]);
  t.deepEqual(unreachable, ['b']);
  t.is(network.stats().droppedMessages, 2);
});

test('links are directed: dropping a→b leaves b→a up', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  network.setLink('a', 'b', 'drop');
  get('a').transport.send([msg('a', 'b', 1)]);
  get('b').transport.send([msg('b', 'a', 1)]);
  await waitFor('b→a delivery', () => get('a').recorder.messages.length === 1);
  await nextTurn();
  t.is(get('b').recorder.messages.length, 0);
});

test('hold keeps messages in order until released, then the link stays held', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  network.setLink('a', 'b', 'hold');
  get('a').transport.send(range(1, 3).map((i) => msg('a', 'b', i)));
  get('a').transport.send([msg('a', 'b', 4)]);
  await nextTurn();
  t.is(get('b').recorder.messages.length, 0);
  t.is(network.heldCount('a', 'b'), 4);
  t.is(network.release('a', 'b'), 4);
  await waitFor('release', () => get('b').recorder.messages.length === 4);
  t.deepEqual(get('b').recorder.indexesFrom('a'), [1, 2, 3, 4]);
  get('a').transport.send([msg('a', 'b', 5)]);
  t.is(network.heldCount('a', 'b'), 1);
  network.setLink('a', 'b', 'up'); // leaving hold delivers what is held, before anything newer
  get('a').transport.send([msg('a', 'b', 6)]);
  await waitFor('rest', () => get('b').recorder.messages.length === 6);
  t.deepEqual(get('b').recorder.indexesFrom('a'), range(1, 6));
});

test('held messages beyond the bound are dropped', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  network.setLink('a', 'b', 'hold');
  get('a').transport.send(range(1, 60).map((i) => msg('a', 'b', i)));
  get('a').transport.send(range(61, 120).map((i) => msg('a', 'b', i)));
  t.is(network.heldCount('a', 'b'), 60);
  t.is(network.stats().droppedMessages, 60);
});

test('dropIf drops matching messages on every link; heal restores everything', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  network.dropIf((m) => m.type === 'MsgApp');
  network.setLink('b', 'a', 'hold');
  get('a').transport.send([msg('a', 'b', 1), msg('a', 'b', 2, 'MsgHeartbeat')]);
  get('b').transport.send([msg('b', 'a', 1, 'MsgHeartbeatResp')]);
  await waitFor('heartbeat', () => get('b').recorder.messages.length === 1);
  t.is(get('b').recorder.messages[0]!.type, 'MsgHeartbeat');
  network.heal();
  t.is(network.linkMode('b', 'a'), 'up');
  await waitFor('held response released by heal', () => get('a').recorder.messages.length === 1);
  get('a').transport.send([msg('a', 'b', 3)]);
  await waitFor('MsgApp after heal', () => get('b').recorder.messages.length === 2);
});

test('isolate cuts a node off both ways and reports unreachable', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b', 'c']);
  const unreachable: NodeId[] = [];
  get('b').transport.onUnreachable((peer) => unreachable.push(peer));
  network.isolate('a');
  get('b').transport.send([msg('b', 'a', 1), msg('b', 'c', 1)]);
  get('a').transport.send([msg('a', 'c', 1)]);
  await waitFor('b→c', () => get('c').recorder.messages.length === 1);
  await waitFor('unreachable', () => unreachable.length === 1);
  t.deepEqual(unreachable, ['a']);
  t.deepEqual(
    get('c').recorder.messages.map((m) => m.from),
    ['b'],
  );
});

test('snapshot fates are reported: delivered ok, dropped not ok', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  const statuses: [NodeId, boolean][] = [];
  get('a').transport.onSnapshotStatus((peer, ok) => statuses.push([peer, ok]));
  get('a').transport.send([snapshotMsg('a', 'b', 8)]);
  await waitFor('first status', () => statuses.length === 1);
  network.setLink('a', 'b', 'drop');
  get('a').transport.send([snapshotMsg('a', 'b', 8)]);
  await waitFor('second status', () => statuses.length === 2);
  t.deepEqual(statuses, [
    ['b', true],
    ['b', false],
  ]);
});

test('a closed or unknown recipient: unreachable, or dropped as no peer', async (t) => {
  const { get } = await cluster(t, ['a', 'b']);
  const unreachable: NodeId[] = [];
  get('a').transport.onUnreachable((peer) => unreachable.push(peer));
  await get('b').transport.close();
  get('a').transport.send([msg('a', 'b', 1), msg('a', 'zed', 1)]);
  await waitFor('unreachable', () => unreachable.length === 1);
  t.deepEqual(unreachable, ['b']);
  t.is(get('a').transport.stats().droppedNoPeer, 1);
});

test('setPeer re-points and removes peers; misaddressed messages are dropped', async (t) => {
  const { get } = await cluster(t, ['a', 'b', 'c']);
  get('a').transport.setPeer('b', 'c'); // a stale address: "b" now reaches node c
  get('a').transport.send([msg('a', 'b', 1)]);
  await waitFor('misaddressed', () => get('c').transport.stats().droppedMisaddressed === 1);
  t.is(get('c').recorder.messages.length, 0);
  get('a').transport.setPeer('b', null);
  get('a').transport.send([msg('a', 'b', 2)]);
  t.is(get('a').transport.stats().droppedNoPeer, 1);
});

test('refuses the same messages as the gRPC transport, before routing any', async (t) => {
  const { network, get } = await cluster(t, ['a', 'b']);
  t.throws(() => get('a').transport.send([msg('a', 'b', 1), msg('a', 'b', 2, 'MsgBeat')]), {
    instanceOf: CodecError,
  });
  await nextTurn();
  t.is(network.stats().deliveredMessages, 0);
});

test('start twice rejects; an address can be attached only once', async (t) => {
  const { network, get } = await cluster(t, ['a']);
  await t.throwsAsync(() => get('a').transport.start(() => {}));
  const twin = new InMemoryTransport(network, { id: 'a2', address: 'a' });
  await t.throwsAsync(() => twin.start(() => {}), { message: /already in use/ });
});
