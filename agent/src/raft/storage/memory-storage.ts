import { EMPTY_HARD_STATE, type RestoredState } from '../config.js';
import type { Entry, HardState, Snapshot } from '../types.js';
import { checkEntries, checkHardState, checkSnapshot } from './input-checks.js';
import { LogSuffix } from './log-suffix.js';
import type { RaftStorage } from './raft-storage.js';
import { StorageError } from './storage-error.js';

/** One storage image: hard state, snapshot, and the log after it. */
interface Contents {
  hardState: HardState;
  snapshot: Snapshot | null;
  log: LogSuffix<Entry>;
}

/** A `save` not yet synced: lost by {@link MemoryStorage.crash}. */
interface PendingSave {
  hardState: HardState | null;
  entries: Entry[];
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

function copySnapshot(s: Snapshot): Snapshot {
  const { index, term, confState } = s.metadata;
  return {
    metadata: {
      index,
      term,
      confState: { voters: [...confState.voters], learners: [...confState.learners] },
    },
    data: s.data.slice(),
  };
}

function contentsOf(state: RestoredState): Contents {
  checkHardState(state.hardState);
  if (state.snapshot !== null) checkSnapshot(state.snapshot);
  checkEntries(state.entries);
  const base = state.snapshot?.metadata ?? { index: 0, term: 0 };
  const log = new LogSuffix<Entry>(base.index, base.term, (e) => e.term);
  const first = state.entries[0]?.index ?? base.index + 1;
  if (first !== base.index + 1 || !log.append(first, state.entries.map(copyEntry))) {
    throw new StorageError('invalid-argument', `entries start at ${first}, not ${base.index + 1}`);
  }
  return {
    hardState: { ...state.hardState },
    snapshot: state.snapshot === null ? null : copySnapshot(state.snapshot),
    log,
  };
}

function restoredOf(c: Contents): RestoredState {
  return {
    hardState: { ...c.hardState },
    snapshot: c.snapshot === null ? null : copySnapshot(c.snapshot),
    entries: [...c.log.entries],
  };
}

function applySave(c: Contents, save: PendingSave): void {
  if (save.entries.length > 0) c.log.append(save.entries[0]!.index, save.entries);
  if (save.hardState !== null) c.hardState = save.hardState;
}

function applySnapshot(c: Contents, snapshot: Snapshot, keepLog: boolean): void {
  const { index, term } = snapshot.metadata;
  if (keepLog) c.log.compactTo(index, term);
  else c.log.reset(index, term);
  c.snapshot = snapshot;
}

/**
 * {@link RaftStorage} in memory, for tests of the Raft driver. It enforces the same contract
 * as `DiskStorage` (same validation, same errors, same overwrite and snapshot rules) and also
 * models what a restart would find: {@link reopen} keeps every write, {@link crash} loses the
 * writes since the last sync, so a driver that acknowledges before syncing shows up in tests.
 */
export class MemoryStorage implements RaftStorage {
  private readonly initial: RestoredState;
  private readonly current: Contents;
  private readonly durable: Contents;
  private pending: PendingSave[] = [];
  private closed = false;

  /** A storage that starts out holding `initial` (default: nothing, as for a new node). */
  constructor(
    initial: RestoredState = { hardState: EMPTY_HARD_STATE, snapshot: null, entries: [] },
  ) {
    this.current = contentsOf(initial);
    this.durable = contentsOf(initial);
    this.initial = restoredOf(this.current);
  }

  /** {@inheritDoc RaftStorage.restored} Here: the state given to the constructor. */
  restored(): RestoredState {
    return this.initial;
  }

  /** {@inheritDoc RaftStorage.save} */
  save(hardState: HardState | null, entries: Entry[], sync: boolean): void {
    this.checkOpen();
    checkEntries(entries);
    if (hardState !== null) checkHardState(hardState);
    const log = this.current.log;
    const kept = entries.filter((e) => e.index > log.baseIndex);
    if (kept.length > 0 && kept[0]!.index > log.lastIndex + 1) {
      throw new StorageError(
        'index-gap',
        `entries start at ${kept[0]!.index} but the log ends at ${log.lastIndex}`,
      );
    }
    const save = { hardState: hardState && { ...hardState }, entries: kept.map(copyEntry) };
    applySave(this.current, save);
    this.pending.push(save);
    if (sync) this.sync();
  }

  /** {@inheritDoc RaftStorage.saveSnapshot} */
  saveSnapshot(snapshot: Snapshot, keepLogAfter: boolean): void {
    this.checkOpen();
    checkSnapshot(snapshot);
    const { index, term } = snapshot.metadata;
    const stored = this.current.snapshot;
    if (stored !== null && index <= stored.metadata.index) {
      throw new StorageError(
        'snapshot-out-of-date',
        `snapshot at ${index} is not newer than the stored one at ${stored.metadata.index}`,
      );
    }
    // Saving a snapshot syncs the WAL, so earlier unsynced saves become durable too.
    this.sync();
    const keepLog = keepLogAfter && this.current.log.matches(index, term);
    const copy = copySnapshot(snapshot);
    applySnapshot(this.current, copy, keepLog);
    applySnapshot(this.durable, copy, keepLog);
  }

  /** {@inheritDoc RaftStorage.close} */
  close(): void {
    this.closed = true;
  }

  /** Everything saved so far, as a clean restart would restore it. */
  contents(): RestoredState {
    return restoredOf(this.current);
  }

  /** A new storage as a clean restart finds this one: every write kept. */
  reopen(): MemoryStorage {
    return new MemoryStorage(restoredOf(this.current));
  }

  /**
   * A new storage as a power loss would leave this one: writes made with `sync` false since
   * the last sync are lost (the strictest outcome the contract allows).
   */
  crash(): MemoryStorage {
    return new MemoryStorage(restoredOf(this.durable));
  }

  private sync(): void {
    for (const save of this.pending) applySave(this.durable, save);
    this.pending = [];
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
  }
}
