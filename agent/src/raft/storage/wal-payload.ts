import type { Entry, EntryType, HardState } from '../types.js';
import { ByteReader, ByteWriter, DecodeError } from './byte-codec.js';
import { StorageError } from './storage-error.js';
import {
  encodeRecord,
  MAX_RECORD_PAYLOAD_BYTES,
  RecordType,
  type RecordTypeCode,
} from './wal-record.js';

/**
 * The meaning of WAL records and the binary encoding of their payloads (format version 1).
 * Integers are unsigned LEB128 varints; strings and byte strings carry a varint length.
 *
 * - entries:          firstIndex, count, then per entry: term, type byte (0 normal,
 *                     1 conf-change), data (length + bytes). Indices are implicit (consecutive).
 * - hard state:       term, commit, hasVote byte, then the vote (a string) if hasVote is 1.
 * - snapshot marker:  index, term, keptLog byte (1: the log after the snapshot was kept).
 */
export type WalRecord =
  | { kind: 'entries'; entries: Entry[] }
  | { kind: 'hard-state'; hardState: HardState }
  | { kind: 'snapshot-marker'; index: number; term: number; keptLog: boolean };

const ENTRY_TYPE_CODES: Record<EntryType, number> = { normal: 0, 'conf-change': 1 };
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change'];

/** Generous bound on the bytes an entry adds to a payload besides its data. */
const ENTRY_OVERHEAD_BYTES = 32;

/**
 * Frame `entries` (consecutive) as one or more entries records, each within the record size
 * limit; splitting is invisible on replay because each chunk continues the previous one.
 * Throws `entry-too-large` for an entry that cannot fit in any record.
 */
export function encodeEntriesRecords(entries: readonly Entry[]): Buffer[] {
  const records: Buffer[] = [];
  let chunkStart = 0;
  let chunkBytes = ENTRY_OVERHEAD_BYTES;
  const flush = (end: number): void => {
    if (end > chunkStart) records.push(encodeEntriesChunk(entries.slice(chunkStart, end)));
    chunkStart = end;
    chunkBytes = ENTRY_OVERHEAD_BYTES;
  };
  for (let i = 0; i < entries.length; i++) {
    const entryBytes = entries[i]!.data.length + ENTRY_OVERHEAD_BYTES;
    if (entryBytes + ENTRY_OVERHEAD_BYTES > MAX_RECORD_PAYLOAD_BYTES) {
      throw new StorageError(
        'entry-too-large',
        `entry ${entries[i]!.index} holds ${entries[i]!.data.length} bytes`,
      );
    }
    if (chunkBytes + entryBytes > MAX_RECORD_PAYLOAD_BYTES) flush(i);
    chunkBytes += entryBytes;
  }
  flush(entries.length);
  return records;
}

function encodeEntriesChunk(entries: readonly Entry[]): Buffer {
  const size = entries.reduce((sum, e) => sum + e.data.length + 16, 16);
  const w = new ByteWriter(size);
  w.varint(entries[0]!.index).varint(entries.length);
  for (const e of entries) w.varint(e.term).byte(ENTRY_TYPE_CODES[e.type]).bytes(e.data);
  return encodeRecord(RecordType.entries, w.finish());
}

/** Frame a hard state record. */
export function encodeHardStateRecord(hardState: HardState): Buffer {
  const w = new ByteWriter();
  w.varint(hardState.term).varint(hardState.commit);
  if (hardState.vote === null) w.byte(0);
  else w.byte(1).string(hardState.vote);
  return encodeRecord(RecordType.hardState, w.finish());
}

/** Frame a snapshot marker record. */
export function encodeSnapshotMarkerRecord(index: number, term: number, keptLog: boolean): Buffer {
  const w = new ByteWriter(24);
  w.varint(index)
    .varint(term)
    .byte(keptLog ? 1 : 0);
  return encodeRecord(RecordType.snapshotMarker, w.finish());
}

function flag(r: ByteReader): boolean {
  const b = r.byte();
  if (b > 1) throw new DecodeError(`flag byte ${b}`);
  return b === 1;
}

/** Decode a record payload whose CRC already checked out; throws {@link DecodeError}. */
export function decodeWalPayload(type: RecordTypeCode, payload: Uint8Array): WalRecord {
  const r = new ByteReader(payload);
  let record: WalRecord;
  switch (type) {
    case RecordType.entries: {
      const firstIndex = r.varint();
      const count = r.varint();
      if (firstIndex < 1 || count < 1 || count > payload.length) {
        throw new DecodeError(`bad entries header ${firstIndex}+${count}`);
      }
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) {
        const term = r.varint();
        const entryType = ENTRY_TYPES[r.byte()];
        if (entryType === undefined) throw new DecodeError('unknown entry type');
        entries.push({ term, index: firstIndex + i, type: entryType, data: r.bytes() });
      }
      record = { kind: 'entries', entries };
      break;
    }
    case RecordType.hardState: {
      const term = r.varint();
      const commit = r.varint();
      const vote = flag(r) ? r.string() : null;
      record = { kind: 'hard-state', hardState: { term, vote, commit } };
      break;
    }
    case RecordType.snapshotMarker: {
      const index = r.varint();
      const term = r.varint();
      record = { kind: 'snapshot-marker', index, term, keptLog: flag(r) };
      break;
    }
  }
  r.end();
  return record;
}
