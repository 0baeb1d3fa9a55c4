import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RestoredState } from '../config.js';
import type { Entry, HardState, Snapshot } from '../types.js';
import { recoverDirectory, type SegmentState } from './disk-recovery.js';
import { fsyncDirectory, writeFully } from './fs-durability.js';
import { checkEntries, checkHardState, checkSnapshot, sameHardState } from './input-checks.js';
import { LogSuffix } from './log-suffix.js';
import type { RaftStorage } from './raft-storage.js';
import { createSegmentFile, segmentFileName } from './segment-file.js';
import { writeSnapshotFile, type SnapshotFileId } from './snapshot-file.js';
import { StorageError } from './storage-error.js';
import {
  encodeEntriesRecords,
  encodeHardStateRecord,
  encodeSnapshotMarkerRecord,
} from './wal-payload.js';

/** Tuning of a {@link DiskStorage}. */
export interface DiskStorageOptions {
  /**
   * Once the active segment has reached this size, the next write starts a new one. Smaller
   * segments free disk space sooner after a snapshot; larger ones mean fewer files. A single
   * large write may overshoot. Default 64 MiB.
   */
  segmentSizeBytes?: number;
}

/** Default for {@link DiskStorageOptions.segmentSizeBytes}. */
export const DEFAULT_SEGMENT_SIZE_BYTES = 64 * 1024 * 1024;

/** How many snapshot files are kept: the newest, and the one before as a fallback. */
const SNAPSHOTS_KEPT = 2;

/**
 * {@link RaftStorage} in a directory of its own: a write-ahead log of checksummed records in
 * segment files, plus one file per snapshot (the format is described in docs/raft-storage.md).
 *
 * The hard state lives in the WAL as records, not in a file of its own: a Ready's entries and
 * hard state then reach the disk with one append and one fsync, in the order written, where a
 * separate file would cost a write, fsync, rename and directory fsync on every term or vote
 * change. The price is that the newest hard state must outlive deleted segments, so each new
 * segment starts with a copy of it.
 *
 * After a snapshot, segments before the oldest kept snapshot's marker whose entries are all at
 * or below that snapshot are deleted: the WAL keeps what recovery needs to fall back to the
 * previous snapshot if the newest snapshot file turns out damaged.
 *
 * Fail-stop: once a write or fsync fails, every later call throws `failed`, since after a
 * failed fsync the kernel may have dropped dirty pages and nothing written since is certain.
 * Reopening recovers. One process at a time may open a directory; nothing enforces it.
 */
export class DiskStorage implements RaftStorage {
  private readonly log: LogSuffix<number>;
  private hardState: HardState;
  /** Snapshot files kept, oldest first. */
  private readonly snapshots: SnapshotFileId[];
  /** Segments in sequence order; the last is the one appended to. */
  private readonly segments: SegmentState[];
  private activeFd: number;
  private closed = false;
  private failure: unknown = null;

  private constructor(
    private readonly dir: string,
    private readonly segmentSizeBytes: number,
    private readonly restoredState: RestoredState,
    segments: SegmentState[],
    snapshots: SnapshotFileId[],
  ) {
    const { hardState, snapshot, entries } = restoredState;
    const base = snapshot?.metadata ?? { index: 0, term: 0 };
    this.log = new LogSuffix<number>(base.index, base.term, (term) => term);
    this.log.append(
      base.index + 1,
      entries.map((e) => e.term),
    );
    this.hardState = { ...hardState };
    this.snapshots = snapshots;
    this.segments = segments;
    if (segments.length === 0) segments.push(this.newSegment(1));
    this.activeFd = fs.openSync(path.join(dir, this.active.name), 'r+');
  }

  /**
   * Open the storage in `dir` (created if missing), recovering its contents: see
   * `recoverDirectory` for the rules. Throws a {@link StorageError} naming the file and byte
   * offset when the disk holds damage that is not a torn tail.
   */
  static open(dir: string, options: DiskStorageOptions = {}): DiskStorage {
    const segmentSizeBytes = options.segmentSizeBytes ?? DEFAULT_SEGMENT_SIZE_BYTES;
    if (!Number.isSafeInteger(segmentSizeBytes) || segmentSizeBytes < 1) {
      throw new StorageError('invalid-argument', `segmentSizeBytes ${segmentSizeBytes}`);
    }
    const recovered = recoverDirectory(dir);
    const storage = new DiskStorage(
      dir,
      segmentSizeBytes,
      recovered.restored,
      recovered.segments,
      recovered.snapshots,
    );
    try {
      // Finish a clean-up that a crash may have interrupted.
      storage.guard(() => storage.collectGarbage());
    } catch (e) {
      storage.close();
      throw e;
    }
    return storage;
  }

  /** {@inheritDoc RaftStorage.restored} The same object on every call: do not modify it. */
  restored(): RestoredState {
    return this.restoredState;
  }

  /** {@inheritDoc RaftStorage.save} */
  save(hardState: HardState | null, entries: Entry[], sync: boolean): void {
    this.checkUsable();
    checkEntries(entries);
    if (hardState !== null) checkHardState(hardState);
    const skip = entries.length === 0 ? 0 : Math.max(0, this.log.baseIndex + 1 - entries[0]!.index);
    const kept = entries.slice(skip);
    if (kept.length > 0 && kept[0]!.index > this.log.lastIndex + 1) {
      throw new StorageError(
        'index-gap',
        `entries start at ${kept[0]!.index} but the log ends at ${this.log.lastIndex}`,
      );
    }
    const writeHardState = hardState !== null && !sameHardState(hardState, this.hardState);
    const records = kept.length > 0 ? encodeEntriesRecords(kept) : [];
    if (writeHardState) records.push(encodeHardStateRecord(hardState));
    this.guard(() => {
      if (records.length > 0) this.append(Buffer.concat(records));
      if (sync) fs.fdatasyncSync(this.activeFd);
    });
    if (kept.length > 0) {
      this.log.append(
        kept[0]!.index,
        kept.map((e) => e.term),
      );
      this.active.maxEntryIndex = Math.max(this.active.maxEntryIndex, this.log.lastIndex);
    }
    if (writeHardState) this.hardState = { ...hardState };
  }

  /** {@inheritDoc RaftStorage.saveSnapshot} */
  saveSnapshot(snapshot: Snapshot, keepLogAfter: boolean): void {
    this.checkUsable();
    checkSnapshot(snapshot);
    const { index, term } = snapshot.metadata;
    const newest = this.snapshots.at(-1);
    if (newest !== undefined && index <= newest.index) {
      throw new StorageError(
        'snapshot-out-of-date',
        `snapshot at ${index} is not newer than the stored one at ${newest.index}`,
      );
    }
    const keepLog = keepLogAfter && this.log.matches(index, term);
    this.guard(() => {
      // Order matters: the file is complete and durable before the marker that commits it,
      // and the marker is durable before anything it supersedes is deleted.
      const name = writeSnapshotFile(this.dir, snapshot);
      this.append(encodeSnapshotMarkerRecord(index, term, keepLog));
      fs.fdatasyncSync(this.activeFd);
      this.active.maxMarkerIndex = Math.max(this.active.maxMarkerIndex, index);
      if (keepLog) this.log.compactTo(index, term);
      else this.log.reset(index, term);
      this.snapshots.push({ index, term, name });
      this.collectGarbage();
    });
  }

  /** {@inheritDoc RaftStorage.close} Flushes unsynced writes first (unless failed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.failure === null) fs.fdatasyncSync(this.activeFd);
    } finally {
      fs.closeSync(this.activeFd);
    }
  }

  private get active(): SegmentState {
    return this.segments.at(-1)!;
  }

  private checkUsable(): void {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
    if (this.failure !== null) {
      throw new StorageError('failed', `an earlier I/O error: ${String(this.failure)}`);
    }
  }

  /** Run `io`; if it throws, remember the failure (fail-stop) and rethrow. */
  private guard(io: () => void): void {
    try {
      io();
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  /** Append framed records to the WAL, first starting a new segment if the active is full. */
  private append(bytes: Buffer): void {
    if (this.active.sizeBytes >= this.segmentSizeBytes) this.rotate();
    writeFully(this.activeFd, bytes, this.active.sizeBytes);
    this.active.sizeBytes += bytes.length;
  }

  /**
   * Seal the active segment (fsync: only the last segment may have a torn tail) and start
   * the next, beginning with a copy of the hard state so that deleting older segments never
   * loses it.
   */
  private rotate(): void {
    fs.fdatasyncSync(this.activeFd);
    fs.closeSync(this.activeFd);
    const next = this.newSegment(this.active.seq + 1);
    this.segments.push(next);
    this.activeFd = fs.openSync(path.join(this.dir, next.name), 'r+');
  }

  private newSegment(seq: number): SegmentState {
    const sizeBytes = createSegmentFile(this.dir, seq, [encodeHardStateRecord(this.hardState)]);
    return { seq, name: segmentFileName(seq), sizeBytes, maxEntryIndex: 0, maxMarkerIndex: -1 };
  }

  /**
   * Delete snapshot files beyond the newest {@link SNAPSHOTS_KEPT}, then the leading segments
   * the oldest kept snapshot makes unnecessary: not the active one, holding no entry above
   * it and no marker at or above it (recovery needs the marker of any snapshot it may use).
   */
  private collectGarbage(): void {
    let changed = false;
    // Bounded: each pass removes one snapshot.
    while (this.snapshots.length > SNAPSHOTS_KEPT) {
      fs.unlinkSync(path.join(this.dir, this.snapshots.shift()!.name));
      changed = true;
    }
    const bound = this.snapshots[0]?.index;
    // Bounded: each pass removes one segment, and the active one is never removed.
    while (bound !== undefined && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      if (oldest.maxEntryIndex > bound || oldest.maxMarkerIndex >= bound) break;
      fs.unlinkSync(path.join(this.dir, oldest.name));
      this.segments.shift();
      changed = true;
    }
    if (changed) fsyncDirectory(this.dir);
  }
}
