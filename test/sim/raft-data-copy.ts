import type { Entry, HardState, Message, Snapshot } from '../../agent/src/raft/types.js';

/**
 * Deep copies of Raft data. Whatever crosses a simulated boundary (the wire, the disk) is
 * copied, as serialisation would, so a core that kept mutating an object after handing it over
 * cannot silently change what another node received or what the disk holds.
 */
export function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}

/** A deep copy of a snapshot (see {@link copyEntry} for why). */
export function copySnapshot(s: Snapshot): Snapshot {
  return {
    metadata: {
      index: s.metadata.index,
      term: s.metadata.term,
      confState: {
        voters: [...s.metadata.confState.voters],
        learners: [...s.metadata.confState.learners],
      },
    },
    data: s.data.slice(),
  };
}

/** A copy of a hard state (see {@link copyEntry} for why). */
export function copyHardState(h: HardState): HardState {
  return { term: h.term, vote: h.vote, commit: h.commit };
}

/** A deep copy of a message, as if it had been encoded and decoded on the wire. */
export function copyMessage(m: Message): Message {
  return {
    ...m,
    entries: m.entries.map(copyEntry),
    snapshot: m.snapshot === null ? null : copySnapshot(m.snapshot),
  };
}
