import type { NodeId } from '../../agent/src/raft/types.js';
import { everyExponentialGap, exponentialGapMs } from './exponential-gaps.js';
import type { NetworkConditions, SimNetwork } from './sim-network.js';
import type { SimRandom } from './sim-random.js';
import type { SimScheduler } from './sim-scheduler.js';
import type { TraceLog } from './trace-log.js';

/** The network faults a {@link FaultSchedule} counts, for the run summary. */
export interface NetworkFaultStats {
  /** Symmetric partitions: splits and isolations. */
  partitions: number;
  /** Episodes of one-way cuts. */
  oneWayPartitions: number;
  /** Bursts of extra delay and loss. */
  storms: number;
}

/** What a fault schedule acts on: the parts of a simulated world every simulation has. */
export interface FaultScheduleWorld {
  readonly scheduler: SimScheduler;
  readonly trace: TraceLog;
  /** The network whose links are cut and whose weather turns bad. */
  readonly network: Pick<SimNetwork<never>, 'conditions' | 'healAll' | 'partition' | 'cutOneWay'>;
  /** The nodes a partition may separate, in a stable order (the seed's draws depend on it). */
  members(): NodeId[];
  /** The node currently leading, if any: partitions pick it more often than its share. */
  leader(): NodeId | undefined;
}

/** The network side of a fault phase, drawn per seed. */
export interface NetworkFaultPlan {
  /** The network during the fault phase, between storms. */
  faultyNetwork: NetworkConditions;
  /** The network of the heal phase. */
  calmNetwork: NetworkConditions;
  /** Mean gap between a healed partition and the next one. */
  partitionGapMeanMs: number;
  /** Longest partition (each lasts 50 ms .. this). */
  partitionMaxMs: number;
  /** Mean gap between the end of a storm and the next one. */
  stormGapMeanMs: number;
  /** Most duplicate rate a storm adds to the fault-phase network's. */
  stormDuplicateRateMax: number;
}

const PARTITION_KINDS = [
  'split',
  'isolate',
  'isolate-leader',
  'one-way',
  'leader-one-way',
] as const;

/**
 * The core of a simulation's fault phase, shared by the Raft and the whole-cluster
 * simulations: it knows whether the phase is on, runs each recurring fault kind at exponential
 * gaps, and owns the network faults both simulations inject — partitions (symmetric splits,
 * isolation of one node or of the leader, random one-way cuts, the leader cut one way from
 * everyone) and storms (bursts of extra delay and loss). Each kind is given its own random
 * stream by the caller, and the caller starts the kinds in its own order (a seed's history
 * depends on it). {@link stop} ends the phase for every kind: links heal and the network calms
 * down; bringing crashed parts back is the caller's.
 */
export class FaultSchedule {
  private on = false;
  private episode = 0;
  private storm = 0;
  private readonly world: FaultScheduleWorld;
  private readonly plan: NetworkFaultPlan;
  private readonly stats: NetworkFaultStats;

  /** @param stats counters the network faults increment (the caller's run summary). */
  constructor(world: FaultScheduleWorld, plan: NetworkFaultPlan, stats: NetworkFaultStats) {
    this.world = world;
    this.plan = plan;
    this.stats = stats;
  }

  /** Whether the fault phase is on (a delayed restart checks it, so heal owns the restart). */
  get active(): boolean {
    return this.on;
  }

  /** Opens the fault phase; then start each fault kind with the methods below. */
  start(): void {
    this.on = true;
  }

  /** Ends the fault phase: every fault kind stops, links heal, the network calms down. */
  stop(): void {
    this.on = false;
    this.world.network.healAll();
    this.world.network.conditions = this.plan.calmNetwork;
  }

  /** Runs `body` at exponential gaps of mean `meanMs` while the phase is on. */
  every(random: SimRandom, meanMs: number, body: () => void): void {
    everyExponentialGap(this.world.scheduler, random, meanMs, () => this.on, body);
  }

  /** Starts the partitions: one at a time, each healed before the gap to the next. */
  startPartitions(random: SimRandom): void {
    this.world.scheduler.after(exponentialGapMs(random, this.plan.partitionGapMeanMs), null, () =>
      this.partitionTick(random),
    );
  }

  /** Starts the storms: one at a time, the base weather back before the gap to the next. */
  startStorms(random: SimRandom): void {
    this.world.scheduler.after(exponentialGapMs(random, this.plan.stormGapMeanMs), null, () =>
      this.stormTick(random),
    );
  }

  private partitionTick(r: SimRandom): void {
    if (!this.on) return;
    const w = this.world;
    const net = w.network;
    const ids = w.members();
    const episode = ++this.episode;
    net.healAll();
    const kind = r.pick(PARTITION_KINDS);
    const leader = w.leader();
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
        for (const id of ids) if (id !== leader) cuts.push(inbound ? [id, leader] : [leader, id]);
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
    const durationMs = r.float(50, this.plan.partitionMaxMs);
    w.trace.log(`PARTITION ${description} for ${durationMs.toFixed(0)}ms`);
    w.scheduler.after(durationMs, null, () => {
      if (!this.on || episode !== this.episode) return;
      net.healAll();
      w.trace.log('PARTITION healed');
      this.startPartitions(r);
    });
  }

  private stormTick(r: SimRandom): void {
    if (!this.on) return;
    const w = this.world;
    const base = this.plan.faultyNetwork;
    const storm = ++this.storm;
    const factor = r.float(2, 6);
    w.network.conditions = {
      delayMsMin: base.delayMsMin * factor,
      delayMsMax: base.delayMsMax * factor,
      lossRate: Math.min(0.9, base.lossRate + r.float(0.05, 0.4)),
      duplicateRate: Math.min(
        0.5,
        base.duplicateRate + r.float(0, this.plan.stormDuplicateRateMax),
      ),
    };
    this.stats.storms++;
    const durationMs = r.float(100, 2000);
    w.trace.log(`STORM x${factor.toFixed(1)} delay for ${durationMs.toFixed(0)}ms`);
    w.scheduler.after(durationMs, null, () => {
      if (!this.on || storm !== this.storm) return;
      w.network.conditions = base;
      w.trace.log('STORM over');
      this.startStorms(r);
    });
  }
}
