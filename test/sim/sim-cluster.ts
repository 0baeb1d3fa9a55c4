import { bootstrapSnapshot, EMPTY_HARD_STATE } from '../../agent/src/raft/config.js';
import type { Entry, Message, NodeId, Ready, Snapshot } from '../../agent/src/raft/types.js';
import { CommittedRecord } from './committed-record.js';
import type { AppliedCommand } from './command-state-machine.js';
import { ElectionSafety } from './election-safety.js';
import { LeaderCompleteness } from './leader-completeness.js';
import { LogMatching } from './log-matching.js';
import { RAFT_MESSAGE_ENVELOPE } from './raft-message-envelope.js';
import { ReadLinearizability } from './read-linearizability.js';
import { SimDisk } from './sim-disk.js';
import { SimNetwork, type DropReason } from './sim-network.js';
import { SimNode, type SimNodeEnv } from './sim-node.js';
import type { SimParams } from './sim-params.js';
import { SimRandom } from './sim-random.js';
import { SimScheduler } from './sim-scheduler.js';
import { SimViolation } from './sim-violation.js';
import { StateMachineSafety } from './state-machine-safety.js';
import { formatHardState } from './trace-format.js';
import { TraceLog, type TraceSink } from './trace-log.js';

/** Parties interested in what nodes do (the client workload, the membership driver). */
export interface ClusterListener {
  /** `node` applied `entry` (a client command when `command` is set). */
  applied?(node: SimNode, entry: Entry, command: AppliedCommand | null): void;
  /** `node` finished a Ready (its applied index may have moved). */
  afterAdvance?(node: SimNode): void;
  /** `node` crashed or was stopped: its in-memory work is gone. */
  stopped?(node: SimNode): void;
}

/** Counters for the run summary. */
export interface ClusterStats {
  crashes: number;
  crashesAfterPersist: number;
  restarts: number;
  lostWrites: number;
  tornWrites: number;
  compactions: number;
  snapshotsInstalled: number;
}

/**
 * The simulated world: nodes (real RaftNodes behind simulated drivers), their clocks, the
 * network between them, and the safety observers, all on one simulated clock. It wires each
 * node's Ready handling to the network and to the observers, and offers crash/restart to the
 * fault schedule. It makes no random decision of its own beyond clock drift and disk tearing.
 */
export class SimCluster implements SimNodeEnv {
  readonly params: SimParams;
  readonly scheduler = new SimScheduler();
  readonly trace: TraceLog;
  readonly network: SimNetwork<Message>;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly stats: ClusterStats = {
    crashes: 0,
    crashesAfterPersist: 0,
    restarts: 0,
    lostWrites: 0,
    tornWrites: 0,
    compactions: 0,
    snapshotsInstalled: 0,
  };
  readonly electionSafety = new ElectionSafety();
  readonly logMatching = new LogMatching();
  readonly committed = new CommittedRecord();
  readonly stateMachineSafety = new StateMachineSafety(this.committed);
  readonly leaderCompleteness = new LeaderCompleteness(this.committed);
  readonly reads = new ReadLinearizability();
  /** Listeners, called in registration order. */
  readonly listeners: ClusterListener[] = [];
  /** Fault hook for crashes between persist and send (installed by the fault schedule). */
  crashAfterPersistHook: ((node: SimNode) => boolean) | null = null;
  private readonly diskRandom: SimRandom;

  constructor(params: SimParams, traceSink: TraceSink | null) {
    this.params = params;
    this.trace = new TraceLog(() => this.scheduler.nowMs, traceSink);
    this.diskRandom = SimRandom.forStream(params.seed, 'disk');
    this.network = new SimNetwork(
      this.scheduler,
      SimRandom.forStream(params.seed, 'network'),
      params.faultyNetwork,
      RAFT_MESSAGE_ENVELOPE,
      {
        deliver: (m) => this.deliver(m),
        dropped: (m, reason) => this.dropped(m, reason),
      },
      this.trace.verbose ? (line) => this.trace.log(line) : null,
    );
  }

  /**
   * Creates node `id` and starts it: a founder starts from the bootstrap snapshot with the
   * given founding voters, a joiner (`founders` null) from an empty disk.
   */
  addNode(id: NodeId, founders: NodeId[] | null): SimNode {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    const disk = new SimDisk({
      hardState: EMPTY_HARD_STATE,
      snapshot: founders === null ? null : bootstrapSnapshot(founders),
      entries: [],
    });
    const drift = SimRandom.forStream(this.params.seed, `clock/${id}`).float(
      -this.params.clockDriftMax,
      this.params.clockDriftMax,
    );
    const node = new SimNode(id, this.params.tickMs * (1 + drift), disk, this);
    this.nodes.set(id, node);
    this.trace.log(
      () =>
        `ADD ${id} (${founders === null ? 'joiner' : 'founder'}, drift ${(drift * 100).toFixed(2)}%)`,
    );
    this.startNode(node);
    return node;
  }

  /** Starts a new incarnation of `node` from its disk and starts its clock. */
  startNode(node: SimNode): void {
    const incarnation = node.incarnation + 1;
    const random = SimRandom.forStream(this.params.seed, `raft/${node.id}/${incarnation}`);
    this.trace.log(
      () =>
        `START ${node.id}#${incarnation} from disk: hs=${formatHardState(node.disk.hardState)} ` +
        `snap=${node.disk.snapshotIndex} last=${node.disk.lastIndex}`,
    );
    // The first tick lands at a random phase of the node's own tick interval.
    const phase = SimRandom.forStream(this.params.seed, `phase/${node.id}/${incarnation}`).next();
    const originMs = this.scheduler.nowMs + phase * node.tickIntervalMs;
    node.start({ ...this.params.raft, id: node.id, random: () => random.next() }, originMs);
    this.scheduleTick(node, incarnation, originMs);
  }

  /**
   * Crashes `node`: its memory is lost, and its disk loses (or tears) unsynced writes. It stays
   * down until {@link restartNode}.
   */
  crashNode(node: SimNode, why: string): void {
    if (!node.up) return;
    node.stop();
    const outcome = node.disk.crash(this.diskRandom, this.params.tearRate);
    this.stats.crashes++;
    this.stats.lostWrites += outcome.lostWrites;
    if (outcome.torn) this.stats.tornWrites++;
    this.trace.log(
      () =>
        `CRASH ${node.id} (${why}): lost ${outcome.lostWrites} unsynced writes, kept ` +
        `${outcome.keptWrites}${outcome.torn ? ', tore one' : ''}; disk now ` +
        `hs=${formatHardState(node.disk.hardState)} snap=${node.disk.snapshotIndex} last=${node.disk.lastIndex}`,
    );
    for (const l of this.listeners) l.stopped?.(node);
  }

  /** Restarts a crashed node (no-op when it is up or retired). */
  restartNode(node: SimNode): void {
    if (node.up || node.retired) return;
    this.stats.restarts++;
    this.startNode(node);
  }

  /** Stops a removed node for good (it keeps its disk but never runs again). */
  retireNode(node: SimNode): void {
    if (node.retired) return;
    node.retired = true;
    if (node.up) {
      node.stop();
      for (const l of this.listeners) l.stopped?.(node);
    }
    this.trace.log(`RETIRE ${node.id}`);
  }

  /** Pauses a running node's process until `untilMs` (its inputs queue up meanwhile). */
  pauseNode(node: SimNode, untilMs: number): void {
    if (!node.up) return;
    node.pausedUntilMs = Math.max(node.pausedUntilMs, untilMs);
    this.trace.log(() => `PAUSE ${node.id} until ${untilMs.toFixed(3)}ms`);
  }

  /** Ends every pause now (the heal phase). */
  resumeAll(): void {
    for (const node of this.nodes.values()) node.pausedUntilMs = 0;
  }

  /** Nodes currently running (paused ones included). */
  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  /** Nodes running and not paused: those a client can talk to right now. */
  responsiveNodes(): SimNode[] {
    const now = this.scheduler.nowMs;
    return [...this.nodes.values()].filter((n) => n.up && n.pausedUntilMs <= now);
  }

  /**
   * Runs `fn` on `node` now, or when its pause ends; dropped if the node went down or
   * restarted in between (the input belonged to a dead process).
   */
  private whenRunnable(node: SimNode, label: (() => string) | null, fn: () => void): void {
    const incarnation = node.incarnation;
    const attempt = () => {
      if (!node.up || node.incarnation !== incarnation) return;
      if (node.pausedUntilMs > this.scheduler.nowMs) {
        this.scheduler.at(node.pausedUntilMs, label, attempt);
        return;
      }
      fn();
    };
    attempt();
  }

  /**
   * The node's tick timer. A stalled process misses its timer, which fires once when the
   * process resumes; then either the driver just ticks once (`tickCatchUp` off: the core's
   * sense of time fell behind by the pause) or it first delivers every tick it owes
   * (`tickCatchUp` on: a driver that counts ticks from a monotonic clock).
   */
  private scheduleTick(node: SimNode, incarnation: number, atMs: number): void {
    this.scheduler.at(atMs, null, () => {
      if (!node.up || node.incarnation !== incarnation) return;
      if (node.pausedUntilMs > this.scheduler.nowMs) {
        this.scheduleTick(node, incarnation, node.pausedUntilMs);
        return;
      }
      if (this.params.tickCatchUp) {
        this.catchUpTicks(node);
        if (!node.up || node.incarnation !== incarnation) return;
        const nextMs = node.clockOriginMs + node.ticksRun * node.tickIntervalMs;
        this.scheduleTick(node, incarnation, nextMs);
      } else {
        node.tick();
        this.scheduleTick(node, incarnation, this.scheduler.nowMs + node.tickIntervalMs);
      }
    });
  }

  /** Delivers every tick due by now (catch-up drivers only). */
  private catchUpTicks(node: SimNode): void {
    const now = this.scheduler.nowMs;
    const incarnation = node.incarnation;
    while (
      node.up &&
      node.incarnation === incarnation &&
      node.clockOriginMs + node.ticksRun * node.tickIntervalMs <= now
    ) {
      node.tick();
    }
  }

  private deliver(m: Message): boolean {
    const node = this.nodes.get(m.to);
    if (node === undefined || !node.up) return false;
    // A paused process gets the message from its socket buffer when it resumes.
    this.whenRunnable(
      node,
      () => `deliver (after pause) ${m.type} ${m.from}→${m.to}`,
      () => {
        node.step(m);
        if (m.type === 'MsgSnap') this.reportSnapshotLater(m, true);
      },
    );
    return true;
  }

  private dropped(m: Message, _reason: DropReason): void {
    if (m.type === 'MsgSnap') this.reportSnapshotLater(m, false);
  }

  /** Tells the sender of a snapshot whether it arrived (as a transport would, on its own). */
  private reportSnapshotLater(m: Message, ok: boolean): void {
    const sender = this.nodes.get(m.from);
    if (sender === undefined) return;
    const label = () => `reportSnapshot ${m.from}: ${m.to} ${ok ? 'ok' : 'FAILED'}`;
    this.scheduler.after(0, label, () =>
      this.whenRunnable(sender, label, () => sender.reportSnapshot(m.to, ok)),
    );
  }

  // ------------------------------------------------------------------ SimNodeEnv

  beforeInput(node: SimNode): void {
    if (this.params.tickCatchUp && node.pausedUntilMs <= this.scheduler.nowMs) {
      this.catchUpTicks(node);
    }
  }

  started(node: SimNode): void {
    this.stateMachineSafety.nodeStarted(node.id, node.sm.appliedIndex);
  }

  afterPersist(node: SimNode, rd: Ready): void {
    if (rd.entries.length > 0) this.logMatching.observeWrite(node.id, node.disk, rd.entries);
    if (rd.hardState !== null || rd.snapshot !== null) {
      const hs = node.disk.hardState;
      this.committed.recordCommitIndex(node.id, hs.commit, node.disk, hs.term);
    }
    if (rd.softState?.role === 'leader') {
      const term = node.disk.hardState.term;
      if (this.electionSafety.observeLeader(node.id, term, this.scheduler.nowMs)) {
        this.trace.log(`LEADER ${node.id} term ${term} (last index ${node.disk.lastIndex})`);
        this.leaderCompleteness.observeNewLeader(node.id, term, node.disk);
      }
    }
  }

  crashAfterPersist(node: SimNode): boolean {
    if (this.crashAfterPersistHook === null || !this.crashAfterPersistHook(node)) return false;
    this.stats.crashesAfterPersist++;
    return true;
  }

  sendMessages(node: SimNode, messages: Message[]): void {
    let unreachable: Set<NodeId> | null = null;
    for (const m of messages) {
      const target = this.nodes.get(m.to);
      const outcome = this.network.send(m, node.id);
      if (
        this.params.reportUnreachable &&
        (outcome === 'cut' || target === undefined || !target.up)
      ) {
        (unreachable ??= new Set()).add(m.to);
      }
    }
    if (unreachable === null) return;
    // The core may not be called while its Ready is being handled: report just after.
    for (const peer of unreachable) {
      const label = () => `reportUnreachable ${node.id}: ${peer}`;
      this.scheduler.after(0, label, () =>
        this.whenRunnable(node, label, () => node.reportUnreachable(peer)),
      );
    }
  }

  snapshotInstalled(node: SimNode, snapshot: Snapshot): void {
    this.stats.snapshotsInstalled++;
    this.stateMachineSafety.observeSnapshotInstall(node.id, snapshot, node.sm.appliedCommands());
  }

  applied(node: SimNode, entry: Entry, command: AppliedCommand | null): void {
    this.stateMachineSafety.observeApply(node.id, entry, node.disk.hardState.term);
    for (const l of this.listeners) l.applied?.(node, entry, command);
  }

  afterAdvance(node: SimNode): void {
    for (const l of this.listeners) l.afterAdvance?.(node);
  }

  shouldCompact(node: SimNode): boolean {
    const every = this.params.compactEveryEntries;
    return every > 0 && node.sm.appliedIndex - node.disk.snapshotIndex >= every;
  }

  compacted(node: SimNode, snapshot: Snapshot): void {
    this.stats.compactions++;
    const { index, term } = snapshot.metadata;
    const committed = this.committed.at(index);
    if (index !== node.sm.appliedIndex || (committed !== undefined && committed.term !== term)) {
      throw new SimViolation(
        'ready-contract',
        `${node.id} compact(${node.sm.appliedIndex}) returned snapshot ${index}/t${term}` +
          (committed === undefined ? '' : ` (index ${index} committed in term ${committed.term})`),
      );
    }
    this.trace.log(`${node.id} compacted to ${index}/t${term}`);
  }
}
