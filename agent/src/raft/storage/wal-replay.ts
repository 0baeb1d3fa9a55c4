import { EMPTY_HARD_STATE } from '../config.js';
import type { Entry, HardState } from '../types.js';
import { LogSuffix } from './log-suffix.js';
import { StorageError } from './storage-error.js';
import type { WalRecord } from './wal-payload.js';

/** A decoded WAL record and where it was read, for error messages. */
export interface LocatedRecord {
  record: WalRecord;
  file: string;
  offsetBytes: number;
}

/** Where recovery restarts the log: a snapshot's index and term, or null for no snapshot. */
export type ReplayBase = { index: number; term: number } | null;

/** What replaying the WAL on top of one snapshot gave, or why that snapshot cannot be used. */
export type ReplayOutcome =
  | { ok: true; hardState: HardState; entries: Entry[] }
  | { ok: false; why: ReplayFailure; reason: string };

/**
 * Why a snapshot cannot be the base: `no-marker` (its save never finished), `needs-snapshot`
 * (no snapshot given but the WAL records one), `unrebuildable` (a newer leader snapshot
 * replaced the log, and the log from this older base does not reach it).
 */
export type ReplayFailure = 'no-marker' | 'needs-snapshot' | 'unrebuildable';

/**
 * Rebuild the hard state and the log after `base` (the snapshot recovery starts from) by
 * replaying `records` (every WAL record on disk, in order).
 *
 * The WAL may have lost a prefix (segments wholly covered by the oldest kept snapshot are
 * deleted), so the replay starts from the snapshot and keeps only entries after it:
 *
 * - entries starting at `first`: the log from `first` on is replaced, which is how an
 *   overwritten uncommitted suffix replays. This holds even for a record wholly at or below
 *   the base (written before the snapshot): it still cut off what followed it at the time.
 *   Entries at or below the base are then dropped; the first one left must be at most
 *   lastIndex + 1 (else `index-gap`, naming the record).
 * - hard state: the last one wins.
 * - snapshot marker at or below the base, log dropped (a leader's snapshot): the entries
 *   after it at that time are gone, so the log after the base is emptied. Kept: no effect.
 * - snapshot marker above the base (a newer snapshot whose file is unusable, so recovery
 *   falls back to an older one): if it kept the log, the entries up to it are still in the
 *   WAL and stay. If it replaced the log, recovery can go on only when the log holds the
 *   marker's index and term (then it equals the leader's up to there); else the outcome is
 *   a failure.
 *
 * The base is usable only if its own marker is found (a snapshot file without a marker was
 * being saved when the process died), and the no-snapshot base only if there is no marker.
 */
export function replayWal(records: readonly LocatedRecord[], base: ReplayBase): ReplayOutcome {
  if (base === null && records.some((r) => r.record.kind === 'snapshot-marker')) {
    return { ok: false, why: 'needs-snapshot', reason: 'the WAL records a snapshot' };
  }
  const start = base ?? { index: 0, term: 0 };
  const log = new LogSuffix<Entry>(start.index, start.term, (e) => e.term);
  let hardState: HardState = EMPTY_HARD_STATE;
  let markerFound = base === null;
  for (const { record, file, offsetBytes } of records) {
    switch (record.kind) {
      case 'hard-state':
        hardState = record.hardState;
        break;
      case 'entries': {
        const first = record.entries[0]!.index;
        // The record replaced the log from `first` on when it was written, even if all of it
        // now lies at or below the base: what followed it then must go (the log is clamped
        // at the base, so only entries after the base are affected).
        log.truncateAfter(first - 1);
        if (!log.append(first, record.entries)) {
          throw new StorageError(
            'index-gap',
            `entries start at ${first} but the log ends at ${log.lastIndex}`,
            { file, offsetBytes },
          );
        }
        break;
      }
      case 'snapshot-marker':
        if (record.index === start.index && record.term === start.term) markerFound = true;
        if (record.keptLog) break;
        if (record.index <= start.index) {
          log.truncateAfter(start.index);
        } else if (log.matches(record.index, record.term)) {
          log.truncateAfter(record.index);
        } else {
          return {
            ok: false,
            why: 'unrebuildable',
            reason:
              `the log cannot be rebuilt past the leader's snapshot at index ${record.index} ` +
              `(marker in ${file} at offset ${offsetBytes})`,
          };
        }
        break;
    }
  }
  if (!markerFound) {
    return {
      ok: false,
      why: 'no-marker',
      reason: 'the WAL has no marker for it (unfinished save)',
    };
  }
  return { ok: true, hardState, entries: [...log.entries] };
}
