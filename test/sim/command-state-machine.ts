import type { Entry, Snapshot } from '../../agent/src/raft/types.js';
import { decodeCommandId } from './command-codec.js';

/** One applied client command: the log index it was applied at and its id. */
export interface AppliedCommand {
  index: number;
  id: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The replicated state machine each simulated node runs: the ordered list of client commands
 * it applied (with their log indexes). A read returns the set of applied ids, which is exactly
 * what the linearizability check needs; the image (for snapshots) is that list as JSON.
 * Duplicates are kept: Raft may legitimately commit a forwarded proposal twice when the
 * network duplicates it.
 */
export class CommandStateMachine {
  /** Index of the last entry applied (or of the installed snapshot). */
  appliedIndex = 0;
  private commands: AppliedCommand[] = [];
  private ids = new Set<number>();

  /** A state machine holding the image of `snapshot` (empty for the bootstrap snapshot). */
  static fromSnapshot(snapshot: Snapshot | null): CommandStateMachine {
    const sm = new CommandStateMachine();
    if (snapshot !== null) sm.install(snapshot);
    return sm;
  }

  /** Replaces the whole state with the image carried by `snapshot`. */
  install(snapshot: Snapshot): void {
    this.commands = decodeImage(snapshot.data);
    this.ids = new Set(this.commands.map((c) => c.id));
    this.appliedIndex = snapshot.metadata.index;
  }

  /** Applies one committed entry (no-ops and conf changes only advance the index). */
  apply(entry: Entry): AppliedCommand | null {
    this.appliedIndex = entry.index;
    if (entry.type !== 'normal') return null;
    const id = decodeCommandId(entry.data);
    if (id === null) return null;
    const cmd = { index: entry.index, id };
    this.commands.push(cmd);
    this.ids.add(id);
    return cmd;
  }

  /** Whether command `id` has been applied (the read operation). */
  has(id: number): boolean {
    return this.ids.has(id);
  }

  /** How many commands have been applied. */
  get commandCount(): number {
    return this.commands.length;
  }

  /** The applied commands in order (read-only view for checks). */
  appliedCommands(): readonly AppliedCommand[] {
    return this.commands;
  }

  /** The state-machine image to store in a snapshot. */
  image(): Uint8Array {
    return encoder.encode(JSON.stringify(this.commands.map((c) => [c.index, c.id])));
  }
}

/** Decodes an image made by {@link CommandStateMachine.image} (empty data: empty state). */
export function decodeImage(data: Uint8Array): AppliedCommand[] {
  if (data.length === 0) return [];
  const pairs = JSON.parse(decoder.decode(data)) as [number, number][];
  return pairs.map(([index, id]) => ({ index, id }));
}
