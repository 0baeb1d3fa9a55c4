import type { Decision } from '../../../agent/src/coordinator/decide.js';
import { reconcile } from '../../../agent/src/coordinator/reconcile.js';
import { LeaseWitness, type RenewSender } from '../../../agent/src/liveness/lease-witness.js';
import { NodeLease, type LeaseState } from '../../../agent/src/liveness/node-lease.js';
import type { ProposeResult } from '../../../agent/src/raft/raft-node.js';
import type { Message, NodeId } from '../../../agent/src/raft/types.js';
import type { ResourceState } from '../../../agent/src/scheduler/types.js';
import type { ClusterCommand } from '../../../agent/src/state/cluster-commands.js';
import { recordKey, type ClusterStateDoc } from '../../../agent/src/state/cluster-state.js';
import type { SimDisk } from '../sim-disk.js';
import { SimRandom } from '../sim-random.js';
import type { SimScheduler } from '../sim-scheduler.js';
import type { TraceLog } from '../trace-log.js';
import { AgentRaft } from './agent-raft.js';
import { clonedPrimitives } from './cluster-config.js';
import type { ClusterSimParams } from './cluster-params.js';
import type { HostClock } from './host-clock.js';
import type { HostOperation, HostResources, OperationOutcome } from './host-resources.js';
import { LeaderDuties } from './leader-duties.js';
import type { RaftObservers } from './raft-observers.js';
import { RecordReporter } from './record-reporter.js';
import type { Watchdog } from './watchdog.js';
import type { WireMessage } from './wire-message.js';

/** How often an agent checks that what it started still runs (its own clock). */
const MONITOR_INTERVAL_MS = 400;

/** The host an agent runs on: what survives the agent process. */
export interface AgentHost {
  readonly id: NodeId;
  readonly clock: HostClock;
  readonly disk: SimDisk;
  readonly resources: HostResources;
  readonly watchdog: Watchdog | null;
}

/** The world around an agent. */
export interface AgentWorld {
  readonly params: ClusterSimParams;
  readonly scheduler: SimScheduler;
  readonly trace: TraceLog;
  readonly observers: RaftObservers;
  /** Whether a fence device is installed. */
  readonly fenceDevice: boolean;
  /** Sends a message over the simulated network. */
  send(m: WireMessage): void;
  /** Asks the fence device to power `node` off; `confirmed` runs once it is off. */
  fence(node: NodeId, by: NodeId, confirmed: () => void): void;
  /** `node` applied entry `index` (for client acknowledgements and convergence checks). */
  applied(
    node: NodeId,
    index: number,
    requestId: string | null,
    command: () => ClusterCommand | null,
  ): void;
}

/**
 * One incarnation of a simulated agent (clusterd), doing what agent/src/node/ does with real
 * time and I/O, on simulated ones:
 *
 * - Raft: an {@link AgentRaft} ticked from the host's drifting clock; like the agent's
 *   RaftDriver it first delivers every tick that is due (at most 2·election+1) before any
 *   input, so a paused agent wakes up knowing how much time passed.
 * - Its {@link NodeLease}, renewed every `renewIntervalMs` by a request to every voter (over
 *   the network; its own yes locally), and its {@link LeaseWitness}, answering the others'.
 *   A leader also grants starts, only while its Raft leader lease holds
 *   (`status().leaseValid`), recording the request in the {@link LeaderDuties}' table, and
 *   asks the voters to revoke the leases of silent members.
 * - Every `reconcileIntervalMs` (and exactly when the lease enters its stop budget): with a
 *   valid lease, {@link reconcile} (starting nothing until it has applied the log as far as the
 *   grant that ended its last lease gap said: `NodeLease.mayStart`) and run its operations;
 *   otherwise stop everything, killing starts in progress (the resource manager's stopAll).
 *   Then report what it knows ({@link RecordReporter}) and feed the watchdog if the lease is
 *   valid or nothing may run.
 * - A recurring monitor of what it started; a record of this node reset to `unknown` (a
 *   cleanup) makes it forget what it knew of that instance, so it probes it anew.
 * - On the leader, a decision round every `decideIntervalMs` ({@link LeaderDuties}).
 *
 * While paused, nothing of the agent runs (timers, messages, operation results wait) but its
 * host, its resources and its clock go on. A killed agent does nothing ever again; its
 * operations in progress still finish on the host.
 */
export class SimAgent {
  readonly id: NodeId;
  /** Starts of this host's agent so far, this one included. */
  readonly incarnation: number;
  readonly raft: AgentRaft;
  /** Real time until which the process is stopped (SIGSTOP, VM stall). */
  pausedUntilMs = 0;
  private alive = true;
  private readonly host: AgentHost;
  private readonly world: AgentWorld;
  private readonly params: ClusterSimParams;
  private readonly lease: NodeLease;
  private readonly witness: LeaseWitness;
  private readonly local = new Map<string, ResourceState>();
  private readonly busy = new Set<string>();
  private readonly busyKind = new Map<string, HostOperation>();
  /** Reset to `unknown` while an operation ran: forget its outcome too, and probe anew. */
  private readonly reprobe = new Set<string>();
  /** Resets to `unknown` already acted on: instance → record version. */
  private readonly resetsSeen = new Map<string, string>();
  private readonly reporter: RecordReporter;
  private duties: LeaderDuties | null = null;
  private readonly tickOriginMs: number;
  private ticksDone = 0;
  private requestSeq = 0;
  private lastLeaseState: LeaseState = 'expired';
  private decideQueued = false;
  private readonly startedAtMs: number;

  constructor(host: AgentHost, world: AgentWorld, incarnation: number) {
    this.id = host.id;
    this.host = host;
    this.world = world;
    this.params = world.params;
    this.incarnation = incarnation;
    this.lease = new NodeLease(this.params.timing);
    this.startedAtMs = this.nowMs();
    this.witness = new LeaseWitness(this.params.timing, this.startedAtMs);
    this.reporter = new RecordReporter(this.id, this.params.reportRetryMs);
    this.tickOriginMs = this.nowMs();
    const random = SimRandom.forStream(this.params.seed, `cluster/raft/${this.id}/${incarnation}`);
    this.raft = new AgentRaft(
      { ...this.params.raft, id: this.id, random: () => random.next() },
      host.disk,
      world.observers,
      world.trace,
      {
        send: (messages) => this.sendRaft(messages),
        applied: (index, requestId, command) => this.applied(index, requestId, command),
        softState: (role, leader, electedTerm) => {
          if (electedTerm !== null) {
            world.trace.log(`LEADER ${this.id} term ${electedTerm}`);
            this.leaderDuties(electedTerm);
          }
          if (role !== 'leader') this.endLeadership();
          world.trace.log(`${this.id} role ${role} leader ${leader ?? '-'}`);
        },
      },
      this.params.compactEveryEntries,
      () => world.scheduler.nowMs,
    );
    // Each loop starts at a random phase of its interval (seeded per agent incarnation).
    const phase = SimRandom.forStream(this.params.seed, `cluster/phase/${this.id}/${incarnation}`);
    this.loop(this.params.tickMs, phase.next() * this.params.tickMs, () => undefined);
    this.loop(this.params.timing.renewIntervalMs, 0, () => this.renewRound());
    this.loop(this.params.reconcileIntervalMs, phase.next() * this.params.reconcileIntervalMs, () =>
      this.reconcileRound(),
    );
    this.loop(this.params.decideIntervalMs, phase.next() * this.params.decideIntervalMs, () =>
      this.decideRound(),
    );
    this.loop(MONITOR_INTERVAL_MS, phase.next() * MONITOR_INTERVAL_MS, () => this.monitorRound());
  }

  /** Whether the process is running (paused counts as running). */
  get running(): boolean {
    return this.alive;
  }

  /** The agent's clock now. */
  nowMs(): number {
    return this.host.clock.readMs(this.world.scheduler.nowMs);
  }

  /** This agent's lease state now. */
  leaseState(): LeaseState {
    return this.lease.state(this.nowMs());
  }

  /** What this agent would decide now if it leads (for violation reports), else null. */
  previewDecision(): Decision | null {
    const st = this.raft.status();
    if (st.role !== 'leader') return null;
    return this.leaderDuties(st.term).preview(
      this.raft.state.state,
      [...st.confState.voters, ...st.confState.learners],
      st.confState.voters,
      this.nowMs(),
    );
  }

  /** The process dies (crash, host power loss): nothing of it runs again. */
  kill(): void {
    this.alive = false;
    this.raft.kill();
    this.duties?.end();
  }

  /** A message arrived from the wire (it waits in the socket while the process is paused). */
  receive(m: WireMessage): void {
    this.whenRunnable(() => {
      const p = m.payload;
      if (p.kind === 'raft') this.raft.step(p.msg);
      else if (p.kind === 'renew') this.handleRenew(m.from, p.requestId, p.incarnation, p.upMs);
      else if (p.kind === 'revoke') this.handleRevoke(m.from, p);
      else if (p.incarnation !== this.incarnation) return;
      else if (p.kind === 'ack') this.acked(p.requestId, m.from, p.leaderGrant, p.commitIndex);
      else {
        const answer = p.revoked
          ? { revoked: true as const, holdMs: p.holdMs }
          : { revoked: false as const, remainingMs: p.remainingMs };
        this.duties?.revokeAnswered(p.term, p.node, m.from, p.sentAtMs, answer, this.nowMs());
        // Decide at once when a quorum may have promised, or again exactly when this voter
        // will agree (as the agent does): both are on the failover's path.
        if (p.revoked) this.queueDecision();
        else
          this.world.scheduler.after(this.host.clock.realSpanMs(p.remainingMs), null, () =>
            this.whenRunnable(() => this.queueDecision()),
          );
      }
    });
  }

  /**
   * Proposes a command on behalf of a client (the operator); returns the request id (marked
   * `client/`), or null when refused (no leader known, or the process is not responsive).
   */
  proposeForClient(cmd: ClusterCommand): string | null {
    if (!this.alive || this.pausedUntilMs > this.world.scheduler.nowMs) return null;
    this.catchUpTicks();
    return this.propose(cmd, 'client/');
  }

  // ------------------------------------------------------------------ loops

  /** A timer every `intervalMs` of the agent's clock; a paused agent runs it once on resume. */
  private loop(intervalMs: number, firstDelayMs: number, body: () => void): void {
    const sched = this.world.scheduler;
    const fire = () => {
      if (!this.alive) return;
      if (this.pausedUntilMs > sched.nowMs) {
        sched.at(this.pausedUntilMs, null, fire);
        return;
      }
      this.catchUpTicks();
      if (this.alive) body();
      if (this.alive) sched.after(this.host.clock.realSpanMs(intervalMs), null, fire);
    };
    sched.after(this.host.clock.realSpanMs(firstDelayMs), null, fire);
  }

  /** Runs `fn` now, or when the pause ends; dropped if the process died meanwhile. */
  private whenRunnable(fn: () => void): void {
    const sched = this.world.scheduler;
    const attempt = () => {
      if (!this.alive) return;
      if (this.pausedUntilMs > sched.nowMs) {
        sched.at(this.pausedUntilMs, null, attempt);
        return;
      }
      this.catchUpTicks();
      if (this.alive) fn();
    };
    attempt();
  }

  /** Delivers the ticks due by the agent's clock, at most 2·election+1 (as RaftDriver does). */
  private catchUpTicks(): void {
    const due = Math.floor((this.nowMs() - this.tickOriginMs) / this.params.tickMs);
    const count = Math.min(due - this.ticksDone, 2 * this.params.raft.electionTicks + 1);
    this.ticksDone = due;
    for (let i = 0; i < count && this.alive; i++) this.raft.tick();
  }

  // ------------------------------------------------------------------ leases

  private renewRound(): void {
    const now = this.nowMs();
    // Past the stop point: stop everything before asking again (a renewal sent now must not
    // extend a lease that lapsed unnoticed while the agent was paused).
    if (this.lease.state(now) !== 'valid') this.stopEverything(this.raft.state.state, 'stopping');
    const voters = this.raft.status().confState.voters;
    if (voters.length === 0) return;
    const requestId = this.lease.requestSent(now, voters);
    for (const voter of voters) {
      if (voter === this.id) {
        const answer = this.answerRenewal(this.id, {
          incarnation: String(this.incarnation),
          upMs: this.upMs(),
        });
        if (answer !== null) this.acked(requestId, this.id, answer.leaderGrant, answer.commitIndex);
        continue;
      }
      this.world.send({
        from: this.id,
        to: voter,
        payload: { kind: 'renew', requestId, incarnation: this.incarnation, upMs: this.upMs() },
      });
    }
  }

  private acked(requestId: number, from: NodeId, leaderGrant: boolean, commitIndex: number): void {
    const now = this.nowMs();
    this.lease.ackReceived(requestId, from, now);
    if (leaderGrant) this.lease.grantReceived(requestId, commitIndex, now);
  }

  /** How long this agent process has been up (sent with its renewal requests). */
  private upMs(): number {
    return this.nowMs() - this.startedAtMs;
  }

  private handleRenew(from: NodeId, requestId: number, incarnation: number, upMs: number): void {
    const answer = this.answerRenewal(from, { incarnation: String(incarnation), upMs });
    if (answer === null) return;
    this.world.send({
      from: this.id,
      to: from,
      payload: { kind: 'ack', requestId, incarnation, ...answer },
    });
  }

  /**
   * This voter's yes to `node` (null: no), as the agent's handleRenew: refused while it
   * promised a leader to; with a leader's grant only from a leader whose Raft leader lease
   * holds, and not while a decision that treated the node as down is uncommitted.
   */
  private answerRenewal(
    node: NodeId,
    sender: RenewSender,
  ): { leaderGrant: boolean; commitIndex: number } | null {
    const st = this.raft.status();
    const now = this.nowMs();
    let leaderGrant = false;
    if (st.role === 'leader' && st.leaseValid) {
      const duties = this.leaderDuties(st.term);
      leaderGrant = duties.renewal(node, now, st.commit, this.raft.state.state, sender);
    }
    if (!this.witness.renewal(node, now, sender)) return null;
    return { leaderGrant, commitIndex: leaderGrant ? st.commit : 0 };
  }

  private handleRevoke(
    from: NodeId,
    p: { node: NodeId; term: number; sentAtMs: number; incarnation: number },
  ): void {
    const answer = this.witness.revoke(p.node, this.nowMs());
    this.world.send({
      from: this.id,
      to: from,
      payload: {
        kind: 'revoke-answer',
        node: p.node,
        term: p.term,
        sentAtMs: p.sentAtMs,
        incarnation: p.incarnation,
        revoked: answer.revoked,
        holdMs: answer.revoked ? answer.holdMs : 0,
        remainingMs: answer.revoked ? 0 : answer.remainingMs,
      },
    });
  }

  /** As leader: ask the voters to revoke the leases of members silent too long. */
  private revokeRound(term: number, members: NodeId[], voters: NodeId[]): void {
    const now = this.nowMs();
    const duties = this.leaderDuties(term);
    for (const { node, voter } of duties.revokeRound(members, voters, now, this.witness)) {
      this.world.send({
        from: this.id,
        to: voter,
        payload: { kind: 'revoke', node, term, sentAtMs: now, incarnation: this.incarnation },
      });
    }
  }

  // ------------------------------------------------------------------ resources

  private reconcileRound(): void {
    const now = this.nowMs();
    const leaseState = this.lease.state(now);
    if (leaseState !== this.lastLeaseState) {
      this.world.trace.log(`${this.id} lease ${this.lastLeaseState} → ${leaseState}`);
      this.lastLeaseState = leaseState;
    }
    const doc = this.raft.state.state;
    this.probeWhereAsked(doc);
    if (leaseState !== 'valid') {
      this.stopEverything(doc, leaseState);
    } else {
      const ops = reconcile({
        node: this.id,
        lease: leaseState,
        doc,
        local: this.local,
        busy: this.busy,
        mayStart: this.lease.mayStart(this.raft.appliedIndex),
      });
      for (const op of ops) this.runOperation(op.kind, op.resource, op.generation, op.reason);
    }
    this.reporter.round(now, this.local, this.busy, doc, (cmd) => this.propose(cmd) !== null);
    const watchdog = this.host.watchdog;
    if (watchdog !== null && (leaseState === 'valid' || this.nothingMayRun(doc))) watchdog.feed();
    // Begin stopping exactly when the stop budget starts, not up to one interval later.
    const untilStoppingMs = this.lease.msUntilStopping(now);
    if (untilStoppingMs > 0 && untilStoppingMs < this.params.reconcileIntervalMs) {
      this.world.scheduler.after(this.host.clock.realSpanMs(untilStoppingMs), null, () =>
        this.whenRunnable(() => this.reconcileRound()),
      );
    }
  }

  /** Lease ending or over: kill starts in progress and stop everything that may run here. */
  private stopEverything(doc: Readonly<ClusterStateDoc>, leaseState: LeaseState): void {
    for (const instance of this.knownInstances(doc)) {
      const kind = this.busyKind.get(instance);
      if (kind === 'stop' || kind === 'probe') continue;
      if (kind === undefined && this.local.get(instance) === 'stopped') continue;
      const generation = doc.placement[instance]?.generation ?? 0;
      this.runOperation('stop', instance, generation, `lease ${leaseState}: stop everything`);
    }
  }

  /** Every instance that may run here: what reconcile considers, and what was seen here. */
  private knownInstances(doc: Readonly<ClusterStateDoc>): Set<string> {
    const out = new Set<string>(this.local.keys());
    for (const key of Object.keys(doc.placement)) out.add(key);
    const cloned = clonedPrimitives(doc.config);
    for (const r of doc.config.resources) if (!cloned.has(r.id)) out.add(r.id);
    return out;
  }

  /** Nothing may be active here: every known instance stopped, no operation in progress. */
  private nothingMayRun(doc: Readonly<ClusterStateDoc>): boolean {
    if (this.busy.size > 0) return false;
    for (const instance of this.knownInstances(doc)) {
      if (this.local.get(instance) !== 'stopped') return false;
    }
    return true;
  }

  /**
   * A record of this node reset to `unknown` (a cleanup, or the state machine marking a fresh
   * placement unconfirmed) asks what runs here: forget what we knew of that instance and probe
   * it anew (after the operation in progress, if any). Looked up in the applied state, so a
   * reset that arrived in a snapshot counts too; each reset once.
   */
  private probeWhereAsked(doc: Readonly<ClusterStateDoc>): void {
    for (const [instance, state] of this.local) {
      if (state === 'unknown') continue;
      const rec = doc.resources[recordKey(instance, this.id)];
      if (rec === undefined || rec.state !== 'unknown') continue;
      const version = `${rec.updatedAtMs}/${rec.generation}`;
      if (this.resetsSeen.get(instance) === version) continue;
      this.resetsSeen.set(instance, version);
      this.world.trace.log(`${this.id} record of ${instance} reset to unknown: probe it anew`);
      if (this.busy.has(instance)) this.reprobe.add(instance);
      else this.local.delete(instance);
    }
  }

  private runOperation(
    kind: HostOperation,
    instance: string,
    generation: number,
    reason: string,
  ): void {
    this.busy.add(instance);
    this.busyKind.set(instance, kind);
    this.world.trace.log(`${this.id} OP ${kind} ${instance} g${generation}: ${reason}`);
    this.host.resources.run(kind, instance, (outcome) =>
      this.whenRunnable(() => this.operationDone(kind, instance, generation, outcome)),
    );
  }

  private operationDone(
    kind: HostOperation,
    instance: string,
    generation: number,
    outcome: OperationOutcome,
  ): void {
    if (this.busyKind.get(instance) !== kind) return;
    this.busy.delete(instance);
    this.busyKind.delete(instance);
    this.local.set(instance, outcome);
    this.reporter.observed(instance, {
      state: outcome,
      failed: outcome === 'failed' || outcome === 'stop-failed',
      generation,
      reason: `${kind}: ${outcome}`,
    });
    if (this.reprobe.delete(instance)) this.local.delete(instance);
    this.reporter.round(
      this.nowMs(),
      this.local,
      this.busy,
      this.raft.state.state,
      (cmd) => this.propose(cmd) !== null,
    );
  }

  private monitorRound(): void {
    for (const [instance, state] of this.local) {
      if (state !== 'started' || this.busy.has(instance)) continue;
      if (this.host.resources.isActive(instance)) continue;
      this.local.set(instance, 'failed');
      this.world.trace.log(`${this.id} MONITOR ${instance} not running`);
      const generation = this.raft.state.state.placement[instance]?.generation ?? 0;
      this.reporter.observed(instance, {
        state: 'failed',
        failed: true,
        generation,
        reason: 'monitor: not running',
      });
    }
  }

  // ------------------------------------------------------------------ leader

  private leaderDuties(term: number): LeaderDuties {
    if (this.duties !== null && this.duties.term === term) return this.duties;
    this.duties?.end();
    this.duties = new LeaderDuties(
      this.id,
      term,
      this.params.timing,
      this.params.fenceAfterSuspectMs,
      this.witness.heard(),
      {
        propose: (cmd) => this.propose(cmd),
        lastIndex: () => this.raft.status().lastIndex,
        fence: (node, confirmed) =>
          this.world.fence(node, this.id, () => this.whenRunnable(confirmed)),
        log: (line) => this.world.trace.log(line),
      },
    );
    return this.duties;
  }

  private endLeadership(): void {
    this.duties?.end();
    this.duties = null;
  }

  private decideRound(): void {
    this.decideQueued = false;
    const st = this.raft.status();
    if (st.role !== 'leader' || !st.leaseValid) return;
    const members = [...st.confState.voters, ...st.confState.learners];
    this.revokeRound(st.term, members, st.confState.voters);
    this.leaderDuties(st.term).round(
      this.raft.state.state,
      members,
      st.confState.voters,
      this.nowMs(),
      this.world.fenceDevice,
      () => this.queueDecision(),
    );
  }

  /** Decide again right away (outside the current Ready), e.g. once a decision applied. */
  private queueDecision(): void {
    if (this.decideQueued) return;
    this.decideQueued = true;
    this.world.scheduler.after(0, null, () => this.whenRunnable(() => this.decideRound()));
  }

  // ------------------------------------------------------------------ Raft plumbing

  /** Proposes `cmd` under a fresh request id (`prefix` marks client commands); null: refused. */
  private propose(cmd: ClusterCommand, prefix = ''): string | null {
    const requestId = `${prefix}${this.id}/${this.incarnation}/${++this.requestSeq}`;
    const r: ProposeResult = this.raft.propose(requestId, cmd);
    return r.ok ? requestId : null;
  }

  private sendRaft(messages: Message[]): void {
    for (const msg of messages) {
      this.world.send({ from: this.id, to: msg.to, payload: { kind: 'raft', msg } });
    }
  }

  private applied(
    index: number,
    requestId: string | null,
    command: () => ClusterCommand | null,
  ): void {
    this.world.applied(this.id, index, requestId, command);
    if (requestId !== null && this.duties?.applied(requestId)) this.queueDecision();
  }
}
