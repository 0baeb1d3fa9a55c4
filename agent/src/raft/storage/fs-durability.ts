import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The few file-system moves durable storage is built from. Creating, renaming or deleting a
 * file changes its directory, which the kernel writes back on its own schedule: until the
 * directory itself is fsynced a crash can undo the change even though the file's own data
 * was synced. Every such change here is followed by {@link fsyncDirectory}.
 */

/** Flush the directory entry table of `dir` to stable storage. */
export function fsyncDirectory(dir: string): void {
  // Windows cannot open a directory for fsync; its rename is already durable enough there.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Write all of `bytes` at `positionBytes` (writeSync may write fewer bytes than asked). */
export function writeFully(fd: number, bytes: Uint8Array, positionBytes: number): void {
  let written = 0;
  // Bounded: each pass writes at least one byte or throws.
  while (written < bytes.length) {
    const n = fs.writeSync(fd, bytes, written, bytes.length - written, positionBytes + written);
    if (n <= 0) throw new Error(`write returned ${n}`);
    written += n;
  }
}

/**
 * Create `dir/name` atomically and durably with the given parts as content: write a temp file
 * next to it, fsync it, rename it into place, fsync the directory. A crash leaves either no
 * file or the complete file (plus perhaps a `.tmp` leftover, which recovery deletes).
 */
export function writeFileAtomically(dir: string, name: string, parts: Uint8Array[]): void {
  const target = path.join(dir, name);
  const temp = `${target}${TEMP_SUFFIX}`;
  const fd = fs.openSync(temp, 'w');
  try {
    let position = 0;
    for (const part of parts) {
      writeFully(fd, part, position);
      position += part.length;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
  fsyncDirectory(dir);
}

/** Suffix of files being written by {@link writeFileAtomically}; never valid data. */
export const TEMP_SUFFIX = '.tmp';
