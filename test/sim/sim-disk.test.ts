import test from 'ava';
import { bootstrapSnapshot, EMPTY_HARD_STATE } from '../../agent/src/raft/config.js';
import type { Entry } from '../../agent/src/raft/types.js';
import { SimDisk } from './sim-disk.js';
import { SimRandom } from './sim-random.js';
import { SimViolation } from './sim-violation.js';

const entry = (index: number, term: number): Entry => ({
  index,
  term,
  type: 'normal',
  data: new TextEncoder().encode(`cmd:${index}`),
});

const freshDisk = () =>
  new SimDisk({
    hardState: EMPTY_HARD_STATE,
    snapshot: bootstrapSnapshot(['a', 'b']),
    entries: [],
  });

/** A random stream that replays fixed values (to force a particular tear). */
const scripted = (values: number[]) => new SimRandom(() => values.shift() ?? 0);

test('a crash loses exactly the unsynced writes', (t) => {
  const disk = freshDisk();
  disk.write(
    {
      hardState: { term: 2, vote: 'a', commit: 1 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [entry(2, 2), entry(3, 2)],
    },
    true,
  );
  disk.write(
    {
      hardState: { term: 2, vote: 'a', commit: 3 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [],
    },
    false,
  );
  disk.write(
    { hardState: null, snapshot: null, snapshotMode: 'install', entries: [entry(4, 2)] },
    false,
  );
  t.is(disk.lastIndex, 4, 'unsynced writes are visible before the crash');
  t.is(disk.unsyncedWrites, 2);
  const outcome = disk.crash();
  t.deepEqual(outcome, { lostWrites: 2, keptWrites: 0, torn: false });
  const restored = disk.restore();
  t.deepEqual(restored.hardState, { term: 2, vote: 'a', commit: 1 });
  t.deepEqual(
    restored.entries.map((e) => e.index),
    [2, 3],
  );
  t.is(restored.snapshot?.metadata.index, 1);
});

test('a synced write makes every earlier write durable', (t) => {
  const disk = freshDisk();
  disk.write(
    {
      hardState: { term: 1, vote: null, commit: 1 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [entry(2, 1)],
    },
    false,
  );
  disk.write(
    {
      hardState: { term: 3, vote: 'b', commit: 1 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [],
    },
    true,
  );
  disk.crash();
  const restored = disk.restore();
  t.deepEqual(restored.hardState, { term: 3, vote: 'b', commit: 1 });
  t.deepEqual(
    restored.entries.map((e) => e.index),
    [2],
  );
});

test('a torn crash keeps an in-order prefix of the unsynced writes', (t) => {
  const disk = freshDisk();
  disk.write(
    {
      hardState: { term: 1, vote: null, commit: 1 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [],
    },
    true,
  );
  disk.write(
    { hardState: null, snapshot: null, snapshotMode: 'install', entries: [entry(2, 1)] },
    false,
  );
  disk.write(
    {
      hardState: { term: 1, vote: null, commit: 2 },
      snapshot: null,
      snapshotMode: 'install',
      entries: [entry(3, 1), entry(4, 1)],
    },
    false,
  );
  // chance(tear) → 0 < 1; keep 1 whole write (0.5 of [0,1]); tear the next after 1 of 3 items.
  const outcome = disk.crash(scripted([0, 0.5, 0.4]), 1);
  t.deepEqual(outcome, { lostWrites: 0, keptWrites: 1, torn: true });
  const restored = disk.restore();
  t.deepEqual(
    restored.entries.map((e) => e.index),
    [2, 3],
    'write 1 in full, then the first entry of write 2',
  );
  t.deepEqual(restored.hardState, { term: 1, vote: null, commit: 1 }, 'torn before its hard state');
});

test('entries replace the stored suffix from their first index', (t) => {
  const disk = freshDisk();
  disk.write(
    {
      hardState: null,
      snapshot: null,
      snapshotMode: 'install',
      entries: [entry(2, 1), entry(3, 1), entry(4, 1)],
    },
    true,
  );
  disk.write(
    { hardState: null, snapshot: null, snapshotMode: 'install', entries: [entry(3, 2)] },
    true,
  );
  t.deepEqual(
    disk.entries.map((e) => `${e.index}/${e.term}`),
    ['2/1', '3/2'],
  );
});

test('an installed snapshot replaces the log; a compaction keeps the suffix', (t) => {
  const disk = freshDisk();
  disk.write(
    {
      hardState: null,
      snapshot: null,
      snapshotMode: 'install',
      entries: [entry(2, 1), entry(3, 1), entry(4, 1)],
    },
    true,
  );
  const snap = (index: number, term: number) => ({
    metadata: { index, term, confState: { voters: ['a', 'b'], learners: [] } },
    data: new Uint8Array(0),
  });
  disk.write({ hardState: null, snapshot: snap(3, 1), snapshotMode: 'compact', entries: [] }, true);
  t.is(disk.snapshotIndex, 3);
  t.deepEqual(
    disk.entries.map((e) => e.index),
    [4],
  );
  t.is(disk.termAt(3), 1);
  disk.write({ hardState: null, snapshot: snap(9, 2), snapshotMode: 'install', entries: [] }, true);
  t.is(disk.lastIndex, 9);
  t.is(disk.entries.length, 0);
});

test('a write that would leave a gap in the log is a contract violation', (t) => {
  const disk = freshDisk();
  const err = t.throws(() =>
    disk.write(
      { hardState: null, snapshot: null, snapshotMode: 'install', entries: [entry(5, 1)] },
      true,
    ),
  );
  t.true(err instanceof SimViolation);
  t.regex(err.message, /ready-contract.*gap/);
});

test('the disk keeps copies: mutating a written entry does not change the disk', (t) => {
  const disk = freshDisk();
  const e = entry(2, 1);
  disk.write({ hardState: null, snapshot: null, snapshotMode: 'install', entries: [e] }, true);
  e.term = 99;
  e.data[0] = 0;
  t.is(disk.entryAt(2)?.term, 1);
  t.is(disk.entryAt(2)?.data[0], 0x63);
});
