import { FaultSchedule } from './fault-schedule.js';
import type { SimCluster } from './sim-cluster.js';
import type { SimNode } from './sim-node.js';
import type { SimParams } from './sim-params.js';
import { SimRandom } from './sim-random.js';

/** What the fault schedule did, for the run summary. */
export interface FaultStats {
  crashes: number;
  crashesAfterPersist: number;
  partitions: number;
  oneWayPartitions: number;
  storms: number;
  pauses: number;
}

/**
 * The fault schedule of the fault phase: crashes (at random times, and rarely right between
 * persisting a Ready and sending its messages) with restarts after a random down time,
 * process pauses (the node stalls, then resumes with a backlog and stale beliefs),
 * partitions (symmetric splits, isolation of one node or of the leader, one-way cuts), and
 * storms (bursts of extra delay and loss). Each kind draws from its own random stream. The
 * network faults and the phase itself are the shared {@link FaultSchedule}'s. {@link stop}
 * ends the phase: links heal, the network calms down, every crashed node restarts.
 */
export class FaultInjector {
  readonly stats: FaultStats = {
    crashes: 0,
    crashesAfterPersist: 0,
    partitions: 0,
    oneWayPartitions: 0,
    storms: 0,
    pauses: 0,
  };
  private readonly schedule: FaultSchedule;
  private readonly cluster: SimCluster;
  private readonly params: SimParams;
  private readonly crashRandom: SimRandom;
  private readonly persistCrashRandom: SimRandom;
  private readonly partitionRandom: SimRandom;
  private readonly stormRandom: SimRandom;
  private readonly pauseRandom: SimRandom;

  constructor(cluster: SimCluster, params: SimParams) {
    this.cluster = cluster;
    this.params = params;
    this.crashRandom = SimRandom.forStream(params.seed, 'faults/crash');
    this.persistCrashRandom = SimRandom.forStream(params.seed, 'faults/crash-after-persist');
    this.partitionRandom = SimRandom.forStream(params.seed, 'faults/partition');
    this.stormRandom = SimRandom.forStream(params.seed, 'faults/storm');
    this.pauseRandom = SimRandom.forStream(params.seed, 'faults/pause');
    this.schedule = new FaultSchedule(
      {
        scheduler: cluster.scheduler,
        trace: cluster.trace,
        network: cluster.network,
        members: () => this.candidates().map((n) => n.id),
        leader: () => this.candidates().find((n) => n.up && n.role === 'leader')?.id,
      },
      {
        faultyNetwork: params.faultyNetwork,
        calmNetwork: params.calmNetwork,
        partitionGapMeanMs: params.partitionGapMsMean,
        partitionMaxMs: params.partitionMsMax,
        stormGapMeanMs: params.stormGapMsMean,
        stormDuplicateRateMax: 0.1,
      },
      this.stats,
    );
  }

  /** Starts injecting faults. */
  start(): void {
    const p = this.params;
    this.schedule.start();
    this.cluster.crashAfterPersistHook = (node) => this.maybeCrashAfterPersist(node);
    this.schedule.every(this.crashRandom, p.crashGapMsMean, () => this.crashOne());
    this.schedule.startPartitions(this.partitionRandom);
    this.schedule.startStorms(this.stormRandom);
    this.schedule.every(this.pauseRandom, p.pauseGapMsMean, () => this.pauseOne());
  }

  /** Ends the fault phase: heal the network, calm it down, restart every crashed node. */
  stop(): void {
    this.schedule.stop();
    this.cluster.crashAfterPersistHook = null;
    this.cluster.resumeAll();
    for (const node of this.cluster.nodes.values()) this.cluster.restartNode(node);
  }

  private candidates(): SimNode[] {
    return [...this.cluster.nodes.values()].filter((n) => !n.retired);
  }

  private maybeCrashAfterPersist(node: SimNode): boolean {
    if (
      !this.schedule.active ||
      !this.persistCrashRandom.chance(this.params.crashAfterPersistRate)
    ) {
      return false;
    }
    this.stats.crashesAfterPersist++;
    this.crash(node, 'between persist and send', this.persistCrashRandom);
    return true;
  }

  private crash(node: SimNode, why: string, random: SimRandom): void {
    this.cluster.crashNode(node, why);
    const downMs = random.float(10, this.params.downMsMax);
    this.cluster.scheduler.after(
      downMs,
      () => `restart ${node.id}`,
      () => {
        if (this.schedule.active) this.cluster.restartNode(node);
      },
    );
  }

  private crashOne(): void {
    const up = this.candidates().filter((n) => n.up);
    if (up.length === 0) return;
    // Leaders are picked more often than their share: their crashes stress the most.
    const leader = up.find((n) => n.role === 'leader');
    const victim =
      leader !== undefined && this.crashRandom.chance(0.3) ? leader : this.crashRandom.pick(up);
    this.stats.crashes++;
    this.crash(victim, 'scheduled', this.crashRandom);
  }

  private pauseOne(): void {
    const r = this.pauseRandom;
    const up = this.candidates().filter((n) => n.up);
    if (up.length === 0) return;
    const leader = up.find((n) => n.role === 'leader');
    const victim = leader !== undefined && r.chance(0.5) ? leader : r.pick(up);
    this.stats.pauses++;
    this.cluster.pauseNode(
      victim,
      this.cluster.scheduler.nowMs + r.float(10, this.params.pauseMsMax),
    );
  }
}
