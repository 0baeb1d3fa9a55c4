import type { NodeId } from './types.js';

/** One linearizable-read request waiting for a heartbeat quorum (Raft thesis 6.4). */
export interface ReadIndexRequest {
  /** The leader's commit index when the request arrived: the read index. */
  index: number;
  /** Caller-chosen id, echoed back in the ReadState; unique among pending requests. */
  context: string;
  /** The node that asked (the leader itself or a follower that forwarded it). */
  from: NodeId;
  /** Voters that acknowledged a heartbeat carrying this request's context. */
  acks: Set<NodeId>;
}

/**
 * The leader's queue of ReadIndex requests, in arrival order. A heartbeat round carries the
 * newest request's context; once a quorum acknowledges it, that request and every older one
 * are confirmed (the leader was still leader after they all arrived).
 */
export class ReadIndexQueue {
  private readonly pending = new Map<string, ReadIndexRequest>();
  private order: string[] = [];

  /** Queue a request; a context already pending is ignored (its first request stands). */
  add(index: number, context: string, from: NodeId): void {
    if (this.pending.has(context)) return;
    this.pending.set(context, { index, context, from, acks: new Set() });
    this.order.push(context);
  }

  /** Record that `voter` acknowledged the heartbeat for `context`; returns the acks so far. */
  recvAck(voter: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const req = this.pending.get(context);
    if (req === undefined) return undefined;
    req.acks.add(voter);
    return req.acks;
  }

  /** Remove and return every request up to and including `context`, oldest first. */
  confirm(context: string): ReadIndexRequest[] {
    const at = this.order.indexOf(context);
    if (at < 0) return [];
    const done = this.order.slice(0, at + 1).map((ctx) => this.pending.get(ctx)!);
    for (const req of done) this.pending.delete(req.context);
    this.order = this.order.slice(at + 1);
    return done;
  }

  /** Context of the newest pending request (to piggyback on the next heartbeat), or ''. */
  lastContext(): string {
    return this.order.at(-1) ?? '';
  }

  /** Number of pending requests. */
  get size(): number {
    return this.order.length;
  }
}
