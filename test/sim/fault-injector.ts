import type { NodeId } from '../../agent/src/raft/types.js';
import { exponentialGapMs } from './exponential-gaps.js';
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
 * storms (bursts of extra delay and loss). Each kind draws from its own random stream.
 * {@link stop} ends the phase: links heal, the network calms down, every crashed node restarts.
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
  private active = false;
  private episode = 0;
  private storm = 0;
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
  }

  /** Starts injecting faults. */
  start(): void {
    this.active = true;
    const sched = this.cluster.scheduler;
    this.cluster.crashAfterPersistHook = (node) => this.maybeCrashAfterPersist(node);
    sched.after(exponentialGapMs(this.crashRandom, this.params.crashGapMsMean), null, () =>
      this.crashTick(),
    );
    sched.after(exponentialGapMs(this.partitionRandom, this.params.partitionGapMsMean), null, () =>
      this.partitionTick(),
    );
    sched.after(exponentialGapMs(this.stormRandom, this.params.stormGapMsMean), null, () =>
      this.stormTick(),
    );
    sched.after(exponentialGapMs(this.pauseRandom, this.params.pauseGapMsMean), null, () =>
      this.pauseTick(),
    );
  }

  /** Ends the fault phase: heal the network, calm it down, restart every crashed node. */
  stop(): void {
    this.active = false;
    this.cluster.crashAfterPersistHook = null;
    this.cluster.network.healAll();
    this.cluster.network.conditions = this.params.calmNetwork;
    this.cluster.resumeAll();
    for (const node of this.cluster.nodes.values()) this.cluster.restartNode(node);
  }

  private candidates(): SimNode[] {
    return [...this.cluster.nodes.values()].filter((n) => !n.retired);
  }

  private maybeCrashAfterPersist(node: SimNode): boolean {
    if (!this.active || !this.persistCrashRandom.chance(this.params.crashAfterPersistRate)) {
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
        if (this.active) this.cluster.restartNode(node);
      },
    );
  }

  private crashTick(): void {
    if (!this.active) return;
    const up = this.candidates().filter((n) => n.up);
    if (up.length > 0) {
      // Leaders are picked more often than their share: their crashes stress the most.
      const leader = up.find((n) => n.role === 'leader');
      const victim =
        leader !== undefined && this.crashRandom.chance(0.3) ? leader : this.crashRandom.pick(up);
      this.stats.crashes++;
      this.crash(victim, 'scheduled', this.crashRandom);
    }
    this.cluster.scheduler.after(
      exponentialGapMs(this.crashRandom, this.params.crashGapMsMean),
      null,
      () => this.crashTick(),
    );
  }

  private pauseTick(): void {
    if (!this.active) return;
    const r = this.pauseRandom;
    const up = this.candidates().filter((n) => n.up);
    if (up.length > 0) {
      const leader = up.find((n) => n.role === 'leader');
      const victim = leader !== undefined && r.chance(0.5) ? leader : r.pick(up);
      this.stats.pauses++;
      this.cluster.pauseNode(
        victim,
        this.cluster.scheduler.nowMs + r.float(10, this.params.pauseMsMax),
      );
    }
    this.cluster.scheduler.after(exponentialGapMs(r, this.params.pauseGapMsMean), null, () =>
      this.pauseTick(),
    );
  }

  private partitionTick(): void {
    if (!this.active) return;
    const r = this.partitionRandom;
    const net = this.cluster.network;
    const ids = this.candidates().map((n) => n.id);
    const episode = ++this.episode;
    net.healAll();
    const kind = r.pick([
      'split',
      'isolate',
      'isolate-leader',
      'one-way',
      'leader-one-way',
    ] as const);
    const leader = this.candidates().find((n) => n.up && n.role === 'leader')?.id;
    let description: string;
    if (kind === 'split' && ids.length > 1) {
      const shuffled = r.shuffle(ids);
      const k = r.int(1, ids.length - 1);
      net.partition(shuffled.slice(0, k), shuffled.slice(k));
      description = `split {${shuffled.slice(0, k).join(',')}} | {${shuffled.slice(k).join(',')}}`;
      this.stats.partitions++;
    } else if (kind === 'isolate' || kind === 'isolate-leader' || kind === 'split') {
      const victim = kind === 'isolate-leader' && leader !== undefined ? leader : r.pick(ids);
      net.partition(
        [victim],
        ids.filter((id) => id !== victim),
      );
      description = `isolate ${victim}`;
      this.stats.partitions++;
    } else {
      const cuts: [NodeId, NodeId][] = [];
      if (kind === 'leader-one-way' && leader !== undefined) {
        const inbound = r.chance(0.5);
        for (const id of ids) {
          if (id !== leader) cuts.push(inbound ? [id, leader] : [leader, id]);
        }
      } else {
        const count = r.int(1, Math.max(1, ids.length));
        for (let i = 0; i < count; i++) {
          const from = r.pick(ids);
          const to = r.pick(ids);
          if (from !== to) cuts.push([from, to]);
        }
      }
      for (const [from, to] of cuts) net.cutOneWay(from, to);
      description = `one-way cuts ${cuts.map(([a, b]) => `${a}↛${b}`).join(' ')}`;
      this.stats.oneWayPartitions++;
    }
    const durationMs = r.float(50, this.params.partitionMsMax);
    this.cluster.trace.log(`PARTITION ${description} for ${durationMs.toFixed(0)}ms`);
    this.cluster.scheduler.after(durationMs, null, () => {
      if (!this.active || episode !== this.episode) return;
      net.healAll();
      this.cluster.trace.log('PARTITION healed');
      this.cluster.scheduler.after(exponentialGapMs(r, this.params.partitionGapMsMean), null, () =>
        this.partitionTick(),
      );
    });
  }

  private stormTick(): void {
    if (!this.active) return;
    const r = this.stormRandom;
    const base = this.params.faultyNetwork;
    const storm = ++this.storm;
    const factor = r.float(2, 6);
    this.cluster.network.conditions = {
      delayMsMin: base.delayMsMin * factor,
      delayMsMax: base.delayMsMax * factor,
      lossRate: Math.min(0.9, base.lossRate + r.float(0.05, 0.4)),
      duplicateRate: Math.min(0.5, base.duplicateRate + r.float(0, 0.1)),
    };
    this.stats.storms++;
    const durationMs = r.float(100, 2000);
    this.cluster.trace.log(`STORM x${factor.toFixed(1)} delay for ${durationMs.toFixed(0)}ms`);
    this.cluster.scheduler.after(durationMs, null, () => {
      if (!this.active || storm !== this.storm) return;
      this.cluster.network.conditions = base;
      this.cluster.trace.log('STORM over');
      this.cluster.scheduler.after(exponentialGapMs(r, this.params.stormGapMsMean), null, () =>
        this.stormTick(),
      );
    });
  }
}
