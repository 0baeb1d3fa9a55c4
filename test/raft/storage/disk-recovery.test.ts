import test, { type ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { RestoredState } from '../../../agent/src/raft/config.js';
import { DiskStorage } from '../../../agent/src/raft/storage/disk-storage.js';
import { encodeSegmentHeader } from '../../../agent/src/raft/storage/segment-file.js';
import { writeSnapshotFile } from '../../../agent/src/raft/storage/snapshot-file.js';
import { StorageError } from '../../../agent/src/raft/storage/storage-error.js';
import { encodeEntriesRecords } from '../../../agent/src/raft/storage/wal-payload.js';
import { scanRecords } from '../../../agent/src/raft/storage/wal-record.js';
import {
  copyFiles,
  entries,
  entry,
  filesIn,
  flipByte,
  hardState,
  segmentNames,
  snapshot,
  snapshotNames,
  StorageModel,
  tempDir,
} from './storage-fixtures.js';

/** One write that appends exactly one WAL record, applied to the storage and the model. */
type Step = (s: DiskStorage, model: StorageModel) => void;

const save =
  (hs: ReturnType<typeof hardState> | null, es: ReturnType<typeof entries>, sync = true): Step =>
  (s, model) => {
    s.save(hs, es, sync);
    model.save(hs, es);
  };

const saveSnapshot =
  (snap: ReturnType<typeof snapshot>, keepLogAfter: boolean): Step =>
  (s, model) => {
    s.saveSnapshot(snap, keepLogAfter);
    model.saveSnapshot(snap, keepLogAfter);
  };

/** Eight writes covering every record kind, overwrites, and a snapshot of each origin. */
const STEPS: Step[] = [
  save(hardState(1, 'n1', 0), []),
  save(null, entries(1, 3, 1), false),
  save(hardState(2, 'n2', 1), []),
  save(null, entries(3, 5, 2)),
  saveSnapshot(snapshot(2, 1), true),
  save(null, entries(6, 7, 2), false),
  save(hardState(2, 'n2', 5), []),
  save(null, [entry(6, 3, 'overwritten')]),
  saveSnapshot(snapshot(6, 3), false),
  save(null, entries(7, 8, 3)),
];

/** Where each step's record ended: the segment it went to and that file's size after it. */
interface StepEnd {
  segment: string;
  endBytes: number;
}

/**
 * Run `steps` in a new directory `source`, returning the model's state before the first step
 * and after each, and where each step's record ended.
 */
function runSteps(source: string, steps: Step[], segmentSizeBytes: number) {
  const storage = DiskStorage.open(source, { segmentSizeBytes });
  const model = new StorageModel();
  const states: RestoredState[] = [model.restored()];
  const ends: StepEnd[] = [];
  for (const step of steps) {
    step(storage, model);
    states.push(model.clone().restored());
    const segment = segmentNames(source).at(-1)!;
    const endBytes = fs.statSync(path.join(source, segment)).size;
    const previous = ends.at(-1);
    if (previous?.segment === segment && previous.endBytes >= endBytes) {
      throw new Error(`step ${ends.length} wrote no record`);
    }
    ends.push({ segment, endBytes });
  }
  storage.close();
  return { states, ends };
}

/** Open a copy of `source` in `root/<label>`, damaged by `damage(dir)`; returns the dir. */
function damagedCopy(root: string, source: string, label: string, damage: (dir: string) => void) {
  const dir = path.join(root, label);
  fs.mkdirSync(dir);
  copyFiles(source, dir);
  damage(dir);
  return dir;
}

function restoredFrom(dir: string, segmentSizeBytes?: number): RestoredState {
  const s = DiskStorage.open(dir, segmentSizeBytes ? { segmentSizeBytes } : {});
  const restored = s.restored();
  s.close();
  return restored;
}

/**
 * The crash-at-every-byte check: for each length of the last segment, recovery must give the
 * state after exactly the steps whose record lies entirely before the cut, and the storage
 * must then accept and keep further writes.
 */
function crashAtEveryByte(t: ExecutionContext, segmentSizeBytes: number, steps: Step[]): void {
  const root = tempDir(t);
  const source = path.join(root, 'source');
  const { states, ends } = runSteps(source, steps, segmentSizeBytes);
  const last = segmentNames(source).at(-1)!;
  const fullBytes = fs.statSync(path.join(source, last)).size;
  let mismatches = 0;
  for (let cut = 0; cut <= fullBytes; cut++) {
    const dir = damagedCopy(root, source, `cut-${cut}`, (d) =>
      fs.truncateSync(path.join(d, last), cut),
    );
    const done = ends.filter((e) => e.segment < last || e.endBytes <= cut).length;
    const expected = states[done]!;
    const restored = restoredFrom(dir, segmentSizeBytes);
    if (!isDeepEqual(t, restored, expected, `cut at ${cut} of ${fullBytes} bytes`)) mismatches++;

    // The repaired WAL takes new writes and a second recovery sees them after the old ones.
    const base = expected.snapshot?.metadata.index ?? 0;
    const next = entry((expected.entries.at(-1)?.index ?? base) + 1, 9, 'after recovery');
    const s = DiskStorage.open(dir, { segmentSizeBytes });
    s.save(hardState(9, 'n9', 0), [next], true);
    s.close();
    const again = restoredFrom(dir, segmentSizeBytes);
    if (!isDeepEqual(t, again.entries, [...expected.entries, next], `write after cut ${cut}`)) {
      mismatches++;
    }
    fs.rmSync(dir, { recursive: true });
  }
  t.is(mismatches, 0);
  t.true(ends.filter((e) => e.segment === last).length >= 2, 'several records in the last segment');
}

/** Compare quietly (hundreds of cuts), reporting through ava only on a mismatch. */
function isDeepEqual(t: ExecutionContext, actual: unknown, expected: unknown, what: string) {
  const ok = isDeepStrictEqual(actual, expected);
  if (!ok) t.deepEqual(actual, expected, what);
  return ok;
}

test('crash at every byte of a single-segment WAL recovers exactly a prefix', (t) => {
  crashAtEveryByte(t, 1 << 20, STEPS);
});

test('crash at every byte of the last segment after rotations recovers exactly a prefix', (t) => {
  // Small segments: the steps spread over several files, and the cut may fall into the last
  // segment's header or into the hard-state copy it starts with.
  crashAtEveryByte(t, 120, [
    ...STEPS,
    save(null, entries(9, 10, 3)),
    save(hardState(3, null, 8), []),
    save(hardState(3, 'n3', 8), [], false),
    save(null, [entry(11, 3)]),
  ]);
});

/** Record start offsets in a segment file (its header counts as a record at 0). */
function recordStarts(file: string): number[] {
  const bytes = fs.readFileSync(file);
  const scan = scanRecords(bytes, 16, file, true);
  return [0, ...scan.records.map((r) => r.offsetBytes)];
}

test('a flipped byte anywhere before the final record is an error naming file and offset', (t) => {
  const root = tempDir(t);
  const source = path.join(root, 'source');
  runSteps(source, STEPS, 1 << 20);
  const name = segmentNames(source)[0]!;
  const starts = recordStarts(path.join(source, name));
  const finalStart = starts.at(-1)!;
  let checked = 0;
  for (let offset = 0; offset < finalStart; offset++) {
    const dir = damagedCopy(root, source, `flip-${offset}`, (d) =>
      flipByte(path.join(d, name), offset),
    );
    const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
    const recordStart = starts.filter((s) => s <= offset).at(-1)!;
    const expectedOffset = recordStart === 0 ? [0, 4] : [recordStart];
    if (
      !error?.message.includes(name) ||
      !expectedOffset.includes(error.offsetBytes ?? -1) ||
      !error.message.includes(`offset ${error.offsetBytes}`)
    ) {
      t.fail(`flip at ${offset}: ${error?.message}`);
    }
    fs.rmSync(dir, { recursive: true });
    checked++;
  }
  t.is(checked, finalStart);
});

test('a flipped byte in the final record checksum or payload is a torn tail', (t) => {
  const root = tempDir(t);
  const source = path.join(root, 'source');
  const { states } = runSteps(source, STEPS, 1 << 20);
  const name = segmentNames(source)[0]!;
  const file = path.join(source, name);
  const finalStart = recordStarts(file).at(-1)!;
  const size = fs.statSync(file).size;
  // Bytes 8.. of a record are its CRC and payload; 0..7 are covered by the header check.
  for (let offset = finalStart + 8; offset < size; offset++) {
    const dir = damagedCopy(root, source, `flip-${offset}`, (d) =>
      flipByte(path.join(d, name), offset),
    );
    t.deepEqual(restoredFrom(dir), states.at(-2), `flip at ${offset}`);
    t.is(fs.statSync(path.join(dir, name)).size, finalStart, 'torn record truncated away');
    fs.rmSync(dir, { recursive: true });
  }
});

test('a flipped byte in the final record header is an error, not a torn tail', (t) => {
  const root = tempDir(t);
  const source = path.join(root, 'source');
  runSteps(source, STEPS, 1 << 20);
  const name = segmentNames(source)[0]!;
  const finalStart = recordStarts(path.join(source, name)).at(-1)!;
  for (let offset = finalStart; offset < finalStart + 8; offset++) {
    const dir = damagedCopy(root, source, `flip-${offset}`, (d) =>
      flipByte(path.join(d, name), offset),
    );
    const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
    t.is(error?.code, 'corrupt-header');
    t.is(error?.offsetBytes, finalStart);
  }
});

test('damage to the final record of a sealed segment is an error', (t) => {
  const root = tempDir(t);
  const source = path.join(root, 'source');
  runSteps(source, STEPS, 120);
  const names = segmentNames(source);
  t.true(names.length >= 3);
  const sealed = names.at(-2)!;
  const size = fs.statSync(path.join(source, sealed)).size;
  const flipped = damagedCopy(root, source, 'flip', (d) =>
    flipByte(path.join(d, sealed), size - 1),
  );
  const error = t.throws(() => DiskStorage.open(flipped), { instanceOf: StorageError });
  t.is(error?.code, 'corrupt-record');
  t.true(error?.message.includes(sealed));
  const cut = damagedCopy(root, source, 'cut', (d) =>
    fs.truncateSync(path.join(d, sealed), size - 1),
  );
  t.is(
    t.throws(() => DiskStorage.open(cut), { instanceOf: StorageError })?.file,
    path.join(cut, sealed),
  );
});

test('a zero-filled tail is a torn tail', (t) => {
  const dir = tempDir(t);
  const { states } = runSteps(dir, STEPS, 1 << 20);
  const file = path.join(dir, segmentNames(dir)[0]!);
  const size = fs.statSync(file).size;
  fs.appendFileSync(file, Buffer.alloc(4096));
  t.deepEqual(restoredFrom(dir), states.at(-1));
  t.is(fs.statSync(file).size, size);
});

test('a gap in entry indices on disk is an error naming file and offset', (t) => {
  const dir = tempDir(t);
  const first = encodeEntriesRecords(entries(1, 3, 1));
  const second = encodeEntriesRecords(entries(5, 6, 1));
  const name = 'wal-0000000000000001.log';
  fs.writeFileSync(
    path.join(dir, name),
    Buffer.concat([encodeSegmentHeader(1), ...first, ...second]),
  );
  const offset = 16 + first[0]!.length;
  const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
  t.is(error?.code, 'index-gap');
  t.true(
    error?.message.includes(name) && error.message.includes(`offset ${offset}`),
    error?.message,
  );
});

test('a missing segment is an error naming it', (t) => {
  const dir = tempDir(t);
  runSteps(dir, STEPS, 120);
  const names = segmentNames(dir);
  fs.unlinkSync(path.join(dir, names[1]!));
  const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
  t.is(error?.code, 'missing-segment');
  t.true(error?.message.includes(names[1]!));
});

test('a segment of an unknown format version is refused', (t) => {
  const dir = tempDir(t);
  runSteps(dir, STEPS, 1 << 20);
  const file = path.join(dir, segmentNames(dir)[0]!);
  const bytes = fs.readFileSync(file);
  bytes[4] = 2;
  fs.writeFileSync(file, bytes);
  t.is(
    t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError })?.code,
    'unsupported-version',
  );
});

test('leftover temp files of interrupted writes are ignored and removed', (t) => {
  const dir = tempDir(t);
  const { states } = runSteps(dir, STEPS, 1 << 20);
  fs.writeFileSync(
    path.join(dir, 'snap-0000000000000063-0000000000000009.snap.tmp'),
    'QSNP\x01 half',
  );
  fs.writeFileSync(path.join(dir, 'wal-0000000000000002.log.tmp'), 'QW');
  t.deepEqual(restoredFrom(dir), states.at(-1));
  t.deepEqual(filesIn(dir, /\.tmp$/), []);
});

test('a snapshot file whose marker never reached the WAL is discarded', (t) => {
  const dir = tempDir(t);
  const { states } = runSteps(dir, STEPS, 1 << 20);
  // The crash came after the rename but before the marker was appended.
  writeSnapshotFile(dir, snapshot(8, 3));
  t.deepEqual(restoredFrom(dir), states.at(-1));
  t.deepEqual(snapshotNames(dir), [
    'snap-0000000000000002-0000000000000001.snap',
    'snap-0000000000000006-0000000000000003.snap',
  ]);
});

/** A directory with local snapshots at 10 and 20 and entries 1..30 of term 2. */
function twoLocalSnapshots(t: ExecutionContext) {
  const dir = tempDir(t);
  const s = DiskStorage.open(dir, { segmentSizeBytes: 200 });
  s.save(hardState(2, 'n1', 25), entries(1, 30, 2), true);
  s.saveSnapshot(snapshot(10, 2), true);
  s.saveSnapshot(snapshot(20, 2), true);
  s.close();
  return dir;
}

test('a corrupt newest snapshot falls back to the previous one', (t) => {
  const dir = twoLocalSnapshots(t);
  const newest = 'snap-0000000000000014-0000000000000002.snap';
  flipByte(path.join(dir, newest), 12);
  const s = DiskStorage.open(dir, { segmentSizeBytes: 200 });
  t.teardown(() => s.close());
  t.deepEqual(s.restored().snapshot, snapshot(10, 2));
  t.deepEqual(s.restored().entries, entries(11, 30, 2));
  t.deepEqual(s.restored().hardState, hardState(2, 'n1', 25));
  // Set aside for inspection, not deleted; and the storage carries on.
  t.deepEqual(filesIn(dir, /\.corrupt$/), [`${newest}.corrupt`]);
  s.saveSnapshot(snapshot(25, 2), true);
  s.save(null, [entry(31, 2)], true);
  s.close();
  const restored = restoredFrom(dir, 200);
  t.deepEqual(restored.snapshot, snapshot(25, 2));
  t.deepEqual(restored.entries, entries(26, 31, 2));
});

test('a truncated newest snapshot falls back to the previous one', (t) => {
  const dir = twoLocalSnapshots(t);
  fs.truncateSync(path.join(dir, 'snap-0000000000000014-0000000000000002.snap'), 20);
  t.deepEqual(restoredFrom(dir, 200).snapshot, snapshot(10, 2));
});

test('a corrupt only snapshot is an error naming the file', (t) => {
  const dir = tempDir(t);
  const s = DiskStorage.open(dir);
  s.save(null, entries(1, 5, 1), true);
  s.saveSnapshot(snapshot(3, 1), true);
  s.close();
  const name = 'snap-0000000000000003-0000000000000001.snap';
  flipByte(path.join(dir, name), 20);
  const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
  t.is(error?.code, 'corrupt-snapshot');
  t.true(error?.message.includes(name), error?.message);
});

test('no fallback past a leader snapshot the log does not reach', (t) => {
  const dir = tempDir(t);
  const s = DiskStorage.open(dir);
  s.save(null, entries(1, 12, 1), true);
  s.saveSnapshot(snapshot(10, 1), true);
  s.saveSnapshot(snapshot(40, 5), false);
  s.close();
  const name = 'snap-0000000000000028-0000000000000005.snap';
  flipByte(path.join(dir, name), 9);
  const error = t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError });
  t.is(error?.code, 'corrupt-snapshot');
  t.true(error?.message.includes(name), error?.message);
});

test('fallback past a leader snapshot the log agrees with', (t) => {
  const dir = tempDir(t);
  const s = DiskStorage.open(dir);
  s.save(null, entries(1, 25, 1), true);
  s.saveSnapshot(snapshot(10, 1), true);
  // The leader's snapshot at 20 matches our entry 20, so our log up to 20 equals the leader's.
  s.saveSnapshot(snapshot(20, 1), false);
  s.save(null, entries(21, 22, 3), true);
  s.close();
  flipByte(path.join(dir, 'snap-0000000000000014-0000000000000001.snap'), 9);
  const restored = restoredFrom(dir);
  t.deepEqual(restored.snapshot, snapshot(10, 1));
  t.deepEqual(restored.entries, [...entries(11, 20, 1), ...entries(21, 22, 3)]);
});

test('snapshot files without any WAL segment are an error', (t) => {
  const dir = tempDir(t);
  writeSnapshotFile(dir, snapshot(5, 1));
  t.is(
    t.throws(() => DiskStorage.open(dir), { instanceOf: StorageError })?.code,
    'missing-segment',
  );
});
