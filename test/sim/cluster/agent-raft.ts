import type { RaftConfig } from '../../../agent/src/raft/config.js';
import { decodeEnvelope, encodeEnvelope } from '../../../agent/src/raft/driver/command-envelope.js';
import {
  RaftNode,
  type ProposeResult,
  type RaftStatus,
} from '../../../agent/src/raft/raft-node.js';
import type { Message, NodeId, Ready, Role } from '../../../agent/src/raft/types.js';
import {
  decodeClusterCommand,
  encodeClusterCommand,
  type ClusterCommand,
} from '../../../agent/src/state/cluster-commands.js';
import { ClusterState, type ApplyOutcome } from '../../../agent/src/state/cluster-state.js';
import type { SimDisk } from '../sim-disk.js';
import { callCore, SimViolation } from '../sim-violation.js';
import type { TraceLog } from '../trace-log.js';
import { formatReady } from '../trace-format.js';
import type { RaftObservers } from './raft-observers.js';

/** Most Readies one input may produce before the core is deemed to loop forever. */
const MAX_READIES_PER_INPUT = 1000;

/** What an {@link AgentRaft} tells its agent while it handles a Ready. */
export interface AgentRaftEvents {
  /** Sends the Ready's messages (after persisting, as the contract requires). */
  send(messages: Message[]): void;
  /**
   * An entry was applied: its request id (null for a no-op or a membership change), the
   * command (decoded on demand) and the state machine's answer. The core is mid-Ready here:
   * reactions that call into it must be deferred.
   */
  applied(
    index: number,
    requestId: string | null,
    command: () => ClusterCommand | null,
    outcome: ApplyOutcome | null,
  ): void;
  /** Role or leader changed; `electedTerm` is set when this node just won an election. */
  softState(role: Role, leader: NodeId | null, electedTerm: number | null): void;
}

/**
 * The Raft driver of one simulated agent incarnation: the real {@link RaftNode} with the real
 * {@link ClusterState} as its state machine, on the host's simulated disk. Every call into
 * the core is followed by draining its Readies, each handled in the contract's order
 * (types.ts): persist (fsync when mustSync), send, install the snapshot and apply committed
 * entries, advance; then compact when enough entries were applied. Commands travel in the
 * agent driver's envelope (request id + encoded cluster command), so an agent knows when its
 * own proposal applied. The Raft observers see every step.
 */
export class AgentRaft {
  /** The replicated cluster state of this incarnation. */
  readonly state = new ClusterState();
  /** Index of the last applied entry (or of the installed snapshot). */
  appliedIndex = 0;
  private readonly id: NodeId;
  private readonly raft: RaftNode;
  private readonly disk: SimDisk;
  private readonly observers: RaftObservers;
  private readonly trace: TraceLog;
  private readonly events: AgentRaftEvents;
  private readonly compactEveryEntries: number;
  private readonly nowMs: () => number;
  private dead = false;

  constructor(
    config: RaftConfig,
    disk: SimDisk,
    observers: RaftObservers,
    trace: TraceLog,
    events: AgentRaftEvents,
    compactEveryEntries: number,
    nowMs: () => number,
  ) {
    this.id = config.id;
    this.disk = disk;
    this.observers = observers;
    this.trace = trace;
    this.events = events;
    this.compactEveryEntries = compactEveryEntries;
    this.nowMs = nowMs;
    const restored = disk.restore();
    if (restored.snapshot !== null) {
      this.state.restore(restored.snapshot.data);
      this.appliedIndex = restored.snapshot.metadata.index;
    }
    observers.started(this.id, this.appliedIndex);
    this.raft = this.guard('construct', () => new RaftNode(config, restored));
    this.drain();
  }

  /** Stops handling anything (the process died). */
  kill(): void {
    this.dead = true;
  }

  /** One tick of the agent's Raft clock. */
  tick(): void {
    this.input('tick', () => this.raft.tick());
  }

  /** A message from the wire. */
  step(m: Message): void {
    this.input(`step ${m.type}`, () => this.raft.step(m));
  }

  /** Proposes `command` under `requestId` (accepted is not committed). */
  propose(requestId: string, command: ClusterCommand): ProposeResult {
    const data = encodeEnvelope(requestId, encodeClusterCommand(command));
    let result: ProposeResult = { ok: false, error: 'not-leader', leader: null, reason: 'dead' };
    this.input('propose', () => {
      result = this.raft.propose(data);
    });
    return result;
  }

  /** The core's status. */
  status(): RaftStatus {
    return this.guard('status', () => this.raft.status());
  }

  private input(what: string, call: () => void): void {
    if (this.dead) return;
    this.guard(what, call);
    this.drain();
  }

  private drain(): void {
    for (let n = 0; !this.dead; n++) {
      if (!this.guard('hasReady', () => this.raft.hasReady())) return;
      if (n >= MAX_READIES_PER_INPUT) {
        throw new SimViolation('core-error', `${this.id} produced ${n} Readies for one input`);
      }
      this.handleReady(this.guard('ready', () => this.raft.ready()));
    }
  }

  private handleReady(rd: Ready): void {
    this.trace.log(() => `${this.id} ready ${formatReady(rd)}`);
    // 1. Persist.
    this.disk.writeReady(rd);
    const elected = this.observers.afterPersist(this.id, this.disk, rd, this.nowMs());
    // 2. Send.
    if (rd.messages.length > 0) this.events.send(rd.messages);
    // 3. Install the snapshot, apply committed entries.
    if (rd.snapshot !== null) {
      this.state.restore(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.metadata.index;
      this.observers.snapshotInstalled(this.id, rd.snapshot);
      this.trace.log(`${this.id} installed snapshot ${rd.snapshot.metadata.index}`);
    }
    const term = this.disk.hardState.term;
    for (const e of rd.committedEntries) {
      this.appliedIndex = e.index;
      this.observers.applied(this.id, e, term);
      if (e.type !== 'normal' || e.data.length === 0) {
        this.events.applied(e.index, null, () => null, null);
        continue;
      }
      const { requestId, command } = decodeEnvelope(e.data);
      const outcome = this.state.apply(e.index, command);
      this.events.applied(e.index, requestId, () => decodeClusterCommand(command), outcome);
    }
    // 4. Advance, then compact.
    this.guard('advance', () => this.raft.advance(rd));
    if (rd.softState !== null) {
      this.events.softState(
        rd.softState.role,
        rd.softState.leader,
        elected ? this.disk.hardState.term : null,
      );
    }
    if (this.appliedIndex - this.disk.snapshotIndex >= this.compactEveryEntries) {
      const index = this.appliedIndex;
      const snap = this.guard('compact', () => this.raft.compact(index, this.state.snapshot()));
      this.disk.writeCompaction(snap);
      this.observers.compacted(this.id, snap, index);
    }
  }

  /** Runs a core call (see {@link callCore}). */
  private guard<T>(what: string, call: () => T): T {
    return callCore(this.id, what, call);
  }
}
