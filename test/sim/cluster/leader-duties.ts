import { decide, type Decision } from '../../../agent/src/coordinator/decide.js';
import { LeaseTable, type NodeLiveness } from '../../../agent/src/liveness/lease-table.js';
import type { LeaseTiming } from '../../../agent/src/liveness/lease-timing.js';
import type { NodeId } from '../../../agent/src/raft/types.js';
import { schedule } from '../../../agent/src/scheduler/schedule.js';
import type { ClusterCommand } from '../../../agent/src/state/cluster-commands.js';
import type { ClusterStateDoc } from '../../../agent/src/state/cluster-state.js';

/** Longest a decision may stay unapplied before the leader decides again anyway. */
const DECISION_TIMEOUT_MS = 3000;

/** What the leader's duties need from their agent. */
export interface LeaderPorts {
  /** Proposes a command under a fresh request id; returns the id, or null when refused. */
  propose(cmd: ClusterCommand): string | null;
  /** Index of the last entry in the leader's log. */
  lastIndex(): number;
  /** Asks the fence device to power `node` off; `confirmed` runs when it is off. */
  fence(node: NodeId, confirmed: () => void): void;
  /** Trace line. */
  log(line: string): void;
}

/**
 * What a node does while it leads one term, beyond Raft: the {@link LeaseTable} (a new one for
 * every leadership, counting from the moment of the election), the fence bookkeeping, and the
 * decision round — {@link decide} with the real scheduler, at most one decision in flight: the
 * next round waits until every command of the previous one applied here (or timed out).
 * Members a decision treated as down or fenced get no lease renewal until it is committed
 * (`LeaseTable.holdGrants`).
 *
 * With a fence device (fencing enabled in the applied configuration), a member that has been
 * `suspect` for `fenceAfterSuspectMs`, is `down`, or has a `stop-failed` record is fenced; once
 * the device confirms, the table forgets the member's earlier requests and it is passed to
 * decide in `fenced` until it renews its lease again.
 */
export class LeaderDuties {
  /** The term this leadership belongs to. */
  readonly term: number;
  /** The leader side of node leases for this leadership. */
  readonly table: LeaseTable;
  /** Decision rounds that produced commands. */
  decisions = 0;
  private readonly self: NodeId;
  private readonly fenceAfterSuspectMs: number;
  private readonly ports: LeaderPorts;
  private readonly suspectSinceMs = new Map<NodeId, number>();
  private readonly fenced = new Set<NodeId>();
  private readonly fencing = new Set<NodeId>();
  private inFlight: { ids: Set<string>; sinceMs: number } | null = null;
  private active = true;

  constructor(
    self: NodeId,
    term: number,
    timing: LeaseTiming,
    electedAtMs: number,
    fenceAfterSuspectMs: number,
    ports: LeaderPorts,
  ) {
    this.self = self;
    this.term = term;
    this.table = new LeaseTable(timing, electedAtMs);
    this.fenceAfterSuspectMs = fenceAfterSuspectMs;
    this.ports = ports;
  }

  /** Leadership ended: late fence confirmations and applies are ignored. */
  end(): void {
    this.active = false;
  }

  /** A command of this leader applied here; returns true when its decision is complete. */
  applied(requestId: string): boolean {
    const f = this.inFlight;
    if (f === null || !f.ids.delete(requestId)) return false;
    if (f.ids.size > 0) return false;
    this.inFlight = null;
    return true;
  }

  /** Whether a decision is still waiting to apply. */
  get deciding(): boolean {
    return this.inFlight !== null;
  }

  /**
   * One decision round at leader time `nowMs` over `members`. The caller checked that this
   * node leads with a valid Raft leader lease.
   */
  round(
    doc: Readonly<ClusterStateDoc>,
    members: NodeId[],
    nowMs: number,
    fenceDevice: boolean,
    requestDecision: () => void,
  ): void {
    if (!this.active || doc.configVersion === 0) return;
    if (this.inFlight !== null) {
      if (nowMs - this.inFlight.sinceMs < DECISION_TIMEOUT_MS) return;
      this.ports.log(`${this.self} decision timed out; deciding again`);
      this.inFlight = null;
    }
    const liveness: Record<string, NodeLiveness> = {};
    for (const m of members)
      liveness[m] = m === this.self ? 'alive' : this.table.liveness(m, nowMs);
    if (fenceDevice && doc.config.properties.fencingEnabled) {
      this.fenceWhereNeeded(doc, members, liveness, nowMs, requestDecision);
    }
    const { commands } = decide(
      { doc, members, liveness, fenced: [...this.fenced].sort(), nowMs },
      schedule,
    );
    if (commands.length === 0) return;
    const ids = new Set<string>();
    for (const cmd of commands) {
      const id = this.ports.propose(cmd);
      if (id === null) break;
      ids.add(id);
    }
    if (ids.size === 0) return;
    // Whoever this decision treated as down gets no lease until it is committed.
    const last = this.ports.lastIndex();
    for (const m of members) {
      if (liveness[m] === 'down' || this.fenced.has(m)) this.table.holdGrants(m, last);
    }
    this.decisions++;
    this.inFlight = { ids, sinceMs: nowMs };
    this.ports.log(
      `${this.self} DECIDE ${commands.map(describeCommand).join('; ')} ` +
        `(liveness ${members.map((m) => `${m}=${liveness[m]}`).join(' ')}` +
        `${this.fenced.size > 0 ? ` fenced=${[...this.fenced].join(',')}` : ''})`,
    );
  }

  /** The decision a round would make now, without proposing it (for violation reports). */
  preview(doc: Readonly<ClusterStateDoc>, members: NodeId[], nowMs: number): Decision {
    const liveness: Record<string, NodeLiveness> = {};
    for (const m of members)
      liveness[m] = m === this.self ? 'alive' : this.table.liveness(m, nowMs);
    return decide({ doc, members, liveness, fenced: [...this.fenced].sort(), nowMs }, schedule);
  }

  private fenceWhereNeeded(
    doc: Readonly<ClusterStateDoc>,
    members: NodeId[],
    liveness: Record<string, NodeLiveness>,
    nowMs: number,
    requestDecision: () => void,
  ): void {
    const stopFailed = new Set<NodeId>();
    for (const r of Object.values(doc.resources))
      if (r.state === 'stop-failed') stopFailed.add(r.node);
    for (const m of members) {
      if (m === this.self) continue;
      const verdict = liveness[m];
      if (verdict === 'alive') {
        this.suspectSinceMs.delete(m);
        this.fenced.delete(m);
        if (!stopFailed.has(m)) continue;
      } else if (!this.suspectSinceMs.has(m)) {
        this.suspectSinceMs.set(m, nowMs);
      }
      const since = this.suspectSinceMs.get(m) ?? nowMs;
      const due =
        stopFailed.has(m) ||
        verdict === 'down' ||
        (verdict === 'suspect' && nowMs - since >= this.fenceAfterSuspectMs);
      if (!due || this.fenced.has(m) || this.fencing.has(m)) continue;
      this.fencing.add(m);
      this.ports.log(
        `${this.self} FENCE request ${m} (${stopFailed.has(m) ? 'stop failed' : verdict})`,
      );
      this.ports.fence(m, () => {
        if (!this.active) return;
        this.fencing.delete(m);
        this.fenced.add(m);
        this.suspectSinceMs.delete(m);
        // Requests it sent before it went off must not make it look alive again.
        this.table.forget(m);
        this.ports.log(`${this.self} FENCED ${m} confirmed off`);
        requestDecision();
      });
    }
  }
}

function describeCommand(c: ClusterCommand): string {
  if (c.type === 'set-placement') {
    return `place ${c.changes.map((x) => `${x.resource}→${x.node ?? '∅'}`).join(',')}`;
  }
  if (c.type === 'node-down') return `node-down ${c.node} (${c.cause})`;
  return c.type;
}
