import type { ClusterConfig } from '../../../agent/src/config/model.js';
import { bootstrapSnapshot, EMPTY_HARD_STATE } from '../../../agent/src/raft/config.js';
import type { NodeId } from '../../../agent/src/raft/types.js';
import type { ClusterCommand } from '../../../agent/src/state/cluster-commands.js';
import { SimDisk } from '../sim-disk.js';
import { SimNetwork } from '../sim-network.js';
import { SimRandom } from '../sim-random.js';
import { SimScheduler } from '../sim-scheduler.js';
import { TraceLog, type TraceSink } from '../trace-log.js';
import { ActiveLedger } from './active-ledger.js';
import {
  antiAffinityPairs,
  clonedPrimitives,
  clusterSimConfig,
  STOP_TIMEOUT_MS,
} from './cluster-config.js';
import type { ClusterSimParams } from './cluster-params.js';
import { FenceDevice } from './fence-device.js';
import { HostClock } from './host-clock.js';
import { HostResources } from './host-resources.js';
import { RaftObservers } from './raft-observers.js';
import type { AgentWorld } from './sim-agent.js';
import { SimHost } from './sim-host.js';
import { Watchdog } from './watchdog.js';
import { WIRE_MESSAGE_ENVELOPE, type WireMessage } from './wire-message.js';

/** Told of every entry any agent applies. */
export type AppliedListener = (
  node: NodeId,
  index: number,
  requestId: string | null,
  command: () => ClusterCommand | null,
) => void;

/** Host-level counters for the run summary. */
export interface WorldStats {
  hostPowerOffs: number;
  watchdogResets: number;
  /** Watchdog resets that ended a resource still active on the host. */
  watchdogSaves: number;
  agentStarts: number;
}

/**
 * The simulated world of a whole-cluster run: one clock and event queue, the network, the
 * hosts (each with its clock, disk, resources, watchdog and agent), the fence device, the
 * ground truth of what is active ({@link ActiveLedger}) and the Raft observers. It wires the
 * agents to the network and to the observers and offers power and agent control to the fault
 * schedule; it draws no random number of its own except clock drift and disk tearing.
 */
export class ClusterWorld implements AgentWorld {
  readonly params: ClusterSimParams;
  readonly scheduler = new SimScheduler();
  readonly trace: TraceLog;
  readonly observers = new RaftObservers();
  readonly wire: SimNetwork<WireMessage>;
  readonly hosts = new Map<NodeId, SimHost>();
  readonly config: ClusterConfig;
  readonly ledger: ActiveLedger;
  readonly device: FenceDevice | null;
  readonly stats: WorldStats = {
    hostPowerOffs: 0,
    watchdogResets: 0,
    watchdogSaves: 0,
    agentStarts: 0,
  };
  readonly appliedListeners: AppliedListener[] = [];
  /** Simulated time a placement last changed (first application anywhere). */
  lastPlacementChangeMs = 0;
  /** Highest log index any agent applied. */
  highestAppliedIndex = 0;

  constructor(params: ClusterSimParams, traceSink: TraceSink | null) {
    this.params = params;
    this.trace = new TraceLog(() => this.scheduler.nowMs, traceSink);
    this.config = clusterSimConfig(params.fencing);
    this.ledger = new ActiveLedger(clonedPrimitives(this.config), antiAffinityPairs(this.config));
    this.wire = new SimNetwork(
      this.scheduler,
      SimRandom.forStream(params.seed, 'cluster/network'),
      params.faultyNetwork,
      WIRE_MESSAGE_ENVELOPE,
      { deliver: (m) => this.deliver(m) },
      this.trace.verbose ? (line) => this.trace.log(line) : null,
    );
    this.device = params.fencing
      ? new FenceDevice(
          this.scheduler,
          SimRandom.forStream(params.seed, 'cluster/fence'),
          this.trace,
          params.fenceMinMs,
          params.fenceMaxMs,
          (node) => this.fenceOff(node),
        )
      : null;
  }

  /** Whether a fence device is installed. */
  get fenceDevice(): boolean {
    return this.device !== null;
  }

  /** Creates the founding hosts and starts their agents. */
  addHosts(ids: NodeId[]): void {
    const timing = this.params.timing;
    for (const id of ids) {
      const clockRandom = SimRandom.forStream(this.params.seed, `cluster/clock/${id}`);
      const drift = clockRandom.float(-timing.driftRate, timing.driftRate);
      // Wall clocks agree within NTP accuracy at the start, then drift apart.
      const clock = new HostClock(drift, 1_000_000 + clockRandom.float(-50, 50));
      const disk = new SimDisk({
        hardState: EMPTY_HARD_STATE,
        snapshot: bootstrapSnapshot(ids),
        entries: [],
      });
      const resources = new HostResources(
        id,
        this.scheduler,
        SimRandom.forStream(this.params.seed, `cluster/resources/${id}`),
        this.params.resources,
        this.ledger,
        this.trace,
        STOP_TIMEOUT_MS,
      );
      const host = new SimHost(
        id,
        clock,
        disk,
        resources,
        SimRandom.forStream(this.params.seed, `cluster/disk/${id}`),
      );
      if (this.params.watchdog) {
        const wdClock = new HostClock(clockRandom.float(-timing.driftRate, timing.driftRate), 0);
        host.watchdog = new Watchdog(this.scheduler, wdClock, this.params.watchdogTimeoutMs, () =>
          this.watchdogReset(host),
        );
      }
      this.hosts.set(id, host);
      this.trace.log(() => `HOST ${id} drift ${(drift * 100).toFixed(3)}%`);
      this.startAgent(host);
    }
  }

  /** Starts an agent on `host` if it has power and none runs. */
  startAgent(host: SimHost): void {
    const agent = host.startAgent(this);
    if (agent === null) return;
    this.stats.agentStarts++;
    this.trace.log(
      () =>
        `START agent ${host.id}#${agent.incarnation} (disk snap=${host.disk.snapshotIndex} ` +
        `last=${host.disk.lastIndex}; active here: ${this.ledger.activeOn(host.id).join(',') || 'nothing'})`,
    );
  }

  /** Powers `host` off (why: for the trace); it stays off until {@link bootHost}. */
  powerOff(host: SimHost, why: string): void {
    if (!host.powered) return;
    const active = this.ledger.activeOn(host.id);
    const outcome = host.powerOff();
    this.stats.hostPowerOffs++;
    this.trace.log(
      `POWER OFF ${host.id} (${why}): ended ${active.join(',') || 'nothing'}; ` +
        `disk lost ${outcome.lostWrites} unsynced writes${outcome.torn ? ', tore one' : ''}`,
    );
  }

  /** Powers `host` on after `delayMs` of boot; void if it loses power again meanwhile. */
  bootHost(host: SimHost, delayMs: number): void {
    const epoch = host.powerEpoch;
    this.scheduler.after(delayMs, null, () => {
      if (host.powered || host.powerEpoch !== epoch) return;
      host.powerOn();
      this.trace.log(`BOOT ${host.id}`);
      this.startAgent(host);
    });
  }

  /** Hosts with a running, unpaused agent. */
  responsiveHosts(): SimHost[] {
    const now = this.scheduler.nowMs;
    return [...this.hosts.values()].filter((h) => h.responsive(now));
  }

  // ------------------------------------------------------------------ AgentWorld

  send(m: WireMessage): void {
    this.wire.send(m);
  }

  fence(node: NodeId, by: NodeId, confirmed: () => void): void {
    this.device?.fence(node, by, confirmed);
  }

  applied(
    node: NodeId,
    index: number,
    requestId: string | null,
    command: () => ClusterCommand | null,
  ): void {
    if (index > this.highestAppliedIndex) {
      this.highestAppliedIndex = index;
      if (command()?.type === 'set-placement') this.lastPlacementChangeMs = this.scheduler.nowMs;
    }
    for (const l of this.appliedListeners) l(node, index, requestId, command);
  }

  // ------------------------------------------------------------------ internals

  private deliver(m: WireMessage): boolean {
    const agent = this.hosts.get(m.to)?.agent ?? null;
    if (agent === null) return false;
    agent.receive(m);
    return true;
  }

  private watchdogReset(host: SimHost): void {
    this.stats.watchdogResets++;
    if (this.ledger.activeOn(host.id).length > 0) this.stats.watchdogSaves++;
    this.powerOff(host, 'watchdog expired');
    this.bootHost(host, this.params.bootMaxMs);
  }

  private fenceOff(node: NodeId): void {
    const host = this.hosts.get(node);
    if (host === undefined) return;
    this.powerOff(host, 'fence device');
    // The device reports the host off; someone powers it on again a while later.
    this.bootHost(host, this.params.hostDownMaxMs / 2 + this.params.bootMaxMs);
  }
}
