import { makeMessage, type Message, type MessageType } from '../../agent/src/raft/types.js';

/**
 * Shared test helpers for the transport tests: bounded polling instead of fixed sleeps, a
 * recording message handler, and short message constructors.
 */

/** A resolved promise one macrotask later: lets I/O and timers run, bounds nothing. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` (only ever as the pause between two polls, never as synchronisation). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `condition` until it holds, at most `tries` times `intervalMs` apart and never past
 * `deadlineMs`; rejects with `what` otherwise. Returns the number of polls it took.
 */
export async function waitFor(
  what: string,
  condition: () => boolean,
  { tries = 500, intervalMs = 10, deadlineMs = 15_000 } = {},
): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (let i = 1; i <= tries && Date.now() <= deadline; i += 1) {
    if (condition()) return i;
    await pause(intervalMs);
  }
  if (condition()) return tries;
  throw new Error(`timed out waiting for ${what}`);
}

/** A handler that records every batch it receives, in order. */
export class Recorder {
  readonly batches: Message[][] = [];

  readonly handler = (messages: Message[]): void => {
    this.batches.push(messages);
  };

  /** Every message received, in arrival order. */
  get messages(): Message[] {
    return this.batches.flat();
  }

  /** The `index` fields of messages received from `from`, in arrival order. */
  indexesFrom(from: string): number[] {
    return this.messages.filter((m) => m.from === from).map((m) => m.index);
  }
}

/** A message of `type` (MsgApp by default) from `from` to `to`, numbered by `index`. */
export function msg(
  from: string,
  to: string,
  index: number,
  type: MessageType = 'MsgApp',
): Message {
  return makeMessage({ type, from, to, index, term: 1 });
}

/** A MsgSnap from `from` to `to` whose snapshot data holds `sizeBytes` patterned bytes. */
export function snapshotMsg(from: string, to: string, sizeBytes: number): Message {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 1) data[i] = i % 251;
  return makeMessage({
    type: 'MsgSnap',
    from,
    to,
    term: 3,
    snapshot: {
      metadata: { index: 7, term: 2, confState: { voters: [from, to], learners: [] } },
      data,
    },
  });
}

/** The numbers from..to inclusive. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
