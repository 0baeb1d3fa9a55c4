import type { Decision } from '../../../agent/src/coordinator/decide.js';
import { Leadership } from '../../../agent/src/coordinator/leadership.js';
import type { LeaseTiming } from '../../../agent/src/liveness/lease-timing.js';
import type {
  HeardRequest,
  LeaseWitness,
  RenewSender,
  RevokeAnswer,
} from '../../../agent/src/liveness/lease-witness.js';
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
 * What a simulated node does while it leads one term, beyond Raft: the product's
 * {@link Leadership} (lease table, grant holds, fencing grace, fenced members, {@link decide}
 * with the real scheduler), plus what the agent does around it: at most one decision in
 * flight (the next round waits until every command of the previous one applied here, or
 * timed out), and the fence requests of each decision handed to the fence device, one at a
 * time per member.
 */
export class LeaderDuties {
  /** The term this leadership belongs to. */
  readonly term: number;
  /** Decision rounds that produced commands. */
  decisions = 0;
  private readonly self: NodeId;
  private readonly ports: LeaderPorts;
  private readonly leadership: Leadership;
  private readonly fencing = new Set<NodeId>();
  private inFlight: { ids: Set<string>; sinceMs: number } | null = null;
  private active = true;

  constructor(
    self: NodeId,
    term: number,
    timing: LeaseTiming,
    fenceAfterSuspectMs: number,
    heard: ReadonlyMap<string, Readonly<HeardRequest>>,
    ports: LeaderPorts,
  ) {
    this.self = self;
    this.term = term;
    this.leadership = new Leadership(self, term, timing, fenceAfterSuspectMs, heard);
    this.ports = ports;
  }

  /**
   * A renewal from `node` (its agent process `sender`) at `nowMs`; whether to grant it at
   * commit index `commitIndex`.
   */
  renewal(
    node: NodeId,
    nowMs: number,
    commitIndex: number,
    doc: Readonly<ClusterStateDoc>,
    sender: RenewSender,
  ): boolean {
    return this.leadership.renewal(node, nowMs, commitIndex, doc, sender);
  }

  /** One revocation round (`Leadership.revokeRound`): the requests to send to other voters. */
  revokeRound(
    members: NodeId[],
    voters: NodeId[],
    nowMs: number,
    witness: LeaseWitness,
  ): { node: NodeId; voter: NodeId }[] {
    return this.active ? this.leadership.revokeRound(members, voters, nowMs, witness) : [];
  }

  /** A voter's answer to this leader's revocation request (answers to another term: ignored). */
  revokeAnswered(
    term: number,
    node: NodeId,
    voter: NodeId,
    sentAtMs: number,
    answer: RevokeAnswer,
    nowMs: number,
  ): void {
    if (!this.active || term !== this.term) return;
    this.leadership.revokeAnswered(node, voter, sentAtMs, answer, nowMs);
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
    voters: NodeId[],
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
    const round = this.leadership.round(doc, members, voters, nowMs, nowMs, schedule);
    const { commands, fence } = round.decision;
    if (fenceDevice) {
      for (const f of fence) this.requestFence(f.node, f.reason, requestDecision);
    }
    if (commands.length === 0) return;
    const ids = new Set<string>();
    for (const cmd of commands) {
      const id = this.ports.propose(cmd);
      if (id === null) break;
      ids.add(id);
    }
    if (ids.size === 0) return;
    this.leadership.proposed(round, this.ports.lastIndex());
    this.decisions++;
    this.inFlight = { ids, sinceMs: nowMs };
    this.ports.log(
      `${this.self} DECIDE ${commands.map(describeCommand).join('; ')} ` +
        `(liveness ${members.map((m) => `${m}=${round.liveness[m]}`).join(' ')}` +
        `${round.fenced.length > 0 ? ` fenced=${round.fenced.join(',')}` : ''})`,
    );
  }

  /** The decision a round would make now, without proposing it (for violation reports). */
  preview(
    doc: Readonly<ClusterStateDoc>,
    members: NodeId[],
    voters: NodeId[],
    nowMs: number,
  ): Decision {
    return this.leadership.round(doc, members, voters, nowMs, nowMs, schedule).decision;
  }

  private requestFence(node: NodeId, reason: string, requestDecision: () => void): void {
    if (this.fencing.has(node)) return;
    this.fencing.add(node);
    this.ports.log(`${this.self} FENCE request ${node} (${reason})`);
    this.ports.fence(node, () => {
      if (!this.active) return;
      this.fencing.delete(node);
      this.leadership.fenceConfirmed(node);
      this.ports.log(`${this.self} FENCED ${node} confirmed off`);
      requestDecision();
    });
  }
}

function describeCommand(c: ClusterCommand): string {
  if (c.type === 'set-placement') {
    return `place ${c.changes.map((x) => `${x.resource}→${x.node ?? '∅'}`).join(',')}`;
  }
  if (c.type === 'node-down') return `node-down ${c.node} (${c.cause})`;
  if (c.type === 'node-up') return `node-up ${c.node}`;
  return c.type;
}
