import { deepStrictEqual, ok } from 'node:assert/strict';

import test from 'ava';
import fc from 'fast-check';

import {
  MESSAGE_TYPES,
  makeMessage,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from '../../agent/src/raft/types.js';
import {
  CodecError,
  decodeMessage,
  encodeMessage,
} from '../../agent/src/transport/message-codec.js';
import {
  batchOverheadBoundBytes,
  messageSizeBoundBytes,
} from '../../agent/src/transport/message-size.js';
import { loadRaftProto } from '../../agent/src/transport/raft-proto.js';
import { encodeSendable, LOCAL_MESSAGE_TYPES } from '../../agent/src/transport/sendable.js';

const proto = loadRaftProto();

/** Encode, serialise to protobuf bytes as a stream write would, parse, decode. */
function roundTrip(messages: Message[]): Message[] {
  const bytes = proto.serializeBatch({
    messages: messages.map(encodeMessage),
    from: 'n1',
    clusterId: 'c1',
  });
  return proto.deserializeBatch(bytes).messages.map(decodeMessage);
}

/** Plain objects, like the codec's output (fast-check's default is a null prototype). */
const plain = { noNullPrototype: true } as const;
const index = fc.maxSafeNat();
const nodeId = fc.string({ unit: 'binary', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 48 });

const entry: fc.Arbitrary<Entry> = fc.record(
  {
    term: index,
    index,
    type: fc.constantFrom('normal' as const, 'conf-change' as const),
    data: bytes,
  },
  plain,
);

const confState: fc.Arbitrary<ConfState> = fc.record(
  {
    voters: fc.array(nodeId, { maxLength: 5 }),
    learners: fc.array(nodeId, { maxLength: 3 }),
  },
  plain,
);

const snapshot: fc.Arbitrary<Snapshot> = fc.record(
  {
    metadata: fc.record({ index, term: index, confState }, plain),
    data: bytes,
  },
  plain,
);

const message: fc.Arbitrary<Message> = fc.record(
  {
    type: fc.constantFrom(...MESSAGE_TYPES),
    from: nodeId,
    to: nodeId,
    term: index,
    logTerm: index,
    index,
    entries: fc.array(entry, { maxLength: 4 }),
    commit: index,
    reject: fc.boolean(),
    rejectHint: index,
    snapshot: fc.option(snapshot, { nil: null }),
    context: fc.string({ unit: 'binary', maxLength: 20 }),
  },
  plain,
);

// Properties assert with node:assert (which throws) so fast-check can shrink a failure.
test('every field survives encode, protobuf bytes and decode (property)', (t) => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
      deepStrictEqual(roundTrip(messages), messages);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('the size bound is never below the real encoded size (property)', (t) => {
  fc.assert(
    fc.property(message, nodeId, nodeId, (m, from, clusterId) => {
      const actual = proto.serializeBatch({ messages: [encodeMessage(m)], from, clusterId }).length;
      const bound = messageSizeBoundBytes(m) + batchOverheadBoundBytes(from, clusterId);
      ok(actual <= bound, `encoded ${actual} bytes, bound ${bound}`);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('edge values round trip: 2^53 - 1, empty snapshot, empty data, every type', (t) => {
  const big = Number.MAX_SAFE_INTEGER;
  const messages: Message[] = MESSAGE_TYPES.map((type) =>
    makeMessage({ type, term: big, index: big, commit: big, logTerm: big, rejectHint: big }),
  );
  messages.push(
    makeMessage({
      type: 'MsgSnap',
      snapshot: {
        metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
        data: new Uint8Array(0),
      },
    }),
  );
  const back = roundTrip(messages);
  t.deepEqual(back, messages);
  t.not(back.at(-1)!.snapshot, null, 'an all-zero snapshot stays present, not null');
});

test('decoded bytes are plain Uint8Arrays, not Buffers', (t) => {
  const m = makeMessage({
    type: 'MsgApp',
    entries: [{ term: 1, index: 1, type: 'normal', data: Uint8Array.of(1, 2, 3) }],
  });
  const [back] = roundTrip([m]);
  t.is(Object.getPrototypeOf(back!.entries[0]!.data), Uint8Array.prototype);
});

test('encode refuses numbers that would not survive and strings UTF-8 cannot carry', (t) => {
  const bad: Partial<Message>[] = [
    { term: 2 ** 53 },
    { index: -1 },
    { commit: 1.5 },
    { rejectHint: Number.NaN },
    { from: 'a\uD800b' },
    { context: '\uDC00' },
  ];
  for (const fields of bad) {
    t.throws(() => encodeMessage(makeMessage({ type: 'MsgApp', ...fields })), {
      instanceOf: CodecError,
    });
  }
  t.throws(() => encodeMessage(makeMessage({ type: 'MsgBogus' as Message['type'] })), {
    instanceOf: CodecError,
  });
});

test('decode refuses a missing type and integers at or above 2^53', (t) => {
  const noType = proto.deserializeBatch(
    proto.serializeBatch({ messages: [{ from: 'a', to: 'b' }], from: 'a', clusterId: 'c' }),
  );
  t.throws(() => decodeMessage(noType.messages[0]!), { instanceOf: CodecError });
  const huge = proto.deserializeBatch(
    proto.serializeBatch({
      messages: [{ type: 'MSG_APP', term: '9007199254740993' }],
      from: 'a',
      clusterId: 'c',
    }),
  );
  t.throws(() => decodeMessage(huge.messages[0]!), { instanceOf: CodecError, message: /2\^53/ });
});

test('local-only message types are refused for sending, wire ones accepted', (t) => {
  for (const type of MESSAGE_TYPES) {
    const m = makeMessage({ type, from: 'a', to: 'b' });
    if (LOCAL_MESSAGE_TYPES.has(type)) {
      t.throws(() => encodeSendable(m), { instanceOf: CodecError });
    } else {
      t.notThrows(() => encodeSendable(m));
    }
  }
});
