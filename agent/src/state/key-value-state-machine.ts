import type { StateMachine } from '../raft/driver/state-machine.js';

/** A command of the key-value state machine. */
export type KeyValueCommand =
  { op: 'set'; key: string; value: string } | { op: 'delete'; key: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encode a key-value command for `RaftDriver.propose`. */
export function encodeKeyValueCommand(cmd: KeyValueCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/**
 * A replicated string map: the state machine the agent runs until the cluster-state machine
 * (resources, placement, intents) replaces it, and the one the Raft benchmark and the
 * multi-process tests write through. Deterministic; a malformed command yields an error
 * result (the same on every node) rather than throwing.
 */
export class KeyValueStateMachine implements StateMachine {
  private map = new Map<string, string>();
  /** Index of the last applied command (for tests that compare replicas). */
  lastIndex = 0;

  apply(index: number, command: Uint8Array): unknown {
    this.lastIndex = index;
    let cmd: KeyValueCommand;
    try {
      cmd = JSON.parse(decoder.decode(command)) as KeyValueCommand;
    } catch {
      return { error: 'malformed command' };
    }
    if (cmd.op === 'set' && typeof cmd.key === 'string' && typeof cmd.value === 'string') {
      this.map.set(cmd.key, cmd.value);
      return { ok: true };
    }
    if (cmd.op === 'delete' && typeof cmd.key === 'string') {
      return { ok: this.map.delete(cmd.key) };
    }
    return { error: 'unknown command' };
  }

  /** The value under `key`, if any. */
  get(key: string): string | undefined {
    return this.map.get(key);
  }

  /** Number of keys. */
  get size(): number {
    return this.map.size;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ lastIndex: this.lastIndex, entries: [...this.map] }));
  }

  restore(data: Uint8Array): void {
    if (data.length === 0) {
      this.map = new Map();
      return;
    }
    const parsed = JSON.parse(decoder.decode(data)) as {
      lastIndex: number;
      entries: [string, string][];
    };
    this.map = new Map(parsed.entries);
    this.lastIndex = parsed.lastIndex;
  }
}
