import test from 'ava';
import { EMPTY_HARD_STATE } from '../../../agent/src/raft/config.js';
import { MemoryStorage } from '../../../agent/src/raft/storage/memory-storage.js';
import { StorageError } from '../../../agent/src/raft/storage/storage-error.js';
import { entries, entry, hardState, snapshot } from './storage-fixtures.js';

test('a new memory storage restores an empty state', (t) => {
  t.deepEqual(new MemoryStorage().restored(), {
    hardState: EMPTY_HARD_STATE,
    snapshot: null,
    entries: [],
  });
});

test('restored() is the initial state; contents() and reopen() see later writes', (t) => {
  const initial = {
    hardState: hardState(1, 'n1', 3),
    snapshot: snapshot(3, 1),
    entries: entries(4, 5, 1),
  };
  const s = new MemoryStorage(initial);
  s.save(hardState(2, null, 5), entries(5, 6, 2), true);
  t.deepEqual(s.restored(), initial);
  const expected = {
    hardState: hardState(2, null, 5),
    snapshot: snapshot(3, 1),
    entries: [entry(4, 1), ...entries(5, 6, 2)],
  };
  t.deepEqual(s.contents(), expected);
  t.deepEqual(s.reopen().restored(), expected);
});

test('crash() loses the writes made since the last sync', (t) => {
  const s = new MemoryStorage();
  s.save(hardState(1, 'n1', 0), entries(1, 2, 1), true);
  s.save(hardState(2, 'n2', 1), entries(3, 4, 2), false);
  t.deepEqual(s.crash().restored().entries, entries(1, 2, 1));
  t.deepEqual(s.crash().restored().hardState, hardState(1, 'n1', 0));
  t.deepEqual(s.reopen().restored().entries, [...entries(1, 2, 1), ...entries(3, 4, 2)]);
  // A sync (here an empty save) makes earlier writes durable.
  s.save(null, [], true);
  t.deepEqual(s.crash().restored().entries, [...entries(1, 2, 1), ...entries(3, 4, 2)]);
});

test('saving a snapshot makes earlier unsynced writes durable', (t) => {
  const s = new MemoryStorage();
  s.save(hardState(1, 'n1', 3), entries(1, 5, 1), false);
  s.saveSnapshot(snapshot(3, 1), true);
  const crashed = s.crash().restored();
  t.deepEqual(crashed.hardState, hardState(1, 'n1', 3));
  t.deepEqual(crashed.snapshot, snapshot(3, 1));
  t.deepEqual(crashed.entries, entries(4, 5, 1));
});

test('stored data is a copy, safe from later changes by the caller', (t) => {
  const s = new MemoryStorage();
  const e = entry(1, 1, 'abc');
  s.save(null, [e], true);
  e.data[0] = 0;
  t.deepEqual(s.contents().entries, [entry(1, 1, 'abc')]);
});

test('the same errors as on disk', (t) => {
  const s = new MemoryStorage();
  s.save(null, entries(1, 3, 1), true);
  t.is(
    t.throws(() => s.save(null, [entry(5, 1)], true), { instanceOf: StorageError })?.code,
    'index-gap',
  );
  t.is(
    t.throws(() => s.save(null, [entry(1, 1), entry(3, 1)], true), { instanceOf: StorageError })
      ?.code,
    'invalid-argument',
  );
  s.saveSnapshot(snapshot(2, 1), true);
  t.is(
    t.throws(() => s.saveSnapshot(snapshot(2, 1), true), { instanceOf: StorageError })?.code,
    'snapshot-out-of-date',
  );
  s.close();
  t.is(t.throws(() => s.save(null, [], true), { instanceOf: StorageError })?.code, 'closed');
});

test('an initial state whose entries do not follow its snapshot is refused', (t) => {
  const bad = { hardState: EMPTY_HARD_STATE, snapshot: snapshot(3, 1), entries: entries(5, 6, 1) };
  t.is(
    t.throws(() => new MemoryStorage(bad), { instanceOf: StorageError })?.code,
    'invalid-argument',
  );
});
