import { FaultSchedule } from '../fault-schedule.js';
import { SimRandom } from '../sim-random.js';
import type { ClusterWorld } from './cluster-world.js';
import type { SimHost } from './sim-host.js';

/** What the fault schedule did, for the run summary. */
export interface ClusterFaultStats {
  hostCrashes: number;
  agentCrashes: number;
  agentPauses: number;
  partitions: number;
  oneWayPartitions: number;
  storms: number;
}

/**
 * The fault schedule of a whole-cluster run's fault phase. Each kind draws from its own
 * random stream:
 *
 * - host crashes (power loss: everything on the host stops at once; it boots again later);
 * - agent crashes that leave the resources running (the agent restarts later, recovers Raft
 *   from its disk, probes and must find them);
 * - agent pauses (nothing of the agent runs, its resources stay active, its clock runs on);
 * - partitions (splits, isolation of one host or of the leader, random one-way cuts, the
 *   leader cut one way from everyone) and storms (bursts of extra delay and loss).
 *
 * The leader is picked more often than its share. The network faults and the phase itself are
 * the shared {@link FaultSchedule}'s. {@link stop} ends the phase: links heal, the network
 * calms down, resources stop misbehaving, crashed agents restart and powered-off hosts boot; a
 * pause in progress runs out.
 */
export class ClusterFaults {
  readonly stats: ClusterFaultStats = {
    hostCrashes: 0,
    agentCrashes: 0,
    agentPauses: 0,
    partitions: 0,
    oneWayPartitions: 0,
    storms: 0,
  };
  private readonly schedule: FaultSchedule;
  private readonly world: ClusterWorld;
  private readonly hostCrashRandom: SimRandom;
  private readonly agentCrashRandom: SimRandom;
  private readonly pauseRandom: SimRandom;
  private readonly partitionRandom: SimRandom;
  private readonly stormRandom: SimRandom;

  constructor(world: ClusterWorld) {
    this.world = world;
    const seed = world.params.seed;
    this.hostCrashRandom = SimRandom.forStream(seed, 'cluster/faults/host-crash');
    this.agentCrashRandom = SimRandom.forStream(seed, 'cluster/faults/agent-crash');
    this.pauseRandom = SimRandom.forStream(seed, 'cluster/faults/pause');
    this.partitionRandom = SimRandom.forStream(seed, 'cluster/faults/partition');
    this.stormRandom = SimRandom.forStream(seed, 'cluster/faults/storm');
    const p = world.params;
    this.schedule = new FaultSchedule(
      {
        scheduler: world.scheduler,
        trace: world.trace,
        network: world.wire,
        members: () => [...world.hosts.keys()],
        leader: () => this.leaderHost()?.id,
      },
      {
        faultyNetwork: p.faultyNetwork,
        calmNetwork: p.calmNetwork,
        partitionGapMeanMs: p.partitionGapMeanMs,
        partitionMaxMs: p.partitionMaxMs,
        stormGapMeanMs: p.stormGapMeanMs,
        stormDuplicateRateMax: 0.05,
      },
      this.stats,
    );
  }

  /** Starts injecting faults. */
  start(): void {
    const p = this.world.params;
    this.schedule.start();
    this.schedule.every(this.hostCrashRandom, p.hostCrashGapMeanMs, () => this.hostCrash());
    this.schedule.every(this.agentCrashRandom, p.agentCrashGapMeanMs, () => this.agentCrash());
    this.schedule.every(this.pauseRandom, p.agentPauseGapMeanMs, () => this.agentPause());
    this.schedule.startPartitions(this.partitionRandom);
    this.schedule.startStorms(this.stormRandom);
  }

  /** Ends the fault phase and brings everything back. */
  stop(): void {
    this.schedule.stop();
    const w = this.world;
    const bootRandom = SimRandom.forStream(w.params.seed, 'cluster/faults/heal-boot');
    for (const host of w.hosts.values()) {
      host.resources.calmDown();
      if (!host.powered) w.bootHost(host, bootRandom.float(10, w.params.bootMaxMs));
      else w.startAgent(host);
    }
  }

  private leaderHost(): SimHost | undefined {
    for (const h of this.world.hosts.values()) {
      if (h.agent !== null && h.agent.raft.status().role === 'leader') return h;
    }
    return undefined;
  }

  private victim(random: SimRandom, candidates: SimHost[], leaderShare: number): SimHost | null {
    if (candidates.length === 0) return null;
    const leader = this.leaderHost();
    if (leader !== undefined && candidates.includes(leader) && random.chance(leaderShare)) {
      return leader;
    }
    return random.pick(candidates);
  }

  private hostCrash(): void {
    const r = this.hostCrashRandom;
    const host = this.victim(
      r,
      [...this.world.hosts.values()].filter((h) => h.powered),
      0.3,
    );
    if (host === null) return;
    this.stats.hostCrashes++;
    this.world.powerOff(host, 'host crash');
    this.world.bootHost(
      host,
      r.float(10, this.world.params.hostDownMaxMs) + r.float(10, this.world.params.bootMaxMs),
    );
  }

  private agentCrash(): void {
    const r = this.agentCrashRandom;
    const host = this.victim(
      r,
      [...this.world.hosts.values()].filter((h) => h.agent !== null),
      0.3,
    );
    if (host === null) return;
    this.stats.agentCrashes++;
    const active = this.world.ledger.activeOn(host.id);
    host.crashAgent();
    this.world.trace.log(
      `AGENT CRASH ${host.id} (resources left running: ${active.join(',') || 'none'})`,
    );
    const downMs = r.float(10, this.world.params.agentDownMaxMs);
    this.world.scheduler.after(downMs, null, () => {
      if (this.schedule.active) this.world.startAgent(host);
    });
  }

  private agentPause(): void {
    const r = this.pauseRandom;
    const now = this.world.scheduler.nowMs;
    const host = this.victim(r, this.world.responsiveHosts(), 0.5);
    if (host === null || host.agent === null) return;
    const untilMs = now + r.float(10, this.world.params.agentPauseMaxMs);
    this.stats.agentPauses++;
    host.agent.pausedUntilMs = untilMs;
    this.world.trace.log(`PAUSE agent ${host.id} until ${untilMs.toFixed(3)}ms`);
  }
}
