/**
 * Why a storage operation failed. Recovery codes name damage found on disk; the others name a
 * caller's mistake or a storage that can no longer be trusted.
 *
 * - `corrupt-header`: a segment or record header is malformed (not a torn tail).
 * - `corrupt-record`: a record's checksum fails (or its payload cannot be decoded) and more data
 *   follows, so it is not a torn tail.
 * - `index-gap`: entries that do not continue the log (on disk, or passed to `save`).
 * - `missing-segment`: the segment sequence numbers on disk are not contiguous.
 * - `unsupported-version`: a file written by a format version this code does not read.
 * - `corrupt-snapshot`: no usable snapshot (the newest is damaged and none older can stand in).
 * - `snapshot-out-of-date`: `saveSnapshot` was given a snapshot not newer than the stored one.
 * - `invalid-argument`: malformed entries, hard state or snapshot metadata.
 * - `entry-too-large`: a single entry exceeds the largest record the format allows.
 * - `closed`: the storage was closed.
 * - `failed`: an earlier I/O error left the storage unusable; reopen it to recover.
 */
export type StorageErrorCode =
  | 'corrupt-header'
  | 'corrupt-record'
  | 'index-gap'
  | 'missing-segment'
  | 'unsupported-version'
  | 'corrupt-snapshot'
  | 'snapshot-out-of-date'
  | 'invalid-argument'
  | 'entry-too-large'
  | 'closed'
  | 'failed';

/** Where on disk a problem was found (a file and, when meaningful, a byte offset in it). */
export interface StorageErrorLocation {
  file?: string;
  offsetBytes?: number;
}

/**
 * The one error type storage throws for expected failures, so callers can branch on `code`.
 * Damage found on disk carries `file` and `offsetBytes`, also spelled out in the message, so
 * an operator can inspect the exact bytes. Unexpected I/O errors (EIO, ENOSPC) are thrown as
 * they come from Node; they also make a `DiskStorage` refuse further writes (code `failed`).
 */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly file: string | undefined;
  readonly offsetBytes: number | undefined;

  constructor(code: StorageErrorCode, message: string, location: StorageErrorLocation = {}) {
    super(StorageError.describe(code, message, location));
    this.name = 'StorageError';
    this.code = code;
    this.file = location.file;
    this.offsetBytes = location.offsetBytes;
  }

  private static describe(
    code: StorageErrorCode,
    message: string,
    location: StorageErrorLocation,
  ): string {
    let where = '';
    if (location.file !== undefined) {
      where = ` (file ${location.file}`;
      where += location.offsetBytes === undefined ? ')' : `, offset ${location.offsetBytes})`;
    }
    return `${code}: ${message}${where}`;
  }
}
