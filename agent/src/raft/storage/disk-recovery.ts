import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RestoredState } from '../config.js';
import type { Snapshot } from '../types.js';
import { DecodeError } from './byte-codec.js';
import { fsyncDirectory, TEMP_SUFFIX } from './fs-durability.js';
import {
  checkSegmentHeader,
  parseSegmentFileName,
  SEGMENT_HEADER_BYTES,
  segmentFileName,
} from './segment-file.js';
import { parseSnapshotFileName, readSnapshotFile, type SnapshotFileId } from './snapshot-file.js';
import { StorageError } from './storage-error.js';
import { decodeWalPayload } from './wal-payload.js';
import { scanRecords } from './wal-record.js';
import { replayWal, type LocatedRecord, type ReplayOutcome } from './wal-replay.js';

/** What storage needs to know about one WAL segment to append to it and to delete it. */
export interface SegmentState {
  seq: number;
  name: string;
  sizeBytes: number;
  /** Highest entry index written in this segment (0: none). */
  maxEntryIndex: number;
  /** Highest snapshot marker index written in this segment (-1: none). */
  maxMarkerIndex: number;
}

/** Everything {@link recoverDirectory} found, ready for `DiskStorage` to continue from. */
export interface RecoveredDirectory {
  restored: RestoredState;
  /** Segments in sequence order, torn tail already cut off; empty for a new directory. */
  segments: SegmentState[];
  /** Snapshot files kept, oldest first; the last one is `restored.snapshot` (if any). */
  snapshots: SnapshotFileId[];
}

/** Suffix given to a damaged snapshot file that recovery set aside (kept for inspection). */
export const CORRUPT_SUFFIX = '.corrupt';

/**
 * Open (creating if needed) a storage directory and rebuild its state. Steps:
 *
 * 1. Delete the `.tmp` leftovers of interrupted atomic writes (segment or snapshot files).
 * 2. Read every segment in sequence order (a missing one is `missing-segment`). A torn tail
 *    of the last segment is cut off (ftruncate + fsync); any other damage throws a
 *    `StorageError` naming the file and byte offset.
 * 3. Try snapshot files newest first: the first that reads intact and whose save finished
 *    (its marker is in the WAL) becomes the base, and the WAL is replayed on top of it (see
 *    `replayWal`). With none usable, recovery proceeds without a snapshot if the WAL never
 *    recorded one, else throws `corrupt-snapshot` naming the files.
 * 4. Set aside the snapshot files newer than the chosen one: damaged ones are renamed with a
 *    `.corrupt` suffix, unfinished ones deleted.
 *
 * Every directory change is fsynced before returning.
 */
export function recoverDirectory(dir: string): RecoveredDirectory {
  createDirectoryDurably(dir);
  const names = fs.readdirSync(dir).sort();
  let dirChanged = false;
  for (const name of names) {
    const stem = name.slice(0, -TEMP_SUFFIX.length);
    const ours = parseSegmentFileName(stem) !== null || parseSnapshotFileName(stem) !== null;
    if (name.endsWith(TEMP_SUFFIX) && ours) {
      fs.unlinkSync(path.join(dir, name));
      dirChanged = true;
    }
  }
  const segmentSeqs = names
    .map(parseSegmentFileName)
    .filter((seq): seq is number => seq !== null)
    .sort((a, b) => a - b);
  const snapshotIds = names
    .map(parseSnapshotFileName)
    .filter((id): id is SnapshotFileId => id !== null)
    .sort((a, b) => b.index - a.index || b.term - a.term);
  for (let i = 1; i < segmentSeqs.length; i++) {
    if (segmentSeqs[i] !== segmentSeqs[i - 1]! + 1) {
      throw new StorageError('missing-segment', 'WAL segment missing', {
        file: path.join(dir, segmentFileName(segmentSeqs[i - 1]! + 1)),
      });
    }
  }
  if (segmentSeqs.length === 0 && snapshotIds.length > 0) {
    throw new StorageError('missing-segment', 'snapshot files but no WAL segment', {
      file: path.join(dir, snapshotIds[0]!.name),
    });
  }

  const records: LocatedRecord[] = [];
  const segments: SegmentState[] = [];
  for (let i = 0; i < segmentSeqs.length; i++) {
    const segment = readSegment(dir, segmentSeqs[i]!, i === segmentSeqs.length - 1, records);
    if (segment === null) dirChanged = true;
    else segments.push(segment);
  }
  if (dirChanged) fsyncDirectory(dir);

  const { chosen, outcome, setAside } = chooseSnapshot(dir, snapshotIds, records);
  for (const { id, corrupt } of setAside) {
    const file = path.join(dir, id.name);
    if (corrupt) fs.renameSync(file, `${file}${CORRUPT_SUFFIX}`);
    else fs.unlinkSync(file);
  }
  if (setAside.length > 0) fsyncDirectory(dir);

  const kept = chosen === null ? [] : snapshotIds.slice(snapshotIds.indexOf(chosen.id));
  return {
    restored: {
      hardState: outcome.hardState,
      snapshot: chosen?.snapshot ?? null,
      entries: outcome.entries,
    },
    segments,
    snapshots: kept.reverse(),
  };
}

/** mkdir -p, fsyncing the parent of every directory it created. */
function createDirectoryDurably(dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  const resolved = path.resolve(dir);
  // Bounded by the depth of the path: each pass moves one level up.
  for (let d = resolved; d.length >= path.resolve(first).length; d = path.dirname(d)) {
    fsyncDirectory(path.dirname(d));
    if (d === path.dirname(d)) break;
  }
}

/**
 * Read segment `seq`, appending its records to `records`. Returns its state, or null when it
 * was the last segment cut short inside its header (it is deleted; the caller fsyncs).
 */
function readSegment(
  dir: string,
  seq: number,
  isLast: boolean,
  records: LocatedRecord[],
): SegmentState | null {
  const name = segmentFileName(seq);
  const file = path.join(dir, name);
  const bytes = fs.readFileSync(file);
  if (checkSegmentHeader(bytes, seq, file, isLast) === 'torn') {
    fs.unlinkSync(file);
    return null;
  }
  const scan = scanRecords(bytes, SEGMENT_HEADER_BYTES, file, isLast);
  if (scan.torn) {
    const fd = fs.openSync(file, 'r+');
    try {
      fs.ftruncateSync(fd, scan.validLengthBytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  const segment: SegmentState = {
    seq,
    name,
    sizeBytes: scan.validLengthBytes,
    maxEntryIndex: 0,
    maxMarkerIndex: -1,
  };
  for (const raw of scan.records) {
    let record;
    try {
      record = decodeWalPayload(raw.type, raw.payload);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      throw new StorageError('corrupt-record', `payload does not decode: ${e.message}`, {
        file,
        offsetBytes: raw.offsetBytes,
      });
    }
    if (record.kind === 'entries') {
      segment.maxEntryIndex = Math.max(segment.maxEntryIndex, record.entries.at(-1)!.index);
    } else if (record.kind === 'snapshot-marker') {
      segment.maxMarkerIndex = Math.max(segment.maxMarkerIndex, record.index);
    }
    records.push({ record, file, offsetBytes: raw.offsetBytes });
  }
  return segment;
}

interface SnapshotChoice {
  chosen: { id: SnapshotFileId; snapshot: Snapshot } | null;
  outcome: Extract<ReplayOutcome, { ok: true }>;
  /** Files newer than the chosen one, to rename (corrupt) or delete (unfinished). */
  setAside: { id: SnapshotFileId; corrupt: boolean }[];
}

/** Step 3 of {@link recoverDirectory}: `ids` newest first. */
function chooseSnapshot(
  dir: string,
  ids: readonly SnapshotFileId[],
  records: readonly LocatedRecord[],
): SnapshotChoice {
  const setAside: SnapshotChoice['setAside'] = [];
  const failures: string[] = [];
  for (const id of ids) {
    const file = path.join(dir, id.name);
    let snapshot: Snapshot;
    try {
      snapshot = readSnapshotFile(file, id);
    } catch (e) {
      if (!(e instanceof StorageError) || e.code !== 'corrupt-snapshot') throw e;
      failures.push(e.message);
      setAside.push({ id, corrupt: true });
      continue;
    }
    const outcome = replayWal(records, { index: id.index, term: id.term });
    if (outcome.ok) return { chosen: { id, snapshot }, outcome, setAside };
    failures.push(`${file}: ${outcome.reason}`);
    setAside.push({ id, corrupt: outcome.why !== 'no-marker' });
  }
  const outcome = replayWal(records, null);
  if (outcome.ok) return { chosen: null, outcome, setAside };
  throw new StorageError(
    'corrupt-snapshot',
    `no usable snapshot, and ${outcome.reason}: ${failures.join('; ')}`,
    ids.length > 0 ? { file: path.join(dir, ids[0]!.name) } : {},
  );
}
