import test from 'ava';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Entry, HardState } from '../../../agent/src/raft/types.js';
import { ByteReader, ByteWriter } from '../../../agent/src/raft/storage/byte-codec.js';
import {
  parseSnapshotFileName,
  readSnapshotFile,
  snapshotFileName,
  writeSnapshotFile,
} from '../../../agent/src/raft/storage/snapshot-file.js';
import {
  decodeWalPayload,
  encodeEntriesRecords,
  encodeHardStateRecord,
  encodeSnapshotMarkerRecord,
  type WalRecord,
} from '../../../agent/src/raft/storage/wal-payload.js';
import { RECORD_HEADER_BYTES, scanRecords } from '../../../agent/src/raft/storage/wal-record.js';
import { tempDir } from './storage-fixtures.js';

test('varints round trip every safe integer', (t) => {
  fc.assert(
    fc.property(fc.array(fc.maxSafeNat()), (values) => {
      const w = new ByteWriter(1);
      for (const v of values) w.varint(v);
      const r = new ByteReader(w.finish());
      const back = values.map(() => r.varint());
      r.end();
      assert.deepEqual(back, values);
    }),
  );
  t.is(new ByteWriter().varint(127).size, 1);
  t.is(new ByteWriter().varint(128).size, 2);
  t.is(new ByteWriter().varint(Number.MAX_SAFE_INTEGER).size, 8);
});

const entriesArb: fc.Arbitrary<Entry[]> = fc
  .tuple(
    fc.integer({ min: 1, max: 2 ** 40 }),
    fc.array(
      fc.record({
        term: fc.maxSafeNat(),
        type: fc.constantFrom('normal' as const, 'conf-change' as const),
        data: fc.uint8Array({ maxLength: 40 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  )
  .map(([first, es]) => es.map((e, i) => ({ ...e, index: first + i })));

const hardStateArb: fc.Arbitrary<HardState> = fc
  .record({
    term: fc.maxSafeNat(),
    vote: fc.option(fc.string({ unit: 'grapheme' }), { nil: null }),
    commit: fc.maxSafeNat(),
  })
  .map((hs) => ({ ...hs })); // fc.record may build null-prototype objects

test('records round trip through framing and payload codecs', (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          entriesArb.map((entries): WalRecord => ({ kind: 'entries', entries })),
          hardStateArb.map((hardState): WalRecord => ({ kind: 'hard-state', hardState })),
          fc
            .record({ index: fc.maxSafeNat(), term: fc.maxSafeNat(), keptLog: fc.boolean() })
            .map((m): WalRecord => ({ kind: 'snapshot-marker', ...m })),
        ),
      ),
      (records) => {
        const framed = records.map((r) => {
          if (r.kind === 'entries') return encodeEntriesRecords(r.entries)[0]!;
          if (r.kind === 'hard-state') return encodeHardStateRecord(r.hardState);
          return encodeSnapshotMarkerRecord(r.index, r.term, r.keptLog);
        });
        const scan = scanRecords(Buffer.concat(framed), 0, 'test', false);
        const back = scan.records.map((raw) => decodeWalPayload(raw.type, raw.payload));
        assert.deepEqual(back, records);
        assert.equal(scan.torn, false);
      },
    ),
  );
  t.pass();
});

test('a compact encoding: a small entry costs a few bytes beyond its data', (t) => {
  const [record] = encodeEntriesRecords([
    { index: 1000, term: 7, type: 'normal', data: new Uint8Array(10) },
  ]);
  // header + firstIndex(2) + count(1) + term(1) + type(1) + length(1) + data
  t.is(record!.length, RECORD_HEADER_BYTES + 2 + 1 + 1 + 1 + 1 + 10);
});

test('snapshot files round trip and are named by index and term', (t) => {
  const dir = tempDir(t);
  fc.assert(
    fc.property(
      fc.record({
        index: fc.maxSafeNat(),
        term: fc.maxSafeNat(),
        voters: fc.array(fc.string()),
        learners: fc.array(fc.string()),
        data: fc.uint8Array({ maxLength: 200 }),
      }),
      ({ index, term, voters, learners, data }) => {
        const snap = { metadata: { index, term, confState: { voters, learners } }, data };
        const name = writeSnapshotFile(dir, snap);
        assert.equal(name, snapshotFileName(index, term));
        const id = parseSnapshotFileName(name)!;
        assert.deepEqual(readSnapshotFile(path.join(dir, name), id), snap);
        fs.unlinkSync(path.join(dir, name));
      },
    ),
    { numRuns: 50 },
  );
  t.pass();
});
