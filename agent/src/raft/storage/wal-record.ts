import * as zlib from 'node:zlib';
import { StorageError } from './storage-error.js';

/**
 * Framing of one WAL record:
 *
 * ```
 * offset 0  u32 LE  payload length in bytes
 * offset 4  u8      record type (see RecordType)
 * offset 5  u8      reserved, 0
 * offset 6  u16 LE  header check: low 16 bits of CRC-32 over bytes 0..5
 * offset 8  u32 LE  CRC-32 over the type byte followed by the payload
 * offset 12 payload
 * ```
 *
 * The header check guards the length: without it a flipped length bit in a record in the
 * middle of the last segment could make that record appear to run past the end of the file,
 * i.e. look like a torn tail, and recovery would silently drop every synced record after it.
 */

/** Size of a record header. */
export const RECORD_HEADER_BYTES = 12;

/** Largest payload a record may carry; larger lengths are a corrupt header. */
export const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Record types. Numbers are part of the on-disk format: never reuse one. */
export const RecordType = {
  entries: 1,
  hardState: 2,
  snapshotMarker: 3,
} as const;

/** A record type number. */
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

function isRecordType(type: number): type is RecordTypeCode {
  return (
    type === RecordType.entries ||
    type === RecordType.hardState ||
    type === RecordType.snapshotMarker
  );
}

function headerCheck(header: Uint8Array): number {
  return zlib.crc32(header.subarray(0, 6)) & 0xffff;
}

function payloadCrc(type: number, payload: Uint8Array): number {
  return zlib.crc32(payload, zlib.crc32(Uint8Array.of(type)));
}

/** Frame `payload` as a record of `type`. */
export function encodeRecord(type: RecordTypeCode, payload: Uint8Array): Buffer {
  if (payload.length > MAX_RECORD_PAYLOAD_BYTES) {
    throw new RangeError(`record payload of ${payload.length} bytes exceeds the maximum`);
  }
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt8(type, 4);
  record.writeUInt8(0, 5);
  record.writeUInt16LE(headerCheck(record), 6);
  record.writeUInt32LE(payloadCrc(type, payload), 8);
  record.set(payload, RECORD_HEADER_BYTES);
  return record;
}

/** A record found by {@link scanRecords}: its type, payload (a view) and where it starts. */
export interface RawRecord {
  type: RecordTypeCode;
  payload: Buffer;
  offsetBytes: number;
}

/**
 * What {@link scanRecords} found: the intact records, the length of the file up to the end of
 * the last intact record, and whether anything after that was a torn tail.
 */
export interface ScanResult {
  records: RawRecord[];
  validLengthBytes: number;
  torn: boolean;
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Read the records of one segment's `bytes` from `startBytes` (just after the segment header).
 * In the last segment of the WAL, an incomplete final record, a final record whose CRC fails
 * and that ends exactly at the end of the file, or a zero-filled remainder is a torn tail: the
 * crash interrupted an append that was never acknowledged, so it is reported (`torn`) and not
 * returned. Anything else that does not check out is damage to acknowledged data and throws a
 * `StorageError` naming `file` and the record's byte offset.
 */
export function scanRecords(
  bytes: Buffer,
  startBytes: number,
  file: string,
  isLastSegment: boolean,
): ScanResult {
  const records: RawRecord[] = [];
  let offset = startBytes;
  const tornAt = (reason: string, code: 'corrupt-header' | 'corrupt-record'): ScanResult => {
    if (!isLastSegment) throw new StorageError(code, reason, { file, offsetBytes: offset });
    return { records, validLengthBytes: offset, torn: true };
  };
  // Bounded: every pass consumes at least RECORD_HEADER_BYTES or returns.
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_BYTES) {
      return tornAt('truncated record header', 'corrupt-header');
    }
    const header = bytes.subarray(offset, offset + RECORD_HEADER_BYTES);
    const lengthBytes = header.readUInt32LE(0);
    const type = header.readUInt8(4);
    const headerOk =
      header.readUInt16LE(6) === headerCheck(header) &&
      header.readUInt8(5) === 0 &&
      isRecordType(type) &&
      lengthBytes <= MAX_RECORD_PAYLOAD_BYTES;
    if (!headerOk) {
      if (isLastSegment && allZero(bytes, offset))
        return tornAt('zero-filled tail', 'corrupt-header');
      throw new StorageError('corrupt-header', 'bad record header', { file, offsetBytes: offset });
    }
    const end = offset + RECORD_HEADER_BYTES + lengthBytes;
    if (end > bytes.length) return tornAt('truncated record', 'corrupt-record');
    const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end);
    if (header.readUInt32LE(8) !== payloadCrc(type, payload)) {
      if (end === bytes.length) return tornAt('CRC mismatch', 'corrupt-record');
      throw new StorageError('corrupt-record', 'CRC mismatch', { file, offsetBytes: offset });
    }
    records.push({ type: type as RecordTypeCode, payload, offsetBytes: offset });
    offset = end;
  }
  return { records, validLengthBytes: offset, torn: false };
}
