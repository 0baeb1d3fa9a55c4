import * as grpc from '@grpc/grpc-js';
import type { ResourceDef } from '../config/model.js';
import { decide } from '../coordinator/decide.js';
import { instancesOf, reconcile, type LocalOperation } from '../coordinator/reconcile.js';
import { resourceStateAfter } from '../executor/resource-state-after.js';
import type {
  OperationReport,
  ResourceManager,
  StopAllResult,
} from '../executor/resource-manager.js';
import { LeaseTable, type NodeLiveness } from '../liveness/lease-table.js';
import type { LeaseTiming } from '../liveness/lease-timing.js';
import { NodeLease } from '../liveness/node-lease.js';
import type { RaftDriver } from '../raft/driver/raft-driver.js';
import { schedule } from '../scheduler/schedule.js';
import type { ResourceState } from '../scheduler/types.js';
import { encodeClusterCommand, type ClusterCommand } from '../state/cluster-commands.js';
import { recordKey, type ClusterState, type ClusterStateDoc } from '../state/cluster-state.js';
import {
  livenessClient,
  type LivenessClient,
  type RenewReply,
  type RenewRequest,
} from './lease-rpc.js';

/** Least time between two re-sends of one instance's observed state (see resyncRecords). */
const RESYNC_INTERVAL_MS = 1_000;

/** Where the node agent reports what it does (a pino logger fits). */
export interface NodeAgentLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Everything a {@link NodeAgent} runs with. */
export interface NodeAgentOptions {
  id: string;
  clusterId: string;
  driver: RaftDriver;
  state: ClusterState;
  /** Built by the caller with `report` wired to {@link NodeAgent.recordOperation}. */
  manager: ResourceManager;
  timing: LeaseTiming;
  /** Liveness addresses of the other members, by node id. */
  peers: Record<string, string>;
  channelCredentials: grpc.ChannelCredentials;
  logger: NodeAgentLogger;
  /** How often the leader runs a decision round, and every node a reconcile round. */
  loopIntervalMs: number;
}

/**
 * One host's share of the failover path, wiring the pure steps to real time and I/O:
 * - renews this node's lease with the leader every `renewIntervalMs` (and, on the leader,
 *   answers renewals into a fresh {@link LeaseTable} per leadership);
 * - on the leader, runs {@link decide} with the real scheduler and proposes its commands, one
 *   decision at a time;
 * - on every node, runs {@link reconcile} and hands the operations to the resource manager,
 *   or stopAll when the lease is ending; results go back to the log as `record-state`.
 */
export class NodeAgent {
  private readonly lease: NodeLease;
  private table: LeaseTable | null = null;
  private leaderTerm = -1;
  private readonly clients = new Map<string, LivenessClient>();
  private readonly busy = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private deciding = false;
  private stoppingAll = false;
  private stopped = false;
  private shuttingDown = false;
  /** When a stop of each stop-failed instance was last retried. */
  private readonly stopRetriedAt = new Map<string, number>();
  /** When each instance's observed state was last re-sent (see resyncRecords). */
  private readonly resyncedAt = new Map<string, number>();
  /** Whether any lease was granted since this agent started. */
  private everLeased = false;
  /**
   * The highest leader commit index named by a grant: until this node has applied that far,
   * its view of placement may be stale (e.g. just back from a partition), so it starts nothing.
   */
  private caughtUpIndex = 0;

  constructor(private readonly o: NodeAgentOptions) {
    this.lease = new NodeLease(o.timing);
  }

  /** Start the loops. The first renewal goes out before the first reconcile round. */
  start(): void {
    this.renewOnce();
    this.timers.push(setInterval(() => this.renewOnce(), this.o.timing.renewIntervalMs));
    this.timers.push(setInterval(() => this.controlRound(), this.o.loopIntervalMs));
  }

  /** Stop the loops (resources are left as they are; the lease runs out on its own). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const c of this.clients.values()) c.close();
  }

  /**
   * Graceful shutdown (SIGTERM: `systemctl stop` or `restart`): stop everything this node may
   * run, dependents first, each with its own stop timeout but within `timeoutMs` in all, and
   * only then stop the loops. Starts and decisions end at once, but lease renewals go on
   * while the stops run: leaving them running and letting the lease lapse would have the
   * leader start them elsewhere while they still run here. Stops are recorded in the log as
   * usual; the leader moves what was here once this node's lease has run out after the exit.
   */
  async shutdown(timeoutMs: number): Promise<StopAllResult> {
    this.shuttingDown = true;
    const defs = this.instances()
      .map((i) => this.definition(i))
      .filter((d): d is ResourceDef => d !== null);
    this.o.logger.info({ resources: defs.map((d) => d.id) }, 'shutting down: stopping everything');
    try {
      return await this.o.manager.stopAll(defs, performance.now() + timeoutMs);
    } finally {
      this.stop();
    }
  }

  /** The Liveness service handler: grant only as a leader with recent quorum contact. */
  handleRenew(req: RenewRequest): RenewReply {
    const st = this.o.driver.status();
    const reply = (granted: boolean, reason: string): RenewReply => ({
      granted,
      reason,
      leader: st.leader ?? '',
      term: st.term,
      commitIndex: st.commit,
    });
    if (req.clusterId !== this.o.clusterId) return reply(false, `wrong cluster ${req.clusterId}`);
    if (st.role !== 'leader') return reply(false, 'not the leader');
    if (!st.leaseValid) return reply(false, 'leader without recent quorum contact');
    this.leaseTable(st.term).requestReceived(req.node, performance.now());
    return reply(true, '');
  }

  /** The resource manager's report callback: record the observed state in the log. */
  recordOperation(report: OperationReport): void {
    const state = resourceStateAfter(
      report.action === 'probe' ? 'monitor' : report.action,
      report.outcome,
    );
    if (state === null) return;
    // A stop cut short by stopAll's deadline (lease ending, shutdown) is recorded as what it is
    // (stop-failed: it may still run) but not counted against the resource: the node ran out
    // of time, the resource did not fail. Counted, every boot of a node without a lease would
    // push its resources towards migration-threshold on it.
    const failed =
      (report.outcome.kind === 'failed' || report.outcome.kind === 'stop-failed') &&
      !this.stoppingAll &&
      !this.shuttingDown;
    const known = this.o.state.state.resources[recordKey(report.resourceId, this.o.id)];
    // Nothing new: keep repeated monitor results out of the log (a failure counts once, when
    // it is found; recovery then stops the monitor).
    if (known?.state === state && (!failed || report.action === 'monitor')) return;
    this.propose({
      type: 'record-state',
      node: this.o.id,
      resource: report.resourceId,
      state,
      failed,
      generation: report.generation,
      reason: report.reason ?? `${report.action} ${report.outcome.kind}`,
      atMs: Date.now(),
    });
  }

  /**
   * The leader's verdict on every member (null when this node is not the leader with a lease
   * table): for `clusterctl status`, which asks the leader.
   */
  livenessView(): Record<string, NodeLiveness> | null {
    const st = this.o.driver.status();
    if (st.role !== 'leader' || this.table === null || this.leaderTerm !== st.term) return null;
    const now = performance.now();
    const view: Record<string, NodeLiveness> = {};
    for (const m of [...st.confState.voters, ...st.confState.learners]) {
      view[m] = m === this.o.id ? 'alive' : this.table.liveness(m, now);
    }
    return view;
  }

  /** This node's lease state now (for status reports). */
  leaseState(): ReturnType<NodeLease['state']> {
    return this.lease.state(performance.now());
  }

  private leaseTable(term: number): LeaseTable {
    if (this.table === null || this.leaderTerm !== term) {
      this.table = new LeaseTable(this.o.timing, performance.now());
      this.leaderTerm = term;
    }
    return this.table;
  }

  private renewOnce(): void {
    const leader = this.o.driver.status().leader;
    if (this.stopped || leader === null) return;
    const id = this.lease.requestSent(performance.now());
    const req: RenewRequest = { node: this.o.id, clusterId: this.o.clusterId };
    if (leader === this.o.id) {
      const r = this.handleRenew(req);
      if (r.granted) this.grant(id, r.commitIndex);
      return;
    }
    const address = this.o.peers[leader];
    if (address === undefined) return;
    let client = this.clients.get(leader);
    if (client === undefined) {
      client = livenessClient(address, this.o.channelCredentials);
      this.clients.set(leader, client);
    }
    client.renew(req, this.o.timing.renewIntervalMs * 2).then(
      (r) => r.granted && this.grant(id, r.commitIndex),
      () => undefined, // the lease simply runs out; the next round tries again
    );
  }

  private grant(requestId: number, commitIndex: number): void {
    this.lease.grantReceived(requestId);
    this.everLeased = true;
    this.caughtUpIndex = Math.max(this.caughtUpIndex, commitIndex);
  }

  private controlRound(): void {
    if (this.stopped || this.shuttingDown) return;
    const st = this.o.driver.status();
    if (st.role === 'leader' && st.leaseValid)
      this.decideRound(st.term, [...st.confState.voters, ...st.confState.learners]);
    this.reconcileRound();
  }

  private decideRound(term: number, members: string[]): void {
    if (this.deciding) return;
    const now = performance.now();
    const table = this.leaseTable(term);
    const liveness: Record<string, NodeLiveness> = {};
    for (const m of members) liveness[m] = m === this.o.id ? 'alive' : table.liveness(m, now);
    const { commands } = decide(
      { doc: this.o.state.state, members, liveness, fenced: [], nowMs: Date.now() },
      schedule,
    );
    if (commands.length === 0) return;
    this.deciding = true;
    void (async () => {
      for (const c of commands) await this.o.driver.propose(encodeClusterCommand(c));
    })()
      .catch((err: unknown) => this.o.logger.warn({ err: String(err) }, 'decision not committed'))
      .finally(() => (this.deciding = false));
  }

  private reconcileRound(): void {
    const now = performance.now();
    const leaseState = this.lease.state(now);
    const doc = this.o.state.state;
    if (leaseState !== 'valid') {
      if (!this.stoppingAll && this.anythingMayRun()) this.stopEverything();
      return;
    }
    const local = new Map<string, ResourceState>();
    for (const instance of this.instances()) local.set(instance, this.o.manager.stateOf(instance));
    // Behind the commit index of the last grant: stop and probe, but start nothing yet.
    const caughtUp = this.o.driver.status().applied >= this.caughtUpIndex;
    for (const op of reconcile({
      node: this.o.id,
      lease: leaseState,
      doc,
      local,
      busy: this.busy,
    })) {
      // While stopAll runs the manager refuses starts; asking again every round only fills
      // the log. The round after stopAll ends starts what is placed here.
      if (op.kind !== 'start' || (caughtUp && !this.stoppingAll)) this.run(op);
    }
    // A stop that failed here (most often one that stopAll's deadline cut short or never
    // began, as the lease ran out) leaves the instance possibly running: with the lease back,
    // stop it again, wherever it is placed. Without a fence device nothing else would: the
    // leader waits for a confirmed stop before it places the instance anywhere.
    for (const [instance, state] of local) {
      if (state !== 'stop-failed' || this.busy.has(instance) || this.stoppingAll) continue;
      if (now - (this.stopRetriedAt.get(instance) ?? -Infinity) < RESYNC_INTERVAL_MS) continue;
      this.stopRetriedAt.set(instance, now);
      this.run({
        kind: 'stop',
        resource: instance,
        generation: doc.placement[instance]?.generation ?? 0,
        reason: 'an earlier stop failed here: stopping again',
      });
    }
    // After this round's operations are under way (run() marks them busy): what is left idle
    // has a settled state here that the log may not know.
    if (caughtUp) this.resyncRecords(doc, local, now);
  }

  /**
   * Re-send this node's observation of an instance when the log records something else: a
   * report proposed while the node was cut off is lost (the proposal fails and the manager's
   * state does not change again, so it is never reported anew), and a report delayed past a
   * `node-down` lands on top of it. Either way the leader would wait forever for a stop that
   * already happened, or plan around a copy that does not run. At most once a second per
   * instance, only when caught up with the leader and nothing runs on the instance (called
   * after the round's own operations began).
   */
  private resyncRecords(
    doc: Readonly<ClusterStateDoc>,
    local: ReadonlyMap<string, ResourceState>,
    now: number,
  ): void {
    for (const [instance, state] of local) {
      if (state === 'unknown' || this.busy.has(instance)) continue;
      const recorded = doc.resources[recordKey(instance, this.o.id)];
      if (recorded?.state === state || (recorded === undefined && state === 'stopped')) continue;
      if (now - (this.resyncedAt.get(instance) ?? -Infinity) < RESYNC_INTERVAL_MS) continue;
      this.resyncedAt.set(instance, now);
      // `unknown` in the log is the leader's "not confirmed yet" (a new placement here, or a
      // cleanup): never overwrite it with an old observation (a start about to begin would be
      // recorded as stopped, and the leader could place the instance elsewhere meanwhile).
      // Observe anew instead; the probe's result is reported as usual.
      if (recorded?.state === 'unknown') {
        this.run({
          kind: 'probe',
          resource: instance,
          generation: doc.placement[instance]?.generation ?? 0,
          reason: 'recorded unknown: observing anew',
        });
        continue;
      }
      this.o.logger.info(
        { resource: instance, recorded: recorded?.state ?? 'nothing', observed: state },
        'recorded state differs from this node: re-sending',
      );
      this.propose({
        type: 'record-state',
        node: this.o.id,
        resource: instance,
        state,
        failed: false,
        generation: doc.placement[instance]?.generation ?? 0,
        reason: `observed ${state} on ${this.o.id} (recorded: ${recorded?.state ?? 'nothing'})`,
        atMs: Date.now(),
      });
    }
  }

  private run(op: LocalOperation): void {
    const def = this.definition(op.resource);
    if (def === null) return;
    this.busy.add(op.resource);
    this.o.logger.info(
      { resource: op.resource, op: op.kind, reason: op.reason },
      'resource operation',
    );
    this.o.manager[op.kind](def, op.generation)
      .catch(() => undefined)
      .finally(() => this.busy.delete(op.resource));
  }

  /** Lease ending: stop everything, dependents first, before the lease is over. */
  private stopEverything(): void {
    this.stoppingAll = true;
    const defs = this.instances()
      .map((i) => this.definition(i))
      .filter((d): d is ResourceDef => d !== null);
    this.o.logger.warn({ resources: defs.map((d) => d.id) }, 'lease ending: stopping everything');
    // The lease's end is the deadline, with at least the stop budget.
    // A node that has held no lease since it started has no lease end to meet: nothing may
    // have been started elsewhere on the strength of it. Its stops (of whatever a previous run
    // of the agent left running) get their own timeouts instead of a budget meant for a lease.
    const deadlineMs = this.everLeased
      ? Math.max(this.lease.expiresAtMs(), performance.now() + this.o.timing.stopBudgetMs)
      : performance.now() + defs.reduce((sum, d) => sum + d.operations.stop.timeoutMs, 0);
    void this.o.manager.stopAll(defs, deadlineMs).finally(() => (this.stoppingAll = false));
  }

  private anythingMayRun(): boolean {
    return this.instances().some((i) => this.o.manager.stateOf(i) !== 'stopped');
  }

  /**
   * Every instance this node might have to act on, in start order. Cloned primitives appear in
   * the placement only once placed, but the scheduler places a clone on a node only after the
   * node has reported on some instance of it (its probe); so instance 0 of every cloned
   * primitive is listed too, and probed here like everything else.
   */
  private instances(): string[] {
    const doc = this.o.state.state;
    const out = instancesOf(doc);
    for (const clone of doc.config.clones) {
      const group = doc.config.groups.find((g) => g.id === clone.resource);
      for (const primitive of group?.members ?? [clone.resource]) {
        const first = `${primitive}:0`;
        if (!out.includes(first)) out.push(first);
      }
    }
    return out;
  }

  /** The definition of a primitive or of a clone instance `<primitive>:<n>` (named after it). */
  private definition(instance: string): ResourceDef | null {
    const base = instance.replace(/:\d+$/, '');
    const def = this.o.state.state.config.resources.find((r) => r.id === base);
    return def === undefined ? null : { ...def, id: instance };
  }

  private propose(cmd: ClusterCommand): void {
    this.o.driver.propose(encodeClusterCommand(cmd)).catch((err: unknown) => {
      this.o.logger.warn(
        { err: String(err), command: cmd.type },
        'proposal failed; the next round retries',
      );
    });
  }
}
