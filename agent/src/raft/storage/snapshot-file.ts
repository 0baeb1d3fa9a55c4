import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { Snapshot } from '../types.js';
import { ByteReader, ByteWriter, DecodeError } from './byte-codec.js';
import { writeFileAtomically } from './fs-durability.js';
import { StorageError } from './storage-error.js';

/**
 * Snapshot files: `snap-<index>-<term>.snap` (16 hex digits each, so names sort by index),
 * one per snapshot, written whole and atomically (temp file, fsync, rename, fsync directory).
 *
 * ```
 * "QSNP"                          magic
 * u8 version, 3 reserved zeros
 * index, term                     varints
 * voters, learners                each a varint count then strings (varint length + UTF-8)
 * data                            varint length + bytes
 * u32 LE CRC-32                   over every byte before it
 * ```
 */

/** Version of the snapshot file format this code writes and reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('QSNP', 'latin1');
const NAME_PATTERN = /^snap-([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const CRC_BYTES = 4;

/** Where a snapshot sits in the log, as read from its file name. */
export interface SnapshotFileId {
  index: number;
  term: number;
  name: string;
}

/** File name of the snapshot at `index` and `term`. */
export function snapshotFileName(index: number, term: number): string {
  const hex = (n: number): string => n.toString(16).padStart(16, '0');
  return `snap-${hex(index)}-${hex(term)}.snap`;
}

/** Index and term of a snapshot file name, or null if `name` is not one. */
export function parseSnapshotFileName(name: string): SnapshotFileId | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const index = Number.parseInt(match[1]!, 16);
  const term = Number.parseInt(match[2]!, 16);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) return null;
  return { index, term, name };
}

/** Write `snapshot` durably into `dir`; returns the file name. */
export function writeSnapshotFile(dir: string, snapshot: Snapshot): string {
  const { index, term, confState } = snapshot.metadata;
  const w = new ByteWriter(64);
  w.raw(MAGIC).byte(SNAPSHOT_FORMAT_VERSION).byte(0).byte(0).byte(0);
  w.varint(index).varint(term);
  for (const ids of [confState.voters, confState.learners]) {
    w.varint(ids.length);
    for (const id of ids) w.string(id);
  }
  w.varint(snapshot.data.length);
  const head = w.finish();
  const crc = Buffer.allocUnsafe(CRC_BYTES);
  crc.writeUInt32LE(zlib.crc32(snapshot.data, zlib.crc32(head)), 0);
  const name = snapshotFileName(index, term);
  writeFileAtomically(dir, name, [head, snapshot.data, crc]);
  return name;
}

/**
 * Read and verify the snapshot file `file` (a path; `id` from its name). Throws
 * `corrupt-snapshot` naming the file when it is truncated, fails its CRC, does not decode or
 * does not match its name, and `unsupported-version` for a format this code does not know.
 */
export function readSnapshotFile(file: string, id: SnapshotFileId): Snapshot {
  const bytes = fs.readFileSync(file);
  const corrupt = (why: string): StorageError =>
    new StorageError('corrupt-snapshot', `snapshot file ${why}`, { file });
  if (bytes.length < MAGIC.length + 4 + CRC_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw corrupt('is truncated or has a bad magic');
  }
  const body = bytes.subarray(0, bytes.length - CRC_BYTES);
  if (zlib.crc32(body) !== bytes.readUInt32LE(body.length)) throw corrupt('fails its CRC');
  const version = bytes.readUInt8(4);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new StorageError('unsupported-version', `snapshot format version ${version}`, {
      file,
      offsetBytes: 4,
    });
  }
  let snapshot: Snapshot;
  try {
    const r = new ByteReader(body.subarray(8));
    const index = r.varint();
    const term = r.varint();
    const members = (): string[] => {
      const count = r.varint();
      if (count > r.remaining) throw new DecodeError(`member count ${count}`);
      return Array.from({ length: count }, () => r.string());
    };
    const voters = members();
    const learners = members();
    const data = r.bytes();
    r.end();
    snapshot = { metadata: { index, term, confState: { voters, learners } }, data };
  } catch (e) {
    if (e instanceof DecodeError) throw corrupt(`does not decode: ${e.message}`);
    throw e;
  }
  if (snapshot.metadata.index !== id.index || snapshot.metadata.term !== id.term) {
    throw corrupt('does not match its name');
  }
  return snapshot;
}
