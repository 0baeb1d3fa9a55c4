import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ClusterConfig, ResourceDef } from '../config/model.js';
import { decide } from '../coordinator/decide.js';
import { Leadership } from '../coordinator/leadership.js';
import { instancesOf, reconcile, type LocalOperation } from '../coordinator/reconcile.js';
import { resourceStateAfter } from '../executor/resource-state-after.js';
import type {
  OperationReport,
  ResourceManager,
  StopAllResult,
} from '../executor/resource-manager.js';
import type { Fencer } from '../fencing/fencer.js';
import type { NodeLiveness } from '../liveness/lease-table.js';
import type { LeaseTiming } from '../liveness/lease-timing.js';
import { LeaseWitness } from '../liveness/lease-witness.js';
import { NodeLease } from '../liveness/node-lease.js';
import type { GuardLink, Inheritance } from '../guard/guard-link.js';
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
  type RevokeReply,
  type RevokeRequest,
} from './lease-rpc.js';

/** Least time between two control rounds run early by {@link NodeAgent.soon}. */
const SOON_GAP_MS = 5;

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
  /** Channel options for lease renewals (the TLS server name agents' certificates carry). */
  channelOptions?: grpc.ChannelOptions;
  logger: NodeAgentLogger;
  /** How often the leader runs a decision round, and every node a reconcile round. */
  loopIntervalMs: number;
  /** This node's lease guard (null: none, e.g. in tests of the agent alone). */
  guard: GuardLink | null;
  /**
   * Runs fence devices for the leader (fencing/fencer.ts). Without one, nothing is fenced and
   * a lost node's resources move only once its lease surely expired (fencing disabled).
   */
  fencer?: Fencer;
  /** Grace before a silent node is fenced (default `DEFAULT_SUSPECT_FENCE_DELAY_MS`). */
  suspectFenceDelayMs?: number;
}

/**
 * One host's share of the failover path, wiring the pure steps to real time and I/O:
 * - renews this node's lease with every voter every `renewIntervalMs`, and answers the
 *   others' renewals as a voter ({@link LeaseWitness}); on the leader, also grants starts and
 *   asks the voters to revoke the leases of silent members (a fresh {@link Leadership} per
 *   term);
 * - on the leader, runs {@link decide} with the real scheduler and proposes its commands, one
 *   decision at a time;
 * - on every node, runs {@link reconcile} and hands the operations to the resource manager,
 *   or stopAll when the lease is ending; results go back to the log as `record-state`.
 */
export class NodeAgent {
  private readonly lease: NodeLease;
  private readonly witness: LeaseWitness;
  /** This agent process, to the voters: a random id, and when it started (RenewRequest). */
  private readonly incarnation = randomUUID();
  private readonly startedAtMs: number;
  private leadership: Leadership | null = null;
  private stopPointTimer: NodeJS.Timeout | null = null;
  /** As leader: wakes a decision round when a member turns silent or its fencing grace ends. */
  private dueTimer: NodeJS.Timeout | null = null;
  private readonly clients = new Map<string, LivenessClient>();
  private readonly busy = new Set<string>();
  private timers: NodeJS.Timeout[] = [];
  private deciding = false;
  private soonPending = false;
  private lastControlAtMs = Number.NEGATIVE_INFINITY;
  private stoppingAll = false;
  private stopped = false;
  /** Set by {@link leave}: stop everything, start nothing, decide nothing. */
  private leaving = false;
  private guardResourcesOf: unknown = null;
  /** When a stop of each stop-failed instance was last retried. */
  private readonly stopRetriedAt = new Map<string, number>();
  /** When each instance's observed state was last re-sent (see resyncRecords). */
  private readonly resyncedAt = new Map<string, number>();
  /**
   * Instances whose last probe here found the agent not installed (stopped, cannot run
   * here): recorded `runnable: false`, never stopped here (a stop could only fail as not
   * installed, and a stop-failed record would block the resource everywhere).
   */
  private readonly notInstalled = new Set<string>();
  /** The not-installed set as the lease guard last got it (see feedGuardResources). */
  private guardNotInstalled = '';

  constructor(private readonly o: NodeAgentOptions) {
    this.startedAtMs = performance.now();
    this.lease = new NodeLease(o.timing);
    this.witness = new LeaseWitness(o.timing, this.startedAtMs);
  }

  /**
   * Start the loops. The first renewal goes out before the first reconcile round. With an
   * `inheritance` from the lease guard (this agent restarted while its previous process held
   * a lease), the lease runs on until that end, so resources keep running if a renewal is
   * granted in time; nothing is started before a grant of this process's own.
   */
  start(inheritance: Inheritance | null = null): void {
    if (inheritance?.leaseUntilMs != null && inheritance.leaseUntilMs > performance.now()) {
      this.lease.inherit(inheritance.leaseUntilMs);
      this.o.logger.info(
        { leaseLeftMs: Math.round(inheritance.leaseUntilMs - performance.now()) },
        'inherited the lease of the previous agent process',
      );
    }
    this.warmUpScheduler();
    this.renewRound();
    this.timers.push(setInterval(() => this.renewRound(), this.o.timing.renewIntervalMs));
    this.timers.push(setInterval(() => this.controlRound(), this.o.loopIntervalMs));
  }

  /** Stop the loops (resources are left as they are; the lease runs out on its own). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.stopPointTimer !== null) clearTimeout(this.stopPointTimer);
    if (this.dueTimer !== null) clearTimeout(this.dueTimer);
    for (const c of this.clients.values()) c.close();
    this.o.guard?.close();
  }

  /**
   * Leave on purpose (SIGTERM: `systemctl stop` or `restart`): stop everything this node may
   * run, dependents first, each with its own stop timeout but within `timeoutMs` in all. Starts
   * and decisions end at once, but lease renewals go on while the stops run: letting the lease
   * lapse first would have the leader start them elsewhere while they may still run here.
   * Stops are recorded in the log as usual; the leader moves what was here once this node's
   * lease has run out after the exit. When everything stopped, the lease guard is told it has
   * nothing left to guard; otherwise it keeps guarding. Call {@link stop} after.
   */
  async leave(timeoutMs: number): Promise<StopAllResult> {
    this.leaving = true;
    const defs = this.stoppableDefinitions();
    this.o.logger.info({ resources: defs.map((d) => d.id) }, 'leaving: stopping everything');
    const result = await this.o.manager.stopAll(defs, performance.now() + timeoutMs);
    this.logStopAll(result);
    if (result.ok) await this.o.guard?.release();
    return result;
  }

  private logStopAll(r: StopAllResult): void {
    if (r.ok) this.o.logger.info({ stopped: r.reports.length }, 'stopped everything');
    else
      this.o.logger.warn(
        { stopFailed: r.stopFailed },
        'some resources could not be stopped: this node must be fenced',
      );
  }

  /**
   * The Liveness service's Renew: this voter's yes unless it promised a leader to refuse the
   * node (`LeaseWitness`); and, from a leader holding its Raft leader lease, a grant that lets
   * the node start resources, refused while a decision that treated the node as down is
   * uncommitted (`LeaseTable.mayGrant`).
   */
  handleRenew(req: RenewRequest): RenewReply {
    const st = this.o.driver.status();
    const reply = (granted: boolean, reason: string, leaderGrant = false): RenewReply => ({
      granted,
      reason,
      leader: st.leader ?? '',
      term: st.term,
      commitIndex: leaderGrant ? st.commit : 0,
      leaderGrant,
    });
    if (req.clusterId !== this.o.clusterId) return reply(false, `wrong cluster ${req.clusterId}`);
    const { voters, learners } = st.confState;
    if (!voters.includes(req.node) && !learners.includes(req.node))
      return reply(false, `${req.node} is not a member`);
    const now = performance.now();
    // A leader hears every member's requests: that is how it knows who is alive.
    const leading = st.role === 'leader' && st.leaseValid;
    const sender = { incarnation: req.incarnation, upMs: req.upMs };
    const leaderYes =
      leading && this.lead(st.term).renewal(req.node, now, st.commit, this.o.state.state, sender);
    if (!this.witness.renewal(req.node, now, sender))
      return reply(false, 'revoked: a leader is moving its resources away');
    return reply(true, '', leaderYes);
  }

  /** The Liveness service's Revoke: a leader asks this voter to revoke a silent node's lease. */
  handleRevoke(req: RevokeRequest): RevokeReply {
    if (req.clusterId !== this.o.clusterId)
      return {
        revoked: false,
        holdMs: 0,
        remainingMs: 0,
        reason: `wrong cluster ${req.clusterId}`,
      };
    const answer = this.witness.revoke(req.node, performance.now());
    if (answer.revoked) {
      this.o.logger.info(
        { node: req.node, leader: req.leader, term: req.term, holdMs: answer.holdMs },
        "lease revoked at a leader's request",
      );
      return { revoked: true, holdMs: answer.holdMs, remainingMs: 0, reason: '' };
    }
    return { revoked: false, holdMs: 0, remainingMs: Math.ceil(answer.remainingMs), reason: '' };
  }

  /**
   * Run a control round as soon as the current work is done (once, however often called): a
   * placement change or node-down was applied, or a fence confirmed, and a failover's next
   * step should not wait for the next round.
   */
  soon(): void {
    if (this.soonPending || this.stopped) return;
    this.soonPending = true;
    // Never more than one round per SOON_GAP_MS: a burst of applies is one round.
    const waitMs = Math.max(0, this.lastControlAtMs + SOON_GAP_MS - performance.now());
    setTimeout(() => {
      this.soonPending = false;
      this.controlRound();
    }, waitMs);
  }

  /** The resource manager's report callback: record the observed state in the log. */
  recordOperation(report: OperationReport): void {
    const state = resourceStateAfter(
      report.action === 'probe' ? 'monitor' : report.action,
      report.outcome,
    );
    if (state === null) return;
    const runnable =
      report.outcome.kind === 'not-running' ? report.outcome.runnableHere : undefined;
    if (runnable === false) this.notInstalled.add(report.resourceId);
    else if (runnable === true || state !== 'stopped') this.notInstalled.delete(report.resourceId);
    // A stop cut short by stopAll's deadline (lease ending, shutdown) is recorded as what it is
    // (stop-failed: it may still run) but not counted against the resource: the node ran out
    // of time, the resource did not fail. Counted, every boot of a node without a lease would
    // push its resources towards migration-threshold on it.
    const failed =
      (report.outcome.kind === 'failed' || report.outcome.kind === 'stop-failed') &&
      !this.stoppingAll &&
      !this.leaving;
    const known = this.o.state.state.resources[recordKey(report.resourceId, this.o.id)];
    // Nothing new: keep repeated monitor results out of the log (a failure counts once, when
    // it is found; recovery then stops the monitor).
    const runnableKnown = runnable === undefined || (known?.runnable !== false) === runnable;
    if (known?.state === state && (!failed || report.action === 'monitor') && runnableKnown) return;
    if (runnable === false)
      this.o.logger.warn(
        { resource: report.resourceId, reason: report.reason },
        'resource agent not installed on this node: it will not run here',
      );
    this.propose({
      type: 'record-state',
      node: this.o.id,
      resource: report.resourceId,
      state,
      failed,
      ...(runnable !== undefined ? { runnable } : {}),
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
    if (st.role !== 'leader' || this.leadership?.term !== st.term) return null;
    return this.leadership.liveness(
      [...st.confState.voters, ...st.confState.learners],
      st.confState.voters,
      performance.now(),
    );
  }

  /** This node's lease state now (for status reports). */
  leaseState(): ReturnType<NodeLease['state']> {
    return this.lease.state(performance.now());
  }

  private lead(term: number): Leadership {
    if (this.leadership?.term !== term) {
      this.leadership = new Leadership(
        this.o.id,
        term,
        this.o.timing,
        this.o.suspectFenceDelayMs,
        this.witness.heard(),
      );
    }
    return this.leadership;
  }

  /**
   * One renewal round: heartbeat to the lease guard, begin stopping everything if the lease
   * is past its stop point (before asking again: a renewal sent now would otherwise extend a
   * lease that lapsed unnoticed, say after a pause), then ask every voter to renew.
   */
  private renewRound(): void {
    if (this.stopped) return;
    this.o.guard?.sendLease(this.lease.expiresAtMs());
    this.stopIfPastStopPoint();
    const st = this.o.driver.status();
    const voters = st.confState.voters;
    if (voters.length === 0) return;
    const sentAtMs = performance.now();
    const id = this.lease.requestSent(sentAtMs, voters);
    const req: RenewRequest = {
      node: this.o.id,
      clusterId: this.o.clusterId,
      incarnation: this.incarnation,
      upMs: Math.round(sentAtMs - this.startedAtMs),
    };
    for (const voter of voters) {
      if (voter === this.o.id) {
        this.answered(id, voter, this.handleRenew(req));
        continue;
      }
      const client = this.client(voter);
      if (client === null) continue;
      client.renew(req, this.o.timing.renewTimeoutMs).then(
        (r) => this.answered(id, voter, r),
        () => undefined, // the lease simply runs out; the next round tries again
      );
    }
    this.armDueRound(st.role === 'leader' ? st.term : null, [...voters, ...st.confState.learners]);
  }

  /**
   * As leader of `term`: run a decision round exactly when a member turns silent or its
   * fencing grace ends (`Leadership.nextDueMs`), not up to a control round later; both are on
   * a failover's path. Re-armed every renewal round.
   */
  private armDueRound(term: number | null, members: string[]): void {
    if (this.dueTimer !== null) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    if (term === null || this.leadership?.term !== term) return;
    const now = performance.now();
    const dueMs = this.leadership.nextDueMs(members, now);
    if (dueMs === undefined) return;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = null;
        this.soon();
      },
      Math.max(0, Math.ceil(dueMs - now)),
    );
  }

  /** The Liveness client for `peer` (null: no address known). */
  private client(peer: string): LivenessClient | null {
    let client = this.clients.get(peer);
    if (client !== undefined) return client;
    const address = this.o.peers[peer];
    if (address === undefined) return null;
    client = livenessClient(address, this.o.channelCredentials, this.o.channelOptions);
    this.clients.set(peer, client);
    return client;
  }

  private answered(requestId: number, voter: string, r: RenewReply): void {
    if (!r.granted || this.stopped) return;
    const before = this.lease.expiresAtMs();
    const now = performance.now();
    this.lease.ackReceived(requestId, voter, now);
    if (r.leaderGrant) this.lease.grantReceived(requestId, r.commitIndex, now);
    const after = this.lease.expiresAtMs();
    if (after === before) return;
    // The guard hears of the extended lease before anything can start on it: an agent paused
    // right after a start must leave its guard knowing there is something to stop.
    this.o.guard?.sendLease(after);
    this.armStopPoint(now);
  }

  /** Run the stop-everything check exactly at the lease's stop point, not a round later. */
  private armStopPoint(now: number): void {
    if (this.stopPointTimer !== null) clearTimeout(this.stopPointTimer);
    const inMs = this.lease.msUntilStopping(now);
    this.stopPointTimer = setTimeout(
      () => {
        this.stopPointTimer = null;
        this.stopIfPastStopPoint();
      },
      Math.max(0, Math.ceil(inMs)),
    );
  }

  private stopIfPastStopPoint(): void {
    if (this.stopped || this.leaving) return;
    if (this.lease.state(performance.now()) === 'valid') return;
    if (!this.stoppingAll && this.anythingMayRun()) this.stopEverything();
  }

  /**
   * As leader: ask the voters to revoke the leases of members silent too long. Each yes is a
   * promise to refuse the member's renewals for a while; with a quorum of them the member is
   * `down` and the next decision moves what it ran (LeaseTable).
   */
  private revokeRound(term: number, members: string[], voters: string[]): void {
    const leadership = this.lead(term);
    const now = performance.now();
    for (const { node, voter } of leadership.revokeRound(members, voters, now, this.witness)) {
      const client = this.client(voter);
      if (client === null) continue;
      const req: RevokeRequest = { node, clusterId: this.o.clusterId, leader: this.o.id, term };
      client.revoke(req, this.o.timing.renewTimeoutMs).then(
        (r) => this.revokeAnswered(leadership, node, voter, now, r),
        () => undefined, // asked again once the request's deadline passed
      );
    }
  }

  private revokeAnswered(
    leadership: Leadership,
    node: string,
    voter: string,
    sentAtMs: number,
    r: RevokeReply,
  ): void {
    if (this.leadership !== leadership || this.stopped || r.reason !== '') return;
    const now = performance.now();
    leadership.revokeAnswered(
      node,
      voter,
      sentAtMs,
      r.revoked
        ? { revoked: true, holdMs: r.holdMs }
        : { revoked: false, remainingMs: r.remainingMs },
      now,
    );
    // Decide at once when this answer completes the quorum, or ask again exactly when the
    // voter will agree, rather than a round later: both are on the failover's path.
    if (r.revoked) this.soon();
    else setTimeout(() => this.soon(), Math.max(1, r.remainingMs)).unref();
  }

  private controlRound(): void {
    if (this.stopped) return;
    this.lastControlAtMs = performance.now();
    this.feedGuardResources();
    if (this.leaving) return; // leave() stops everything; nothing is decided or started
    const st = this.o.driver.status();
    if (st.role === 'leader' && st.leaseValid) {
      const members = [...st.confState.voters, ...st.confState.learners];
      this.revokeRound(st.term, members, st.confState.voters);
      this.decideRound(st.term, members, st.confState.voters);
    }
    this.reconcileRound();
  }

  private decideRound(term: number, members: string[], voters: string[]): void {
    if (this.deciding) return;
    const leadership = this.lead(term);
    const doc = this.o.state.state;
    const round = leadership.round(doc, members, voters, performance.now(), Date.now(), schedule);
    for (const [m, verdict] of Object.entries(round.liveness))
      if (verdict === 'alive' && this.o.fencer?.fencedSince(m) != null)
        this.o.fencer.nodeSeenAlive(m);
    this.fence(leadership, round.decision.fence, doc.config.fencing);
    const { commands } = round.decision;
    if (commands.length === 0) return;
    this.deciding = true;
    // Proposed together, in order (the log keeps it); whoever this decision treated as down
    // gets no lease grant until all of it is committed.
    const pending = commands.map((c) => this.o.driver.propose(encodeClusterCommand(c)));
    leadership.proposed(round, this.o.driver.status().lastIndex);
    void Promise.all(pending)
      .catch((err: unknown) => this.o.logger.warn({ err: String(err) }, 'decision not committed'))
      .finally(() => {
        this.deciding = false;
        this.soon(); // the next step of a move or a group start should not wait a round
      });
  }

  /**
   * Hand the decision's fence requests to the fencer (one operation per node at a time; the
   * fencer keeps secrets off command lines and out of logs). A confirmed fence makes the node
   * `fenced` for the next rounds of this leadership; the next decision records it in the log
   * (`node-down`, cause `fenced`) and moves its resources at once.
   */
  private fence(
    leadership: Leadership,
    requests: { node: string; reason: string; detail: string }[],
    config: ClusterConfig['fencing'],
  ): void {
    const fencer = this.o.fencer;
    if (fencer === undefined || requests.length === 0) return;
    fencer.configure(config?.topology ?? {}, config?.devices ?? []);
    for (const r of requests) {
      if (fencer.inProgress().includes(r.node)) continue;
      const request = fencer.request(r.node, r.reason);
      if (request.disposition === 'started')
        this.o.logger.warn({ node: r.node, reason: r.detail }, 'fencing node');
      void request.outcome.then((outcome) => {
        if (!outcome.ok || this.leadership !== leadership) return;
        leadership.fenceConfirmed(r.node);
        this.o.logger.warn({ node: r.node }, 'node confirmed off by its fence device');
        this.soon();
      });
    }
  }

  private reconcileRound(): void {
    const now = performance.now();
    const leaseState = this.lease.state(now);
    const doc = this.o.state.state;
    if (leaseState !== 'valid') {
      this.stopIfPastStopPoint();
      return;
    }
    const local = new Map<string, ResourceState>();
    for (const instance of this.instances()) local.set(instance, this.o.manager.stateOf(instance));
    // Behind the commit index of the last grant (or no grant yet in this process): stop and
    // probe, but start nothing yet (reconcile's mayStart).
    const caughtUp = this.lease.mayStart(this.o.driver.status().applied);
    for (const op of reconcile({
      node: this.o.id,
      lease: leaseState,
      doc,
      local,
      busy: this.busy,
      // Nothing starts unless the lease guard watches over it (docs/lease-guard.md).
      mayStart: caughtUp && (this.o.guard?.watching() ?? true),
      notInstalled: this.notInstalled,
    })) {
      // While stopAll runs the manager refuses starts; asking again every round only fills
      // the log. The round after stopAll ends starts what is placed here.
      if (op.kind !== 'start' || !this.stoppingAll) this.run(op);
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
      const notInstalled = this.notInstalled.has(instance);
      const sameRunnable = (recorded?.runnable === false) === notInstalled;
      if (recorded?.state === state && sameRunnable) continue;
      if (now - (this.resyncedAt.get(instance) ?? -Infinity) < RESYNC_INTERVAL_MS) continue;
      this.resyncedAt.set(instance, now);
      // `unknown` in the log is the leader's "not confirmed yet" (a new placement here, or a
      // cleanup): never overwrite it with an old observation (a start about to begin would be
      // recorded as stopped, and the leader could place the instance elsewhere meanwhile).
      // Observe anew instead; the probe's result is reported as usual. The same when the log
      // has no record of this node at all although it knows the state: its report was lost
      // (proposed while no leader was known, under load), and the scheduler waits for it
      // before it starts the instance anywhere.
      if (recorded?.state === 'unknown' || (recorded === undefined && !notInstalled)) {
        this.run({
          kind: 'probe',
          resource: instance,
          generation: doc.placement[instance]?.generation ?? 0,
          reason:
            recorded === undefined
              ? 'no record here in the log: observing anew'
              : 'recorded unknown: observing anew',
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
        ...(notInstalled ? { runnable: false } : {}),
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
    const defs = this.stoppableDefinitions();
    this.o.logger.warn({ resources: defs.map((d) => d.id) }, 'lease ending: stopping everything');
    // The lease's end is the deadline, with at least the stop budget. A node holding no lease
    // since it started (nor one inherited from its previous process) has no lease end to meet:
    // nothing may have been started elsewhere on the strength of it. Its stops (of whatever a
    // previous run of the agent left running) get their own timeouts instead.
    const deadlineMs = Number.isFinite(this.lease.expiresAtMs())
      ? Math.max(this.lease.expiresAtMs(), performance.now() + this.o.timing.stopBudgetMs)
      : performance.now() + defs.reduce((sum, d) => sum + d.operations.stop.timeoutMs, 0);
    void this.o.manager
      .stopAll(defs, deadlineMs)
      .then((r) => this.logStopAll(r))
      .finally(() => (this.stoppingAll = false));
  }

  /**
   * Plan once on the state as applied at start and throw the result away: the first plan of
   * a process pays for compiling the scheduler (about 0.3 s at 10,000 resources on 32 nodes,
   * docs/scheduler.md), and the first real plan of a new leader is a failover's.
   */
  private warmUpScheduler(): void {
    const st = this.o.driver.status();
    const members = [...st.confState.voters, ...st.confState.learners];
    const liveness: Record<string, NodeLiveness> = {};
    for (const m of members) liveness[m] = 'alive';
    const startedMs = performance.now();
    try {
      decide(
        { doc: this.o.state.state, members, liveness, fenced: [], nowMs: Date.now() },
        schedule,
      );
    } catch (err) {
      // Only a warm-up: the leader's rounds will plan (and report) for real.
      this.o.logger.warn({ err: String(err) }, 'scheduler warm-up failed');
      return;
    }
    this.o.logger.info({ ms: Math.round(performance.now() - startedMs) }, 'scheduler warmed up');
  }

  /** Tell the lease guard what may run here, whenever the configuration changed. */
  private feedGuardResources(): void {
    const config = this.o.state.state.config;
    const notInstalled = [...this.notInstalled].sort().join(',');
    if (this.o.guard === null) return;
    if (this.guardResourcesOf === config && this.guardNotInstalled === notInstalled) return;
    this.guardResourcesOf = config;
    this.guardNotInstalled = notInstalled;
    this.o.guard.sendResources(this.stoppableDefinitions());
  }

  /**
   * The instances a stop-everything stops, in start order: all but those a probe found not
   * installed here and that nothing started since (their stop could only fail).
   */
  private stoppable(): string[] {
    return this.instances().filter(
      (i) => !(this.notInstalled.has(i) && this.o.manager.stateOf(i) === 'stopped'),
    );
  }

  /** The definitions of {@link stoppable} instances, in start order: what stop-everything stops. */
  private stoppableDefinitions(): ResourceDef[] {
    return this.stoppable()
      .map((i) => this.definition(i))
      .filter((d): d is ResourceDef => d !== null);
  }

  /** Whether anything may be active here: known not stopped, or an operation in flight (a start). */
  private anythingMayRun(): boolean {
    if (this.busy.size > 0) return true;
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
    const doc = this.o.state.state;
    // A resource removed from the configuration while it ran is stopped with the definition
    // the state kept for it (ClusterStateDoc.orphans).
    const def = doc.config.resources.find((r) => r.id === base) ?? doc.orphans?.[base];
    return def === undefined ? null : { ...def, id: instance };
  }

  private propose(cmd: ClusterCommand): void {
    this.o.driver.propose(encodeClusterCommand(cmd)).catch((err: unknown) => {
      this.o.logger.warn(
        {
          err: String(err),
          command: cmd.type,
          resource: 'resource' in cmd ? cmd.resource : undefined,
        },
        'proposal failed; the next round retries',
      );
    });
  }
}
