import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EMPTY_HARD_STATE } from '../../../agent/src/raft/config.js';
import { DiskStorage } from '../../../agent/src/raft/storage/disk-storage.js';
import { StorageError } from '../../../agent/src/raft/storage/storage-error.js';
import {
  entries,
  entry,
  hardState,
  segmentNames,
  snapshot,
  snapshotNames,
  tempDir,
} from './storage-fixtures.js';

/** Close `storage`, open `dir` again and return the new storage (closed at teardown). */
function reopen(
  t: { teardown(fn: () => void): void },
  storage: DiskStorage,
  dir: string,
  segmentSizeBytes?: number,
): DiskStorage {
  storage.close();
  const again = DiskStorage.open(dir, segmentSizeBytes ? { segmentSizeBytes } : {});
  t.teardown(() => again.close());
  return again;
}

function openNew(t: { teardown(fn: () => void): void }, dir: string, segmentSizeBytes?: number) {
  const storage = DiskStorage.open(dir, segmentSizeBytes ? { segmentSizeBytes } : {});
  t.teardown(() => storage.close());
  return storage;
}

test('a new directory restores an empty state', (t) => {
  const dir = path.join(tempDir(t), 'nested', 'raft');
  const storage = openNew(t, dir);
  t.deepEqual(storage.restored(), { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [] });
  t.deepEqual(segmentNames(dir), ['wal-0000000000000001.log']);
});

test('hard state and entries round trip', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(hardState(1, 'n1', 0), entries(1, 3, 1), true);
  s.save(hardState(2, null, 2), [entry(4, 2)], false);
  s.save(null, [{ index: 5, term: 2, type: 'conf-change', data: new Uint8Array([1, 2, 3]) }], true);
  const restored = reopen(t, s, dir).restored();
  t.deepEqual(restored.hardState, hardState(2, null, 2));
  t.is(restored.snapshot, null);
  t.deepEqual(restored.entries, [
    ...entries(1, 3, 1),
    entry(4, 2),
    { index: 5, term: 2, type: 'conf-change', data: new Uint8Array([1, 2, 3]) },
  ]);
});

test('entries starting at or below the last index replace the stored suffix', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(hardState(1, 'n1', 0), entries(1, 5, 1), true);
  s.save(hardState(2, 'n2', 2), entries(3, 4, 2), true);
  t.deepEqual(reopen(t, s, dir).restored().entries, [...entries(1, 2, 1), ...entries(3, 4, 2)]);
});

test('entries leaving a gap are refused and nothing is written', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(null, entries(1, 2, 1), true);
  const error = t.throws(() => s.save(hardState(5, 'n1', 0), entries(4, 5, 1), true), {
    instanceOf: StorageError,
  });
  t.is(error?.code, 'index-gap');
  s.save(null, [entry(3, 1)], true);
  const restored = reopen(t, s, dir).restored();
  t.deepEqual(restored.entries, entries(1, 3, 1));
  t.deepEqual(restored.hardState, EMPTY_HARD_STATE);
});

test('malformed input is refused with invalid-argument', (t) => {
  const s = openNew(t, tempDir(t));
  const bad = [entry(1, 1), entry(3, 1)];
  t.is(
    t.throws(() => s.save(null, bad, true), { instanceOf: StorageError })?.code,
    'invalid-argument',
  );
  t.is(
    t.throws(() => s.save(hardState(-1, null, 0), [], true), { instanceOf: StorageError })?.code,
    'invalid-argument',
  );
});

test('a local snapshot keeps the log after it; a leader snapshot replaces the log', (t) => {
  const dir = tempDir(t);
  let s = openNew(t, dir);
  s.save(hardState(2, 'n1', 6), [...entries(1, 4, 1), ...entries(5, 8, 2)], true);
  s.saveSnapshot(snapshot(6, 2), true);
  s = reopen(t, s, dir);
  t.deepEqual(s.restored().snapshot, snapshot(6, 2));
  t.deepEqual(s.restored().entries, entries(7, 8, 2));

  s.saveSnapshot(snapshot(7, 2), false);
  s = reopen(t, s, dir);
  t.deepEqual(s.restored().snapshot, snapshot(7, 2));
  t.deepEqual(s.restored().entries, []);
  t.deepEqual(s.restored().hardState, hardState(2, 'n1', 6));
});

test('a local snapshot whose term does not match the log drops the log', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(null, entries(1, 5, 1), true);
  s.saveSnapshot(snapshot(3, 2), true);
  t.deepEqual(reopen(t, s, dir).restored().entries, []);
});

test('a snapshot beyond the log, then entries after it', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(null, entries(1, 2, 1), true);
  s.saveSnapshot(snapshot(10, 3), false);
  s.save(null, entries(11, 12, 3), true);
  // Entries at or below the snapshot are ignored; a gap after it is refused.
  s.save(null, entries(9, 10, 3), true);
  t.is(
    t.throws(() => s.save(null, [entry(14, 3)], true), { instanceOf: StorageError })?.code,
    'index-gap',
  );
  const restored = reopen(t, s, dir).restored();
  t.deepEqual(restored.snapshot, snapshot(10, 3));
  t.deepEqual(restored.entries, entries(11, 12, 3));
});

test('a snapshot not newer than the stored one is refused', (t) => {
  const s = openNew(t, tempDir(t));
  s.save(null, entries(1, 5, 1), true);
  s.saveSnapshot(snapshot(4, 1), true);
  for (const index of [4, 3]) {
    const error = t.throws(() => s.saveSnapshot(snapshot(index, 1), true), {
      instanceOf: StorageError,
    });
    t.is(error?.code, 'snapshot-out-of-date');
  }
});

test('the bootstrap snapshot is a snapshot like any other', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  const boot = {
    metadata: { index: 1, term: 1, confState: { voters: ['a', 'b'], learners: [] } },
    data: new Uint8Array(0),
  };
  s.saveSnapshot(boot, false);
  s.save(hardState(1, null, 1), [entry(2, 1)], true);
  const restored = reopen(t, s, dir).restored();
  t.deepEqual(restored.snapshot, boot);
  t.deepEqual(restored.entries, [entry(2, 1)]);
});

test('segments rotate at the size limit and recovery reads across them', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir, 256);
  for (let i = 1; i <= 40; i++) s.save(hardState(1, 'n1', i - 1), [entry(i, 1)], i % 7 === 0);
  t.true(segmentNames(dir).length > 5);
  for (const name of segmentNames(dir).slice(0, -1)) {
    // A segment is cut once it reaches the limit, so sealed ones overshoot by one write only.
    const size = fs.statSync(path.join(dir, name)).size;
    t.true(size >= 256 && size < 256 + 100, `${name}: ${size} bytes`);
  }
  const restored = reopen(t, s, dir, 256).restored();
  t.deepEqual(restored.entries, entries(1, 40, 1));
  t.deepEqual(restored.hardState, hardState(1, 'n1', 39));
});

test('snapshots delete covered segments and keep the previous snapshot', (t) => {
  const dir = tempDir(t);
  let s = openNew(t, dir, 200);
  s.save(hardState(3, 'n2', 0), [], true);
  for (let i = 1; i <= 60; i++) s.save(null, [entry(i, 3)], false);
  const segmentsBefore = segmentNames(dir).length;
  s.saveSnapshot(snapshot(20, 3), true);
  // With one snapshot there is nothing to fall back on: segments covered by it go at once.
  const afterFirst = segmentNames(dir);
  t.true(afterFirst.length < segmentsBefore, `${afterFirst.length} < ${segmentsBefore}`);
  t.not(afterFirst[0], 'wal-0000000000000001.log');
  // With two, the older one bounds deletion, so that recovery can fall back to it.
  s.saveSnapshot(snapshot(40, 3), true);
  t.deepEqual(segmentNames(dir), afterFirst);
  s.saveSnapshot(snapshot(50, 3), true);
  t.deepEqual(snapshotNames(dir), [
    'snap-0000000000000028-0000000000000003.snap',
    'snap-0000000000000032-0000000000000003.snap',
  ]);
  t.true(segmentNames(dir).length < afterFirst.length);
  s.save(hardState(3, 'n2', 55), [entry(61, 3)], true);
  s = reopen(t, s, dir, 200);
  const restored = s.restored();
  // The hard state written into segment 1 survives its deletion (copied at each rotation).
  t.deepEqual(restored.hardState, hardState(3, 'n2', 55));
  t.deepEqual(restored.snapshot, snapshot(50, 3));
  t.deepEqual(restored.entries, entries(51, 61, 3));
});

test('after a leader snapshot the discarded log never comes back', (t) => {
  const dir = tempDir(t);
  let s = openNew(t, dir, 150);
  s.save(null, entries(1, 30, 1), true);
  s.saveSnapshot(snapshot(10, 1), true);
  s.saveSnapshot(snapshot(20, 4), false);
  s.save(null, entries(21, 22, 4), true);
  s = reopen(t, s, dir, 150);
  t.deepEqual(s.restored().entries, entries(21, 22, 4));
  s.saveSnapshot(snapshot(21, 4), true);
  s = reopen(t, s, dir, 150);
  t.deepEqual(s.restored().snapshot, snapshot(21, 4));
  t.deepEqual(s.restored().entries, entries(22, 22, 4));
});

test('an overwrite that lies wholly below a later snapshot still cut the log at the time', (t) => {
  // Found by the model test: entries 6..7 replaced 6..9, then a snapshot at 7 and small
  // segments deleted the older records; replay must not bring 8..9 back.
  const dir = tempDir(t);
  const s = openNew(t, dir, 60);
  s.save(null, entries(1, 4, 1), false);
  s.save(null, entries(5, 9, 1), false);
  s.save(null, entries(6, 7, 1), false);
  s.saveSnapshot(snapshot(7, 1), true);
  const restored = reopen(t, s, dir, 60).restored();
  t.deepEqual(restored.snapshot, snapshot(7, 1));
  t.deepEqual(restored.entries, []);
});

test('close is idempotent and later calls throw closed', (t) => {
  const s = DiskStorage.open(tempDir(t));
  s.close();
  s.close();
  t.is(t.throws(() => s.save(null, [], true), { instanceOf: StorageError })?.code, 'closed');
  t.is(
    t.throws(() => s.saveSnapshot(snapshot(1, 1), false), { instanceOf: StorageError })?.code,
    'closed',
  );
});

test('unsynced writes are flushed by close', (t) => {
  const dir = tempDir(t);
  const s = openNew(t, dir);
  s.save(hardState(1, null, 0), entries(1, 3, 1), false);
  t.deepEqual(reopen(t, s, dir).restored().entries, entries(1, 3, 1));
});

test('an invalid segment size is refused', (t) => {
  const error = t.throws(() => DiskStorage.open(tempDir(t), { segmentSizeBytes: 0 }), {
    instanceOf: StorageError,
  });
  t.is(error?.code, 'invalid-argument');
});
