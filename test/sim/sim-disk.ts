import type { RestoredState } from '../../agent/src/raft/config.js';
import type { Entry, HardState, Ready, Snapshot } from '../../agent/src/raft/types.js';
import { copyEntry, copyHardState, copySnapshot } from './raft-data-copy.js';
import type { SimRandom } from './sim-random.js';
import { SimViolation } from './sim-violation.js';

/**
 * One write to the simulated disk: what a Ready asks to persist, or a local compaction.
 * Items are laid down in this order: snapshot, entries one by one, hard state — a crash that
 * tears the write keeps a prefix of that sequence.
 */
export interface DiskWrite {
  hardState: HardState | null;
  snapshot: Snapshot | null;
  /**
   * `install`: a snapshot received from the leader replaces the whole log. `compact`: a local
   * snapshot replaces only the log prefix it covers.
   */
  snapshotMode: 'install' | 'compact';
  /** Entries to store; the stored log from `entries[0].index` on is replaced. */
  entries: Entry[];
}

/** What a crash did to the writes not yet synced. */
export interface CrashOutcome {
  /** Unsynced writes that vanished entirely. */
  lostWrites: number;
  /** Unsynced writes that happened to reach the platter in full. */
  keptWrites: number;
  /** Whether one more write survived only partially. */
  torn: boolean;
}

interface DiskImage {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Log entries after the snapshot: `entries[k].index === base + k + 1`. */
  entries: Entry[];
  base: number;
}

/**
 * A node's simulated stable storage: hard state, newest snapshot and the log after it.
 *
 * Durability model: a write with `sync` is durable at once and makes every earlier write
 * durable too (like an fsync of a write-ahead log). A write without `sync` is visible to reads
 * but stays "unsynced" until the next synced write. A crash loses all unsynced writes — or,
 * with the given tear probability, keeps an in-order prefix of them whose last write survives
 * only partly (a torn write), since unsynced data may or may not have reached the platter.
 */
export class SimDisk {
  private durable: DiskImage;
  private current: DiskImage;
  private unsynced: DiskWrite[] = [];

  /** A disk that durably holds `initial` (e.g. the bootstrap snapshot of a founder). */
  constructor(initial: RestoredState) {
    const snapshot = initial.snapshot === null ? null : copySnapshot(initial.snapshot);
    this.durable = {
      hardState: copyHardState(initial.hardState),
      snapshot,
      entries: initial.entries.map(copyEntry),
      base: snapshot?.metadata.index ?? (initial.entries[0]?.index ?? 1) - 1,
    };
    this.current = cloneImage(this.durable);
  }

  /**
   * Persists what a Ready asks to persist (step 1 of the Ready contract, before its messages
   * go out): its hard state, its snapshot (installed, replacing the log it covers) and its
   * entries, synced when `rd.mustSync`; nothing when it carries none of them. Both
   * simulations' drivers persist their Readies through this.
   */
  writeReady(rd: Ready): void {
    if (rd.hardState === null && rd.snapshot === null && rd.entries.length === 0) return;
    this.write(
      {
        hardState: rd.hardState,
        snapshot: rd.snapshot,
        snapshotMode: 'install',
        entries: rd.entries,
      },
      rd.mustSync,
    );
  }

  /** Stores the snapshot of a compaction, synced: the log it covers is dropped. */
  writeCompaction(snapshot: Snapshot): void {
    this.write({ hardState: null, snapshot, snapshotMode: 'compact', entries: [] }, true);
  }

  /** Persists `w`; durable now when `sync`, else only once a later synced write lands. */
  write(w: DiskWrite, sync: boolean): void {
    const owned: DiskWrite = {
      hardState: w.hardState === null ? null : copyHardState(w.hardState),
      snapshot: w.snapshot === null ? null : copySnapshot(w.snapshot),
      snapshotMode: w.snapshotMode,
      entries: w.entries.map(copyEntry),
    };
    applyWrite(this.current, owned, Infinity);
    if (!sync) {
      this.unsynced.push(owned);
      return;
    }
    for (const u of this.unsynced) applyWrite(this.durable, u, Infinity);
    this.unsynced = [];
    applyWrite(this.durable, owned, Infinity);
  }

  /**
   * Simulates power loss: unsynced writes are lost, except that with probability `tearRate`
   * a random in-order prefix of them survives with its last write torn. Pass no `random` to
   * lose exactly the unsynced writes.
   */
  crash(random: SimRandom | null = null, tearRate = 0): CrashOutcome {
    const pending = this.unsynced;
    this.unsynced = [];
    let keptWrites = 0;
    let torn = false;
    if (random !== null && pending.length > 0 && random.chance(tearRate)) {
      keptWrites = random.int(0, pending.length - 1);
      for (let i = 0; i < keptWrites; i++) applyWrite(this.durable, pending[i]!, Infinity);
      const last = pending[keptWrites]!;
      const items = itemCount(last);
      applyWrite(this.durable, last, random.int(0, items - 1));
      torn = true;
    }
    this.current = cloneImage(this.durable);
    return { lostWrites: pending.length - keptWrites - (torn ? 1 : 0), keptWrites, torn };
  }

  /** What a restarting node recovers (copies: the core may not alias the disk). */
  restore(): RestoredState {
    const c = this.current;
    return {
      hardState: copyHardState(c.hardState),
      snapshot: c.snapshot === null ? null : copySnapshot(c.snapshot),
      entries: c.entries.map(copyEntry),
    };
  }

  /** The stored hard state (including unsynced writes). */
  get hardState(): HardState {
    return this.current.hardState;
  }

  /** The stored snapshot (including unsynced writes), null before the first. */
  get snapshot(): Snapshot | null {
    return this.current.snapshot;
  }

  /** Index covered by the snapshot (0 without one). */
  get snapshotIndex(): number {
    return this.current.base;
  }

  /** The stored log entries after the snapshot, in index order (do not mutate). */
  get entries(): readonly Entry[] {
    return this.current.entries;
  }

  /** Index of the last stored entry (the snapshot index when the log is empty). */
  get lastIndex(): number {
    return this.current.base + this.current.entries.length;
  }

  /** The stored entry at `index`, or undefined when compacted away or not stored. */
  entryAt(index: number): Entry | undefined {
    return this.current.entries[index - this.current.base - 1];
  }

  /** The term of `index` if known: a stored entry, or the snapshot's own index. */
  termAt(index: number): number | undefined {
    const snap = this.current.snapshot;
    if (snap !== null && index === snap.metadata.index) return snap.metadata.term;
    return this.entryAt(index)?.term;
  }

  /** Number of writes that a crash right now would lose. */
  get unsyncedWrites(): number {
    return this.unsynced.length;
  }
}

function cloneImage(img: DiskImage): DiskImage {
  return {
    hardState: img.hardState,
    snapshot: img.snapshot,
    entries: [...img.entries],
    base: img.base,
  };
}

function itemCount(w: DiskWrite): number {
  return (w.snapshot === null ? 0 : 1) + w.entries.length + (w.hardState === null ? 0 : 1);
}

/** Lays down the first `maxItems` items of `w` (snapshot, entries, hard state) on `img`. */
function applyWrite(img: DiskImage, w: DiskWrite, maxItems: number): void {
  let budget = maxItems;
  if (w.snapshot !== null) {
    if (budget-- <= 0) return;
    const idx = w.snapshot.metadata.index;
    if (w.snapshotMode === 'install') {
      img.entries = [];
    } else {
      if (idx > img.base + img.entries.length) {
        throw new SimViolation(
          'ready-contract',
          `compaction to index ${idx} beyond the stored log (last ${img.base + img.entries.length})`,
        );
      }
      img.entries = img.entries.slice(Math.max(0, idx - img.base));
    }
    img.base = idx;
    img.snapshot = w.snapshot;
  }
  for (const e of w.entries) {
    if (budget-- <= 0) return;
    if (e.index <= img.base) continue;
    const last = img.base + img.entries.length;
    if (e.index > last + 1) {
      throw new SimViolation(
        'ready-contract',
        `entry ${e.index}/t${e.term} written after last stored index ${last}: gap in the log`,
      );
    }
    img.entries.length = e.index - img.base - 1;
    img.entries.push(e);
  }
  if (w.hardState !== null && budget > 0) img.hardState = w.hardState;
}
