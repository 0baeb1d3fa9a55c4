import type { RaftConfig } from '../../agent/src/raft/config.js';
import { RaftNode, type ProposeResult, type RaftStatus } from '../../agent/src/raft/raft-node.js';
import type {
  ConfChange,
  Entry,
  Message,
  NodeId,
  ReadState,
  Ready,
  Role,
  Snapshot,
} from '../../agent/src/raft/types.js';
import { CommandStateMachine, type AppliedCommand } from './command-state-machine.js';
import type { SimDisk } from './sim-disk.js';
import { callCore, SimViolation } from './sim-violation.js';
import type { TraceLog } from './trace-log.js';
import { formatReady } from './trace-format.js';

/** What a proposal to a node that just crashed gets (the client sees the connection drop). */
const DOWN: ProposeResult = {
  ok: false,
  error: 'not-leader',
  leader: null,
  reason: 'the node crashed',
};

/** Most Readies one input may produce before the core is deemed to loop forever. */
const MAX_READIES_PER_INPUT = 1000;

/**
 * What a {@link SimNode} needs from the simulated world while it handles a Ready: the network,
 * the fault schedule and the observers. Callbacks run in the order the Ready contract
 * prescribes (persist, send, apply), so observers see exactly what a real driver would do.
 */
export interface SimNodeEnv {
  readonly trace: TraceLog;
  /** Called before every input but a tick (the driver may owe the core ticks first). */
  beforeInput(node: SimNode): void;
  /** A new incarnation's core was built (before its first Ready is handled). */
  started(node: SimNode): void;
  /** The Ready's writes are on disk (observers check the log and new leaders here). */
  afterPersist(node: SimNode, rd: Ready): void;
  /** Fault hook: whether to crash now, between persisting and sending (the env crashes it). */
  crashAfterPersist(node: SimNode): boolean;
  /** Sends the Ready's messages. */
  sendMessages(node: SimNode, messages: Message[]): void;
  /** A snapshot from the leader was installed into the state machine. */
  snapshotInstalled(node: SimNode, snapshot: Snapshot): void;
  /** One committed entry was applied (`command` when it carried a client command). */
  applied(node: SimNode, entry: Entry, command: AppliedCommand | null): void;
  /** The Ready was applied and advanced: pending reads may now be answerable. */
  afterAdvance(node: SimNode): void;
  /** Whether to compact the log up to the applied index now. */
  shouldCompact(node: SimNode): boolean;
  /** A local compaction produced `snapshot` (already stored on disk). */
  compacted(node: SimNode, snapshot: Snapshot): void;
}

/**
 * One simulated server: the real {@link RaftNode} plus the driver around it — a simulated disk,
 * the command state machine, and the Ready loop. The driver follows the contract in types.ts
 * to the letter: persist (fsync when mustSync), then send, then install the snapshot and apply
 * committed entries, then advance. Every call into the core is followed by draining its Readies.
 *
 * The node object outlives crashes: a crash drops the RaftNode and the state machine (memory),
 * the disk survives, and a restart builds a fresh RaftNode from what the disk kept.
 */
export class SimNode {
  /** The node's id. */
  readonly id: NodeId;
  /** Real (simulated) ms between two ticks of this node's clock; differs per node (drift). */
  readonly tickIntervalMs: number;
  /** The node's stable storage. */
  readonly disk: SimDisk;
  /** The running core, or null while the node is down. */
  raft: RaftNode | null = null;
  /** The state machine of the current incarnation. */
  sm = new CommandStateMachine();
  /** Starts so far (1 after the first start); pending work of older incarnations is void. */
  incarnation = 0;
  /** Read states received but not yet answerable (applied index below theirs). */
  readStates: ReadState[] = [];
  /** Role and leader as of the last Ready with a soft state. */
  role: Role = 'follower';
  leader: NodeId | null = null;
  /** Set once the node left the cluster for good (removed): it never restarts. */
  retired = false;
  /**
   * While the simulated clock is below this, the process is paused (a long GC or VM stall):
   * it neither ticks nor receives; its inputs wait until it resumes.
   */
  pausedUntilMs = 0;
  /** Simulated time of this incarnation's tick number 0 (tick k is due at origin + k * interval). */
  clockOriginMs = 0;
  /** Ticks delivered to this incarnation so far. */
  ticksRun = 0;
  private readonly env: SimNodeEnv;

  constructor(id: NodeId, tickIntervalMs: number, disk: SimDisk, env: SimNodeEnv) {
    this.id = id;
    this.tickIntervalMs = tickIntervalMs;
    this.disk = disk;
    this.env = env;
  }

  /** Whether the node is running. */
  get up(): boolean {
    return this.raft !== null;
  }

  /** Starts a new incarnation from what the disk holds; its clock starts at `clockOriginMs`. */
  start(config: RaftConfig, clockOriginMs: number): void {
    this.clockOriginMs = clockOriginMs;
    this.ticksRun = 0;
    const restored = this.disk.restore();
    this.incarnation++;
    this.sm = CommandStateMachine.fromSnapshot(restored.snapshot);
    this.readStates = [];
    this.role = 'follower';
    this.leader = null;
    this.raft = this.guard('construct', () => new RaftNode(config, restored));
    this.env.started(this);
    this.drain();
  }

  /** Stops the node (its memory is gone; the caller decides what the disk keeps). */
  stop(): void {
    this.raft = null;
    this.pausedUntilMs = 0;
    this.readStates = [];
    this.role = 'follower';
    this.leader = null;
  }

  /** One tick of the node's clock. */
  tick(): void {
    this.ticksRun++;
    this.input('tick', (r) => r.tick(), undefined);
  }

  /** Delivers a message from the network. */
  step(m: Message): void {
    this.input(`step ${m.type}`, (r) => r.step(m), undefined);
  }

  /** Proposes a client command. */
  propose(data: Uint8Array): ProposeResult {
    return this.input('propose', (r) => r.propose(data), DOWN);
  }

  /** Proposes a membership change. */
  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.input('proposeConfChange', (r) => r.proposeConfChange(cc), DOWN);
  }

  /** Starts a linearizable read. */
  readIndex(context: string): void {
    this.input('readIndex', (r) => r.readIndex(context), undefined);
  }

  /** Asks the core (a leader) to hand leadership to `to`. */
  transferLeadership(to: NodeId): void {
    this.input('transferLeadership', (r) => r.transferLeadership(to), undefined);
  }

  /** Makes the core start an election now. */
  campaign(): void {
    this.input('campaign', (r) => r.campaign(), undefined);
  }

  /** Tells the core that `peer` could not be reached. */
  reportUnreachable(peer: NodeId): void {
    this.input('reportUnreachable', (r) => r.reportUnreachable(peer), undefined);
  }

  /** Tells the core whether a snapshot reached `peer`. */
  reportSnapshot(peer: NodeId, ok: boolean): void {
    this.input('reportSnapshot', (r) => r.reportSnapshot(peer, ok), undefined);
  }

  /** The core's status (the node must be up). */
  status(): RaftStatus {
    const r = this.raft;
    if (r === null) throw new Error(`${this.id} is down`);
    return this.guard('status', () => r.status());
  }

  /**
   * Feeds one input to the core and drains its Readies. `ifDown` is the answer when the
   * process died just before (e.g. while catching up on ticks): the input is lost with it.
   */
  private input<T>(what: string, call: (r: RaftNode) => T, ifDown: T): T {
    if (what !== 'tick') this.env.beforeInput(this);
    const r = this.raft;
    if (r === null) return ifDown;
    const out = this.guard(what, () => call(r));
    this.drain();
    return out;
  }

  /** Handles Readies until the core has nothing more to do (or the node crashed). */
  private drain(): void {
    const r = this.raft;
    for (let n = 0; r !== null && this.raft === r; n++) {
      if (!this.guard('hasReady', () => r.hasReady())) return;
      if (n >= MAX_READIES_PER_INPUT) {
        throw new SimViolation('core-error', `${this.id} produced ${n} Readies for one input`);
      }
      const rd = this.guard('ready', () => r.ready());
      this.handleReady(r, rd);
    }
  }

  private handleReady(r: RaftNode, rd: Ready): void {
    this.env.trace.log(() => `${this.id} ready ${formatReady(rd)}`);
    if (rd.softState !== null) {
      this.role = rd.softState.role;
      this.leader = rd.softState.leader;
    }
    // 1. Persist.
    this.disk.writeReady(rd);
    this.env.afterPersist(this, rd);
    if (this.env.crashAfterPersist(this)) return;
    // 2. Send.
    if (rd.messages.length > 0) this.env.sendMessages(this, rd.messages);
    // 3. Install the snapshot, apply committed entries.
    if (rd.snapshot !== null) {
      this.sm.install(rd.snapshot);
      this.env.snapshotInstalled(this, rd.snapshot);
    }
    for (const e of rd.committedEntries) {
      const cmd = this.sm.apply(e);
      this.env.applied(this, e, cmd);
    }
    // 4. Read states wait for the applied index; then advance.
    for (const rs of rd.readStates) this.readStates.push(rs);
    this.guard('advance', () => r.advance(rd));
    this.env.afterAdvance(this);
    if (this.raft === r && this.env.shouldCompact(this)) {
      const index = this.sm.appliedIndex;
      const image = this.sm.image();
      const snap = this.guard('compact', () => r.compact(index, image));
      this.disk.writeCompaction(snap);
      this.env.compacted(this, snap);
    }
  }

  /** Runs a core call (see {@link callCore}). */
  private guard<T>(what: string, call: () => T): T {
    return callCore(this.id, what, call);
  }
}
