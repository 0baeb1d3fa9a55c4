import { createServer, type Socket } from 'node:net';

import * as grpc from '@grpc/grpc-js';
import test, { type ExecutionContext } from 'ava';

import { makeMessage, type NodeId } from '../../agent/src/raft/types.js';
import { GrpcTransport } from '../../agent/src/transport/grpc-transport.js';
import type { GrpcTransportOptions } from '../../agent/src/transport/grpc-transport-options.js';
import { CodecError } from '../../agent/src/transport/message-codec.js';
import { loadRaftProto } from '../../agent/src/transport/raft-proto.js';
import { msg, range, Recorder, snapshotMsg, waitFor } from './helpers.js';

// Every transport here listens on 127.0.0.1 port 0 and talks only to 127.0.0.1.

const CLUSTER = 'test-cluster';

type Extra = Partial<Omit<GrpcTransportOptions, 'id'>>;

/** A started transport with a recorder, closed when the test ends. */
async function node(t: ExecutionContext, id: NodeId, extra: Extra = {}) {
  const transport = new GrpcTransport({
    id,
    clusterId: CLUSTER,
    listenAddress: '127.0.0.1:0',
    backoffMsMin: 10,
    backoffMsMax: 100,
    ...extra,
  });
  t.teardown(() => transport.close());
  const recorder = new Recorder();
  await transport.start(recorder.handler);
  return { transport, recorder };
}

/** Make every node a peer of every other. */
function mesh(nodes: { transport: GrpcTransport }[]): void {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) a.transport.setPeer(b.transport.id, b.transport.address);
    }
  }
}

/** Record every unreachable report of `transport`. */
function unreachableLog(transport: GrpcTransport): NodeId[] {
  const log: NodeId[] = [];
  transport.onUnreachable((peer) => log.push(peer));
  return log;
}

test('binds port 0 and reports the real address', async (t) => {
  const { transport } = await node(t, 'a');
  t.true(transport.port > 0);
  t.is(transport.address, `127.0.0.1:${transport.port}`);
  t.is(transport.stats().address, transport.address);
});

test('three nodes exchange messages, each sender order preserved', async (t) => {
  const nodes = await Promise.all(['a', 'b', 'c'].map((id) => node(t, id)));
  mesh(nodes);
  const perPeer = 60;
  // Ten send() calls per node, interleaved across nodes with a turn of the event loop between.
  for (let round = 0; round < 10; round += 1) {
    for (const { transport } of nodes) {
      const batch = [];
      for (const other of nodes) {
        if (other.transport === transport) continue;
        for (let k = 1; k <= perPeer / 10; k += 1) {
          batch.push(msg(transport.id, other.transport.id, round * (perPeer / 10) + k));
        }
      }
      transport.send(batch);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor('all messages', () =>
    nodes.every((n) => n.recorder.messages.length === 2 * perPeer),
  );
  for (const receiver of nodes) {
    for (const sender of nodes) {
      if (sender === receiver) continue;
      t.deepEqual(receiver.recorder.indexesFrom(sender.transport.id), range(1, perPeer));
    }
    t.true(receiver.recorder.messages.every((m) => m.to === receiver.transport.id));
  }
});

test('messages queued together travel as one batch', async (t) => {
  const [a, b] = await Promise.all([node(t, 'a'), node(t, 'b')]);
  mesh([a, b]);
  a.transport.send(range(1, 50).map((i) => msg('a', 'b', i)));
  await waitFor('50 messages', () => b.recorder.messages.length === 50);
  t.deepEqual(b.recorder.indexesFrom('a'), range(1, 50));
  t.true(b.recorder.batches.length < 50, `${b.recorder.batches.length} batches`);
  t.is(a.transport.stats().peers['b']!.sentMessages, 50);
});

test('batches respect batchMessagesMax', async (t) => {
  const a = await node(t, 'a', { batchMessagesMax: 8 });
  const b = await node(t, 'b');
  mesh([a, b]);
  a.transport.send(range(1, 20).map((i) => msg('a', 'b', i)));
  await waitFor('20 messages', () => b.recorder.messages.length === 20);
  t.deepEqual(b.recorder.indexesFrom('a'), range(1, 20));
  t.true(b.recorder.batches.every((batch) => batch.length <= 8));
  t.true(b.recorder.batches.length >= 3);
});

test('the per-peer queue bound in messages is respected: excess dropped and counted', async (t) => {
  const a = await node(t, 'a', { queueMessagesMax: 10 });
  const b = await node(t, 'b');
  mesh([a, b]);
  a.transport.send(range(1, 25).map((i) => msg('a', 'b', i)));
  const stats = a.transport.stats().peers['b']!;
  t.is(stats.queuedMessages, 10);
  t.is(stats.droppedQueueFull, 15);
  await waitFor('10 messages', () => b.recorder.messages.length === 10);
  t.deepEqual(b.recorder.indexesFrom('a'), range(1, 10), 'the oldest are kept, in order');
  // Once drained, the queue accepts again.
  a.transport.send([msg('a', 'b', 26)]);
  await waitFor('message 26', () => b.recorder.messages.length === 11);
  t.is(a.transport.stats().peers['b']!.droppedQueueFull, 15);
});

test('the per-peer queue bound in bytes is respected', async (t) => {
  const limits = { messageBytesMax: 4096, batchBytesMax: 4096, queueBytesMax: 4096 };
  const a = await node(t, 'a', limits);
  const b = await node(t, 'b', limits);
  mesh([a, b]);
  const big = (i: number) =>
    makeMessage({
      type: 'MsgApp',
      from: 'a',
      to: 'b',
      index: i,
      entries: [{ term: 1, index: i, type: 'normal', data: new Uint8Array(1000) }],
    });
  a.transport.send(range(1, 10).map(big));
  const stats = a.transport.stats().peers['b']!;
  t.true(stats.queuedBytes <= 4096);
  t.true(stats.droppedQueueFull >= 6);
  const kept = stats.queuedMessages;
  await waitFor('the kept messages', () => b.recorder.messages.length === kept);
  t.deepEqual(b.recorder.indexesFrom('a'), range(1, kept));
});

test('a message larger than messageBytesMax is dropped and its snapshot reported failed', async (t) => {
  const a = await node(t, 'a', { messageBytesMax: 4096, batchBytesMax: 4096 });
  const b = await node(t, 'b');
  mesh([a, b]);
  const statuses: [NodeId, boolean][] = [];
  a.transport.onSnapshotStatus((peer, ok) => statuses.push([peer, ok]));
  a.transport.send([snapshotMsg('a', 'b', 5000), msg('a', 'b', 1)]);
  t.is(a.transport.stats().peers['b']!.droppedOversize, 1);
  await waitFor('the small message', () => b.recorder.messages.length === 1);
  t.deepEqual(statuses, [['b', false]]);
});

test('a snapshot of several MiB is delivered intact and reported sent', async (t) => {
  const [a, b] = await Promise.all([node(t, 'a'), node(t, 'b')]);
  mesh([a, b]);
  const statuses: [NodeId, boolean][] = [];
  a.transport.onSnapshotStatus((peer, ok) => statuses.push([peer, ok]));
  const snap = snapshotMsg('a', 'b', 6 * 1024 * 1024);
  a.transport.send([snap, msg('a', 'b', 1, 'MsgHeartbeat')]);
  await waitFor('snapshot and heartbeat', () => b.recorder.messages.length === 2);
  const got = b.recorder.messages[0]!;
  // Compare the bytes natively: a structural deep-equal of 6 MiB takes ava seconds.
  t.true(Buffer.from(got.snapshot!.data).equals(snap.snapshot!.data));
  const empty = new Uint8Array(0);
  t.deepEqual(
    { ...got, snapshot: { ...got.snapshot!, data: empty } },
    { ...snap, snapshot: { ...snap.snapshot!, data: empty } },
  );
  t.is(b.recorder.messages[1]!.type, 'MsgHeartbeat');
  await waitFor('snapshot status', () => statuses.length === 1);
  t.deepEqual(statuses, [['b', true]]);
});

test('an unknown peer is dropped and counted, never thrown', async (t) => {
  const a = await node(t, 'a');
  t.notThrows(() => a.transport.send([msg('a', 'nobody', 1)]));
  t.is(a.transport.stats().droppedNoPeer, 1);
});

test('a local-only message throws before anything of the call is queued', async (t) => {
  const [a, b] = await Promise.all([node(t, 'a'), node(t, 'b')]);
  mesh([a, b]);
  t.throws(() => a.transport.send([msg('a', 'b', 1), msg('a', 'b', 2, 'MsgHup')]), {
    instanceOf: CodecError,
  });
  t.is(a.transport.stats().peers['b']!.queuedMessages, 0);
  t.is(a.transport.stats().peers['b']!.state, 'idle');
});

test('a peer that is not listening is reported unreachable', async (t) => {
  const gone = await node(t, 'gone');
  const address = gone.transport.address;
  await gone.transport.close();
  const a = await node(t, 'a', { peers: { gone: address } });
  const unreachable = unreachableLog(a.transport);
  a.transport.send([msg('a', 'gone', 1)]);
  await waitFor('unreachable report', () => unreachable.length > 0);
  t.deepEqual(unreachable.slice(0, 1), ['gone']);
  const stats = a.transport.stats().peers['gone']!;
  t.true(stats.failures >= 1);
  t.regex(stats.lastError ?? '', /UNAVAILABLE/);
});

test('an address gRPC cannot parse fails like an unreachable peer, not in send()', async (t) => {
  const a = await node(t, 'a', { peers: { nowhere: '' } });
  const unreachable = unreachableLog(a.transport);
  t.notThrows(() => a.transport.send([msg('a', 'nowhere', 1)]));
  await waitFor('unreachable report', () => unreachable.includes('nowhere'));
  t.regex(a.transport.stats().peers['nowhere']!.lastError ?? '', /INVALID_ARGUMENT: cannot dial/);
});

test('a peer that accepts TCP but never answers is failed after connectTimeoutMs', async (t) => {
  // A black hole: takes the connection, says nothing (no HTTP/2 settings, no headers).
  const sockets = new Set<Socket>();
  const hole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    hole.close();
  });
  const port = await new Promise<number>((resolve) => {
    hole.listen(0, '127.0.0.1', () => resolve((hole.address() as { port: number }).port));
  });
  const a = await node(t, 'a', { connectTimeoutMs: 100, peers: { hole: `127.0.0.1:${port}` } });
  const unreachable = unreachableLog(a.transport);
  a.transport.send([msg('a', 'hole', 1)]);
  await waitFor('unreachable report', () => unreachable.includes('hole'));
  const stats = a.transport.stats().peers['hole']!;
  t.regex(stats.lastError ?? '', /DEADLINE_EXCEEDED: stream not accepted in time/);
  t.is(stats.droppedOnFailure, 1);
});

test('peer down: unreachable reported; restarted on the same port: delivery resumes', async (t) => {
  const a = await node(t, 'a');
  let b = await node(t, 'b');
  mesh([a, b]);
  const unreachable = unreachableLog(a.transport);
  a.transport.send([msg('a', 'b', 1)]);
  await waitFor('first message', () => b.recorder.messages.length === 1);

  const port = b.transport.port;
  await b.transport.close();
  await waitFor('unreachable report', () => unreachable.includes('b'));

  b = await node(t, 'b', { listenAddress: `127.0.0.1:${port}` });
  // Like Raft's heartbeats: keep sending until one gets through (dropped while backing off).
  let next = 2;
  await waitFor(
    'delivery after restart',
    () => {
      if (b.recorder.messages.length > 0) return true;
      a.transport.send([msg('a', 'b', next)]);
      next += 1;
      return false;
    },
    { intervalMs: 20 },
  );
  const first = b.recorder.messages[0]!.index;
  a.transport.send(range(next, next + 9).map((i) => msg('a', 'b', i)));
  await waitFor('ten more', () => b.recorder.indexesFrom('a').includes(next + 9));
  const got = b.recorder.indexesFrom('a');
  t.deepEqual(
    got,
    [...got].sort((x, y) => x - y),
    'order preserved across the reconnect',
  );
  t.true(got.includes(first));
  t.deepEqual(got.slice(-10), range(next, next + 9));
});

test('setPeer replaces an address at run time and removes a peer', async (t) => {
  const a = await node(t, 'a');
  const b1 = await node(t, 'b');
  mesh([a, b1]);
  a.transport.send([msg('a', 'b', 1)]);
  await waitFor('first message', () => b1.recorder.messages.length === 1);
  // "b" moves to a new address (a new port).
  const b2 = await node(t, 'b');
  a.transport.setPeer('b', b2.transport.address);
  a.transport.send([msg('a', 'b', 2)]);
  await waitFor('message at new address', () => b2.recorder.messages.length === 1);
  t.is(b1.recorder.messages.length, 1);
  t.is(a.transport.stats().peers['b']!.address, b2.transport.address);
  a.transport.setPeer('b', null);
  t.false('b' in a.transport.stats().peers);
  a.transport.send([msg('a', 'b', 3)]);
  t.is(a.transport.stats().droppedNoPeer, 1);
});

test('a transport of another cluster is refused and reported unreachable', async (t) => {
  const a = await node(t, 'a');
  const b = await node(t, 'b', { clusterId: 'other-cluster' });
  mesh([a, b]);
  const unreachable = unreachableLog(a.transport);
  a.transport.send([msg('a', 'b', 1)]);
  await waitFor('unreachable report', () => unreachable.includes('b'));
  t.is(b.recorder.messages.length, 0);
  t.regex(a.transport.stats().peers['b']!.lastError ?? '', /FAILED_PRECONDITION: wrong cluster/);
  t.is(b.transport.stats().refusedStreams, 1);
});

/** Open a raw stream to `address`, write `batch`, and return the status it ends with. */
async function rawStream(t: ExecutionContext, address: string, batch: object) {
  const { Client } = loadRaftProto();
  const client = new Client(address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  return new Promise<grpc.ServiceError | null>((resolve) => {
    const call = client.Stream((err) => resolve(err));
    call.write(batch);
  });
}

test('a batch with the wrong cluster id ends the stream with FAILED_PRECONDITION', async (t) => {
  const b = await node(t, 'b');
  const err = await rawStream(t, b.transport.address, {
    from: 'intruder',
    clusterId: 'elsewhere',
    messages: [{ type: 'MSG_APP', from: 'intruder', to: 'b' }],
  });
  t.is(err?.code, grpc.status.FAILED_PRECONDITION);
  t.regex(err?.details ?? '', /wrong cluster.*"test-cluster".*"elsewhere"/);
  t.is(b.recorder.messages.length, 0);
});

test('a malformed batch ends the stream with INVALID_ARGUMENT', async (t) => {
  const b = await node(t, 'b');
  const err = await rawStream(t, b.transport.address, {
    from: 'x',
    clusterId: CLUSTER,
    messages: [{ from: 'x', to: 'b' }], // no type
  });
  t.is(err?.code, grpc.status.INVALID_ARGUMENT);
  t.regex(err?.details ?? '', /malformed batch/);
  t.is(b.recorder.messages.length, 0);
});

test('messages addressed to another node are dropped by the receiver', async (t) => {
  const [a, b] = await Promise.all([node(t, 'a'), node(t, 'b')]);
  mesh([a, b]);
  a.transport.setPeer('c', b.transport.address); // a stale address: "c" now answers as "b"
  a.transport.send([msg('a', 'c', 1), msg('a', 'b', 2)]);
  await waitFor('message to b', () => b.recorder.messages.length === 1);
  await waitFor('misaddressed count', () => b.transport.stats().droppedMisaddressed === 1);
  t.deepEqual(b.recorder.indexesFrom('a'), [2]);
});

test('a throwing handler loses its batch but not the stream', async (t) => {
  const a = await node(t, 'a');
  const received: number[] = [];
  const b = new GrpcTransport({ id: 'b', clusterId: CLUSTER, listenAddress: '127.0.0.1:0' });
  t.teardown(() => b.close());
  await b.start((messages) => {
    if (messages.some((m) => m.index === 1)) throw new Error('driver bug');
    received.push(...messages.map((m) => m.index));
  });
  a.transport.setPeer('b', b.address);
  a.transport.send([msg('a', 'b', 1)]);
  await waitFor('handler error', () => b.stats().handlerErrors === 1);
  a.transport.send([msg('a', 'b', 2)]);
  await waitFor('second message', () => received.length === 1);
  t.deepEqual(received, [2]);
  t.is(a.transport.stats().peers['b']!.failures, 0);
});

test('close is idempotent, stops delivery, and start after close rejects', async (t) => {
  const [a, b] = await Promise.all([node(t, 'a'), node(t, 'b')]);
  mesh([a, b]);
  await Promise.all([a.transport.close(), a.transport.close()]);
  t.notThrows(() => a.transport.send([msg('a', 'b', 1)]));
  await t.throwsAsync(() => a.transport.start(() => {}));
  t.deepEqual(a.transport.stats().peers, {});
});

test('listening on a taken port rejects with the address in the message', async (t) => {
  const a = await node(t, 'a');
  const clash = new GrpcTransport({
    id: 'x',
    clusterId: CLUSTER,
    listenAddress: a.transport.address,
  });
  t.teardown(() => clash.close());
  await t.throwsAsync(() => clash.start(() => {}), { message: /cannot listen on 127\.0\.0\.1/ });
});

test('invalid limits are refused at construction', (t) => {
  const base = { id: 'a', clusterId: CLUSTER, listenAddress: '127.0.0.1:0' };
  t.throws(() => new GrpcTransport({ ...base, queueMessagesMax: 0 }), { instanceOf: RangeError });
  t.throws(() => new GrpcTransport({ ...base, backoffMsMin: 50, backoffMsMax: 10 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new GrpcTransport({ ...base, messageBytesMax: 1024, queueBytesMax: 512 }), {
    instanceOf: RangeError,
  });
  t.throws(() => new GrpcTransport({ ...base, clusterId: '' }), { instanceOf: RangeError });
});
