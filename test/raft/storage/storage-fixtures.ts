import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionContext } from 'ava';
import { EMPTY_HARD_STATE, type RestoredState } from '../../../agent/src/raft/config.js';
import type { Entry, HardState, Snapshot } from '../../../agent/src/raft/types.js';

/** A fresh directory under the OS temp dir, removed when the test ends. */
export function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-storage-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One normal entry whose data names it (so a wrong entry is visible in a diff). */
export function entry(index: number, term: number, text = `entry ${index}/${term}`): Entry {
  return { index, term, type: 'normal', data: new TextEncoder().encode(text) };
}

/** Entries `from..to` (inclusive), all with `term`. */
export function entries(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
}

/** A snapshot at `index`/`term` with a small image. */
export function snapshot(index: number, term: number, text = `image@${index}`): Snapshot {
  return {
    metadata: { index, term, confState: { voters: ['n1', 'n2', 'n3'], learners: ['n4'] } },
    data: new TextEncoder().encode(text),
  };
}

/** A hard state. */
export function hardState(term: number, vote: string | null, commit: number): HardState {
  return { term, vote, commit };
}

/** Names in `dir` matching `pattern`, sorted. */
export function filesIn(dir: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => pattern.test(n))
    .sort();
}

/** WAL segment file names in `dir`, in sequence order. */
export function segmentNames(dir: string): string[] {
  return filesIn(dir, /^wal-[0-9a-f]{16}\.log$/);
}

/** Snapshot file names in `dir`, oldest first. */
export function snapshotNames(dir: string): string[] {
  return filesIn(dir, /^snap-[0-9a-f]{16}-[0-9a-f]{16}\.snap$/);
}

/** Copy the files of `from` into the (existing, empty) directory `to`. */
export function copyFiles(from: string, to: string): void {
  for (const name of fs.readdirSync(from)) {
    fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

/** XOR the byte at `offset` of `file` with 0xff. */
export function flipByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0xff;
  fs.writeFileSync(file, bytes);
}

/**
 * The storage contract written as plainly as possible, independent of the implementations'
 * shared code: the reference the tests compare them against.
 */
export class StorageModel {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | null = null;
  log: Entry[] = [];

  get baseIndex(): number {
    return this.snapshot?.metadata.index ?? 0;
  }

  get lastIndex(): number {
    return this.log.at(-1)?.index ?? this.baseIndex;
  }

  termAt(index: number): number | undefined {
    if (index === this.baseIndex) return this.snapshot?.metadata.term ?? 0;
    return this.log.find((e) => e.index === index)?.term;
  }

  save(hs: HardState | null, newEntries: Entry[]): void {
    if (hs !== null) this.hardState = { ...hs };
    const kept = newEntries.filter((e) => e.index > this.baseIndex);
    if (kept.length === 0) return;
    if (kept[0]!.index > this.lastIndex + 1) throw new Error('model: gap');
    this.log = this.log.filter((e) => e.index < kept[0]!.index).concat(kept);
  }

  saveSnapshot(s: Snapshot, keepLogAfter: boolean): void {
    const { index, term } = s.metadata;
    const keep = keepLogAfter && this.termAt(index) === term;
    this.log = keep ? this.log.filter((e) => e.index > index) : [];
    this.snapshot = s;
  }

  clone(): StorageModel {
    const copy = new StorageModel();
    copy.hardState = this.hardState;
    copy.snapshot = this.snapshot;
    copy.log = [...this.log];
    return copy;
  }

  restored(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.log] };
  }
}
