import { randomUUID } from 'node:crypto';
import { QuorateError } from '../../errors.js';
import { decodeConfChange } from '../conf-change.js';
import { bootstrapSnapshot, type RaftConfig } from '../config.js';
import { RaftNode, type ProposeResult, type RaftStatus } from '../raft-node.js';
import type { RaftStorage } from '../storage/raft-storage.js';
import type { Transport } from '../../transport/transport.js';
import type { ConfChange, NodeId, Ready, SoftState } from '../types.js';
import { decodeEnvelope, encodeEnvelope } from './command-envelope.js';
import type { StateMachine } from './state-machine.js';

/** Where the driver reports what happens (a pino logger fits). */
export interface DriverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Everything a {@link RaftDriver} runs with; one constructor names every dependency. */
export interface RaftDriverOptions {
  /** The core's configuration (its `random` should be seeded from a real source here). */
  raft: RaftConfig;
  storage: RaftStorage;
  transport: Transport;
  stateMachine: StateMachine;
  /**
   * The founding voters, when this node founds a new cluster. Used only when the storage is
   * empty (first boot); every founder must pass the same list. Null for a joining node.
   */
  founders: NodeId[] | null;
  /** Wall-clock length of one Raft tick. */
  tickMs: number;
  /** Compact the log when this many entries have been applied since the last snapshot. */
  snapshotEveryEntries: number;
  /** How long a proposal or read may wait before failing with `timeout`. */
  requestTimeoutMs: number;
  logger: DriverLogger;
  /** Told of every leader or role change (for logs, metrics and the cluster state). */
  onSoftState?: (state: SoftState) => void;
}

/** What a proposal returns once applied on this node. */
export interface ApplyResult {
  index: number;
  result: unknown;
}

interface PendingProposal {
  resolve: (r: ApplyResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingConfChange {
  /** `type:nodeId` of the change waited for. */
  key: string;
  resolve: (r: ApplyResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface PendingRead {
  index: number | null;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Most Readies handled in one go before yielding to the event loop. */
const MAX_READIES_PER_DRAIN = 64;

/**
 * The one place per process that owns Raft's clock, disk and sockets (etcd-raft's "node"
 * loop). It ticks the core on a timer, steps received messages into it, and handles every
 * Ready in the order the core requires: persist (fsync) → send → install snapshot and apply
 * committed entries → answer reads → advance. It also matches applied entries back to the
 * local callers that proposed them.
 */
export class RaftDriver {
  private node!: RaftNode;
  private readonly opts: RaftDriverOptions;
  private ticker: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly bootId = randomUUID().slice(0, 8);
  private requestSeq = 0;
  private readonly proposals = new Map<string, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private readonly confChanges = new Set<PendingConfChange>();
  private appliedIndex = 0;
  private snapshotIndex = 0;
  /** Monotonic time the tick count is measured from, and ticks given to the core so far. */
  private tickOriginMs = 0;
  private ticksDone = 0;

  constructor(opts: RaftDriverOptions) {
    this.opts = opts;
  }

  /** Recover from storage, start the transport and the ticker. */
  async start(): Promise<void> {
    const { storage } = this.opts;
    let restored = storage.restored();
    const empty =
      restored.snapshot === null && restored.entries.length === 0 && restored.hardState.term === 0;
    if (empty && this.opts.founders !== null) {
      storage.saveSnapshot(bootstrapSnapshot(this.opts.founders), false);
      restored = { ...restored, snapshot: bootstrapSnapshot(this.opts.founders) };
    }
    if (restored.snapshot !== null) {
      this.opts.stateMachine.restore(restored.snapshot.data);
      this.appliedIndex = restored.snapshot.metadata.index;
      this.snapshotIndex = this.appliedIndex;
    }
    this.node = new RaftNode(this.opts.raft, restored);
    this.opts.transport.onUnreachable((peer) =>
      this.guard(() => this.node.reportUnreachable(peer)),
    );
    this.opts.transport.onSnapshotStatus((peer, ok) =>
      this.guard(() => this.node.reportSnapshot(peer, ok)),
    );
    await this.opts.transport.start((messages) =>
      this.guard(() => {
        for (const m of messages) this.node.step(m);
      }),
    );
    this.tickOriginMs = performance.now();
    this.ticker = setInterval(() => this.guard(() => {}), this.opts.tickMs);
    this.guard(() => {});
  }

  /** Stop ticking and receiving; pending requests fail with `stopped`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    await this.opts.transport.close();
    this.opts.storage.close();
    const stopped = new QuorateError(
      'stopped',
      'the agent is shutting down; retry on another node',
    );
    for (const p of this.proposals.values()) {
      clearTimeout(p.timer);
      p.reject(stopped);
    }
    for (const r of this.reads.values()) {
      clearTimeout(r.timer);
      r.reject(stopped);
    }
    for (const c of this.confChanges) {
      clearTimeout(c.timer);
      c.reject(stopped);
    }
    this.proposals.clear();
    this.reads.clear();
    this.confChanges.clear();
  }

  /**
   * Replicate `command` and resolve once it is applied on this node (so a read here sees it).
   * Fails with `no-leader` when no leader is known, or `timeout` when it did not apply in
   * time — then the outcome is unknown: the command may still apply later.
   */
  propose(command: Uint8Array): Promise<ApplyResult> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new QuorateError('stopped', 'the agent is shutting down'));
      const requestId = this.nextRequestId();
      // Registered first: in a one-node cluster the entry applies within the same drain.
      const timer = setTimeout(() => {
        this.proposals.delete(requestId);
        reject(
          new QuorateError(
            'timeout',
            `not applied within ${this.opts.requestTimeoutMs} ms; it may still apply`,
          ),
        );
      }, this.opts.requestTimeoutMs);
      this.proposals.set(requestId, { resolve, reject, timer });
      let result: ProposeResult | null = null;
      this.guard(() => {
        result = this.node.propose(encodeEnvelope(requestId, command));
      });
      const refused = result as ProposeResult | null;
      if (refused !== null && !refused.ok && this.proposals.delete(requestId)) {
        clearTimeout(timer);
        const code = refused.leader === null ? 'no-leader' : 'refused';
        reject(
          new QuorateError(code, `proposal refused: ${refused.reason}`, { leader: refused.leader }),
        );
      }
    });
  }

  /**
   * Resolve once this node's state machine is at least as new as the cluster's commit index at
   * the time of the call (ReadIndex): a read of local state afterwards is linearizable.
   */
  readBarrier(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new QuorateError('stopped', 'the agent is shutting down'));
      const context = this.nextRequestId();
      const timer = setTimeout(() => {
        this.reads.delete(context);
        reject(
          new QuorateError('timeout', `read not confirmed within ${this.opts.requestTimeoutMs} ms`),
        );
      }, this.opts.requestTimeoutMs);
      this.reads.set(context, { index: null, resolve, reject, timer });
      this.guard(() => this.node.readIndex(context));
    });
  }

  /**
   * Propose a one-server membership change and resolve once a conf-change entry making that
   * very change (same type and node) is applied on this node, the core's membership included
   * (so `status()` shows it). Conf-change entries carry no request id, so the match is by
   * content: any such change applied after the call answers it, which is what the caller
   * wants to know ("is X a voter now?"). Refusals come back at once when this node is the
   * leader (`refused` with the core's reason: invalid change, one already pending, transfer
   * in progress) or when no leader is known (`no-leader`); a follower forwards the proposal,
   * and a leader refusing it there is seen only as a `timeout` — so propose on the leader.
   */
  proposeConfChange(cc: ConfChange): Promise<ApplyResult> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new QuorateError('stopped', 'the agent is shutting down'));
      const pending: PendingConfChange = {
        key: `${cc.type}:${cc.nodeId}`,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.confChanges.delete(pending);
          reject(
            new QuorateError(
              'timeout',
              `membership change not applied within ${this.opts.requestTimeoutMs} ms; it may still apply`,
            ),
          );
        }, this.opts.requestTimeoutMs),
      };
      this.confChanges.add(pending);
      let result: ProposeResult | null = null;
      this.guard(() => {
        result = this.node.proposeConfChange(cc);
      });
      const refused = result as ProposeResult | null;
      if (refused !== null && !refused.ok && this.confChanges.delete(pending)) {
        clearTimeout(pending.timer);
        const code = refused.leader === null ? 'no-leader' : 'refused';
        reject(
          new QuorateError(code, `membership change refused: ${refused.reason}`, {
            leader: refused.leader,
          }),
        );
      }
    });
  }

  /** Ask the leader to hand leadership to `to`. */
  transferLeadership(to: NodeId): void {
    this.guard(() => this.node.transferLeadership(to));
  }

  /** The core's status (term, role, leader, indexes, membership, progress). */
  status(): RaftStatus {
    return this.node.status();
  }

  private nextRequestId(): string {
    return `${this.opts.raft.id}/${this.bootId}/${++this.requestSeq}`;
  }

  /**
   * Give the core the ticks that are due by the monotonic clock, whatever the timer did: after
   * a pause (SIGSTOP, a stalled VM) the node first sees the time that passed — its leader
   * lease expires, CheckQuorum runs — before it handles any message or request. A long pause
   * yields at most `2 * electionTicks + 1` ticks, enough to expire every timer.
   */
  private catchUpTicks(): void {
    const due = Math.floor((performance.now() - this.tickOriginMs) / this.opts.tickMs);
    const count = Math.min(due - this.ticksDone, 2 * this.opts.raft.electionTicks + 1);
    this.ticksDone = due;
    for (let i = 0; i < count; i++) this.node.tick();
  }

  /** Run an input against the core (after the ticks due), then handle everything it produced. */
  private guard(input: () => void): void {
    if (this.stopped) return;
    try {
      this.catchUpTicks();
      input();
      this.drain();
    } catch (err) {
      // The core or the disk broke an invariant: continuing could corrupt the cluster.
      this.opts.logger.error({ err }, 'fatal error in the Raft loop; stopping the agent');
      this.stopped = true;
      if (this.ticker !== null) clearInterval(this.ticker);
      process.exitCode = 70;
      throw err;
    }
  }

  private drain(): void {
    for (let i = 0; i < MAX_READIES_PER_DRAIN && this.node.hasReady(); i++) {
      this.handleReady(this.node.ready());
    }
    if (this.node.hasReady()) setImmediate(() => this.guard(() => {}));
    this.maybeCompact();
  }

  private handleReady(rd: Ready): void {
    const { storage, transport, stateMachine } = this.opts;
    // 1. Persist before anything leaves this node.
    if (rd.snapshot !== null) storage.saveSnapshot(rd.snapshot, false);
    storage.save(rd.hardState, rd.entries, rd.mustSync);
    // 2. Send.
    if (rd.messages.length > 0) transport.send(rd.messages);
    // 3. Apply.
    if (rd.snapshot !== null) {
      stateMachine.restore(rd.snapshot.data);
      this.appliedIndex = rd.snapshot.metadata.index;
      this.snapshotIndex = this.appliedIndex;
    }
    const appliedConfChanges: { key: string; index: number }[] = [];
    for (const entry of rd.committedEntries) {
      this.appliedIndex = entry.index;
      if (entry.type === 'conf-change') appliedConfChanges.push(confChangeKey(entry));
      if (entry.type !== 'normal' || entry.data.length === 0) continue;
      const { requestId, command } = decodeEnvelope(entry.data);
      const result = stateMachine.apply(entry.index, command);
      const pending = this.proposals.get(requestId);
      if (pending !== undefined) {
        this.proposals.delete(requestId);
        clearTimeout(pending.timer);
        pending.resolve({ index: entry.index, result });
      }
    }
    // 4. Reads.
    for (const rs of rd.readStates) {
      const read = this.reads.get(rs.context);
      if (read !== undefined) read.index = rs.index;
    }
    for (const [context, read] of this.reads) {
      if (read.index !== null && read.index <= this.appliedIndex) {
        this.reads.delete(context);
        clearTimeout(read.timer);
        read.resolve();
      }
    }
    if (rd.softState !== null) {
      this.opts.logger.info(
        { role: rd.softState.role, leader: rd.softState.leader, term: this.node.status().term },
        'raft state changed',
      );
      this.opts.onSoftState?.(rd.softState);
    }
    this.node.advance(rd);
    // After advance: the core has applied the membership change, so waiters see it in status().
    for (const applied of appliedConfChanges) this.resolveConfChanges(applied.key, applied.index);
  }

  private resolveConfChanges(key: string, index: number): void {
    for (const pending of this.confChanges) {
      if (pending.key !== key) continue;
      this.confChanges.delete(pending);
      clearTimeout(pending.timer);
      pending.resolve({ index, result: null });
    }
  }

  private maybeCompact(): void {
    if (this.appliedIndex - this.snapshotIndex < this.opts.snapshotEveryEntries) return;
    const snapshot = this.node.compact(this.appliedIndex, this.opts.stateMachine.snapshot());
    this.opts.storage.saveSnapshot(snapshot, true);
    this.snapshotIndex = snapshot.metadata.index;
  }
}

/** `type:nodeId` of a conf-change entry ('' for data no encoder of ours produced). */
function confChangeKey(entry: { index: number; data: Uint8Array }): { key: string; index: number } {
  try {
    const cc = decodeConfChange(entry.data);
    return { key: `${cc.type}:${cc.nodeId}`, index: entry.index };
  } catch {
    return { key: '', index: entry.index };
  }
}
