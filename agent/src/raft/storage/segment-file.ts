import { writeFileAtomically } from './fs-durability.js';
import { StorageError } from './storage-error.js';

/**
 * WAL segment files: `wal-<seq>.log`, where `<seq>` is the segment's sequence number as 16
 * hex digits (so names sort in sequence order). Each starts with a 16-byte header:
 *
 * ```
 * offset 0  "QWAL"     magic
 * offset 4  u8         format version (WAL_FORMAT_VERSION)
 * offset 5  3 bytes    reserved, 0
 * offset 8  u64 LE     sequence number (must match the name)
 * ```
 *
 * followed by records (see wal-record.ts).
 */

/** Size of the segment header. */
export const SEGMENT_HEADER_BYTES = 16;

/** Version of the WAL format this code writes and reads (header and record payloads). */
export const WAL_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('QWAL', 'latin1');
const NAME_PATTERN = /^wal-([0-9a-f]{16})\.log$/;

/** File name of segment `seq`. */
export function segmentFileName(seq: number): string {
  return `wal-${seq.toString(16).padStart(16, '0')}.log`;
}

/** Sequence number of a segment file name, or null if `name` is not one. */
export function parseSegmentFileName(name: string): number | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const seq = Number.parseInt(match[1]!, 16);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** The header of segment `seq`. */
export function encodeSegmentHeader(seq: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(WAL_FORMAT_VERSION, 4);
  header.writeBigUInt64LE(BigInt(seq), 8);
  return header;
}

/**
 * Check the header of segment `seq` at the start of `bytes`. Returns 'torn' when the file is
 * shorter than a header and its bytes are the start of the expected one: only possible for
 * the last segment, cut short while being created. Throws `corrupt-header` (or
 * `unsupported-version`) naming `file` otherwise.
 */
export function checkSegmentHeader(
  bytes: Buffer,
  seq: number,
  file: string,
  isLastSegment: boolean,
): 'ok' | 'torn' {
  const expected = encodeSegmentHeader(seq);
  if (bytes.length < SEGMENT_HEADER_BYTES) {
    if (isLastSegment && expected.subarray(0, bytes.length).equals(bytes)) return 'torn';
    throw new StorageError('corrupt-header', 'segment shorter than its header', {
      file,
      offsetBytes: 0,
    });
  }
  if (!bytes.subarray(0, 4).equals(MAGIC)) {
    throw new StorageError('corrupt-header', 'not a WAL segment (bad magic)', {
      file,
      offsetBytes: 0,
    });
  }
  const version = bytes.readUInt8(4);
  if (version !== WAL_FORMAT_VERSION) {
    throw new StorageError('unsupported-version', `WAL format version ${version}`, {
      file,
      offsetBytes: 4,
    });
  }
  if (!bytes.subarray(0, SEGMENT_HEADER_BYTES).equals(expected)) {
    throw new StorageError('corrupt-header', 'segment header does not match its name', {
      file,
      offsetBytes: 0,
    });
  }
  return 'ok';
}

/**
 * Create segment `seq` in `dir` holding its header and then `records` (already framed), via
 * a temp file and rename so that a segment on disk never has a partial header. Returns the
 * file's size.
 */
export function createSegmentFile(dir: string, seq: number, records: Buffer[]): number {
  const parts = [encodeSegmentHeader(seq), ...records];
  writeFileAtomically(dir, segmentFileName(seq), parts);
  return parts.reduce((sum, part) => sum + part.length, 0);
}
