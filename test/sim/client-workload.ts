import type { ProposeResult } from '../../agent/src/raft/raft-node.js';
import type { Entry, NodeId } from '../../agent/src/raft/types.js';
import { encodeCommand } from './command-codec.js';
import type { AppliedCommand } from './command-state-machine.js';
import { FaultPhaseActor } from './fault-phase-actor.js';
import type { IssuedRead } from './read-linearizability.js';
import type { ClusterListener, SimCluster } from './sim-cluster.js';
import type { SimNode } from './sim-node.js';
import type { SimParams } from './sim-params.js';

/** A proposal in flight: acknowledged when `node` (same incarnation) applies it. */
interface PendingProposal {
  node: NodeId;
  incarnation: number;
  atMs: number;
}

/** A read in flight at `node` (same incarnation). */
interface PendingRead extends IssuedRead {
  incarnation: number;
}

/** Counters for the run summary. */
export interface WorkloadStats {
  proposed: number;
  accepted: number;
  refused: number;
  acked: number;
  readsIssued: number;
  readsAnswered: number;
}

/**
 * Simulated clients. They propose commands with unique ids at random nodes (a refusal that
 * names a leader is retried there once) and issue linearizable reads at random nodes. A command
 * is acknowledged when the node it was proposed to applies it; a read is answered when its
 * ReadState has appeared and that node has applied up to its index, and the answer is checked
 * against every acknowledgement given before the read was issued. A crash of the node loses
 * the client's pending requests (the connection died); they are never retried, so a command is
 * never proposed twice.
 */
export class ClientWorkload extends FaultPhaseActor implements ClusterListener {
  readonly stats: WorkloadStats = {
    proposed: 0,
    accepted: 0,
    refused: 0,
    acked: 0,
    readsIssued: 0,
    readsAnswered: 0,
  };
  /** Log index of the newest acknowledged command (every member must apply at least this far). */
  maxAckedIndex = 0;
  private nextCommandId = 1;
  private nextReadId = 1;
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly readsInFlight = new Map<string, PendingRead>();

  constructor(cluster: SimCluster, params: SimParams) {
    super(cluster, params, 'clients');
  }

  /**
   * The proposal loop, then the read loop (both on the clients' stream); after {@link stop},
   * requests in flight may still complete.
   */
  protected startLoops(): void {
    this.every(this.params.proposeGapMsMean, () => {
      const node = this.pickUpNode();
      if (node !== undefined) this.propose(node);
    });
    this.every(this.params.readGapMsMean, () => {
      const node = this.pickUpNode();
      if (node !== undefined) this.read(node);
    });
  }

  /** Whether command `id` has been acknowledged. */
  isAcked(id: number): boolean {
    return this.ackedIds.has(id);
  }

  private readonly ackedIds = new Set<number>();

  /** Proposes a new command at `node` (following a leader hint once); returns its id. */
  propose(node: SimNode): { id: number; result: ProposeResult } {
    const id = this.nextCommandId++;
    this.stats.proposed++;
    let target = node;
    let result = this.proposeAt(target, id);
    if (!result.ok && result.leader !== null && result.leader !== target.id) {
      const leader = this.cluster.nodes.get(result.leader);
      if (leader !== undefined && leader.up) {
        target = leader;
        result = this.proposeAt(target, id);
      }
    }
    if (result.ok) this.stats.accepted++;
    else this.stats.refused++;
    return { id, result };
  }

  private proposeAt(node: SimNode, id: number): ProposeResult {
    // Register first: a single-node quorum may apply the command within this very call.
    this.proposals.set(id, { node: node.id, incarnation: node.incarnation, atMs: this.now() });
    const result = node.propose(encodeCommand(id));
    this.cluster.trace.log(
      () =>
        `CLIENT propose cmd${id} at ${node.id}: ` +
        (result.ok ? 'accepted' : `refused ${result.error} (leader ${result.leader ?? '-'})`),
    );
    if (!result.ok) this.proposals.delete(id);
    return result;
  }

  /** Issues a linearizable read at `node`. */
  read(node: SimNode): string {
    const context = `r${this.nextReadId++}`;
    this.stats.readsIssued++;
    this.readsInFlight.set(context, {
      context,
      node: node.id,
      incarnation: node.incarnation,
      issuedAtMs: this.now(),
      acksBefore: this.cluster.reads.ackCount,
    });
    this.cluster.trace.log(() => `CLIENT read ${context} at ${node.id}`);
    node.readIndex(context);
    return context;
  }

  applied(node: SimNode, entry: Entry, command: AppliedCommand | null): void {
    if (command === null) return;
    const p = this.proposals.get(command.id);
    if (p === undefined || p.node !== node.id || p.incarnation !== node.incarnation) return;
    this.proposals.delete(command.id);
    this.stats.acked++;
    this.ackedIds.add(command.id);
    this.maxAckedIndex = Math.max(this.maxAckedIndex, entry.index);
    this.cluster.reads.observeAck(command.id, this.now(), node.id, entry.index);
    this.cluster.trace.log(
      () => `CLIENT ack cmd${command.id} by ${node.id} at index ${entry.index}`,
    );
  }

  afterAdvance(node: SimNode): void {
    if (node.readStates.length === 0) return;
    const keep = [];
    for (const rs of node.readStates) {
      const read = this.readsInFlight.get(rs.context);
      if (read === undefined || read.node !== node.id || read.incarnation !== node.incarnation) {
        continue;
      }
      if (rs.index > node.sm.appliedIndex) {
        keep.push(rs);
        continue;
      }
      this.readsInFlight.delete(rs.context);
      this.cluster.reads.checkRead(read, rs.index, node.sm.appliedIndex, (id) => node.sm.has(id));
      this.stats.readsAnswered++;
      this.cluster.trace.log(
        () =>
          `CLIENT read ${rs.context} answered by ${node.id}: read index ${rs.index}, applied ` +
          `${node.sm.appliedIndex}, ${node.sm.commandCount} commands, ${read.acksBefore} acks checked`,
      );
    }
    node.readStates = keep;
  }

  stopped(node: SimNode): void {
    for (const [id, p] of this.proposals) if (p.node === node.id) this.proposals.delete(id);
    for (const [ctx, r] of this.readsInFlight)
      if (r.node === node.id) this.readsInFlight.delete(ctx);
  }

  private now(): number {
    return this.cluster.scheduler.nowMs;
  }

  private pickUpNode(): SimNode | undefined {
    const up = this.cluster.responsiveNodes();
    return up.length === 0 ? undefined : this.random.pick(up);
  }
}
