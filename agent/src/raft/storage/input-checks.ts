import type { Entry, HardState, Snapshot } from '../types.js';
import { StorageError } from './storage-error.js';

/**
 * Validation of what the driver hands to storage, shared by every implementation so they
 * reject the same inputs the same way. It checks shape only (numbers are non-negative safe
 * integers, indices consecutive); Raft-level rules (terms never decrease...) are the core's.
 */

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalid(message: string): StorageError {
  return new StorageError('invalid-argument', message);
}

/** Throws `invalid-argument` unless `entries` are well-formed with consecutive indices >= 1. */
export function checkEntries(entries: readonly Entry[]): void {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!isCount(e.index) || e.index < 1) throw invalid(`entry index ${e.index} is not >= 1`);
    if (!isCount(e.term)) throw invalid(`entry ${e.index} has bad term ${e.term}`);
    if (e.type !== 'normal' && e.type !== 'conf-change') {
      throw invalid(`entry ${e.index} has unknown type ${String(e.type)}`);
    }
    if (!(e.data instanceof Uint8Array)) throw invalid(`entry ${e.index} data is not bytes`);
    if (i > 0 && e.index !== entries[i - 1]!.index + 1) {
      throw invalid(`entry indices not consecutive: ${entries[i - 1]!.index} then ${e.index}`);
    }
  }
}

/** Throws `invalid-argument` unless `hardState` is well-formed. */
export function checkHardState(hardState: HardState): void {
  if (!isCount(hardState.term) || !isCount(hardState.commit)) {
    throw invalid(`bad hard state term ${hardState.term} / commit ${hardState.commit}`);
  }
  if (hardState.vote !== null && typeof hardState.vote !== 'string') {
    throw invalid('hard state vote is neither a node id nor null');
  }
}

/** Throws `invalid-argument` unless `snapshot` is well-formed. */
export function checkSnapshot(snapshot: Snapshot): void {
  const { index, term, confState } = snapshot.metadata;
  if (!isCount(index) || !isCount(term)) {
    throw invalid(`bad snapshot index ${index} / term ${term}`);
  }
  const ids = [...confState.voters, ...confState.learners];
  if (!ids.every((id) => typeof id === 'string')) throw invalid('snapshot member is not a string');
  if (!(snapshot.data instanceof Uint8Array)) throw invalid('snapshot data is not bytes');
}

/** Whether two hard states are equal field by field. */
export function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
