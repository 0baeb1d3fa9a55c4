import type { NodeId } from '../../../agent/src/raft/types.js';
import { exponentialGapMs } from '../exponential-gaps.js';
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
 * The leader is picked more often than its share. {@link stop} ends the phase: links heal, the
 * network calms down, resources stop misbehaving, crashed agents restart and powered-off hosts
 * boot; a pause in progress runs out.
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
  private active = false;
  private episode = 0;
  private storm = 0;
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
  }

  /** Starts injecting faults. */
  start(): void {
    this.active = true;
    const p = this.world.params;
    this.every(this.hostCrashRandom, p.hostCrashGapMeanMs, () => this.hostCrash());
    this.every(this.agentCrashRandom, p.agentCrashGapMeanMs, () => this.agentCrash());
    this.every(this.pauseRandom, p.agentPauseGapMeanMs, () => this.agentPause());
    this.world.scheduler.after(
      exponentialGapMs(this.partitionRandom, p.partitionGapMeanMs),
      null,
      () => this.partitionTick(),
    );
    this.world.scheduler.after(exponentialGapMs(this.stormRandom, p.stormGapMeanMs), null, () =>
      this.stormTick(),
    );
  }

  /** Ends the fault phase and brings everything back. */
  stop(): void {
    this.active = false;
    const w = this.world;
    w.wire.healAll();
    w.wire.conditions = w.params.calmNetwork;
    const bootRandom = SimRandom.forStream(w.params.seed, 'cluster/faults/heal-boot');
    for (const host of w.hosts.values()) {
      host.resources.calmDown();
      if (!host.powered) w.bootHost(host, bootRandom.float(10, w.params.bootMaxMs));
      else w.startAgent(host);
    }
  }

  private every(random: SimRandom, meanMs: number, body: () => void): void {
    const sched = this.world.scheduler;
    const next = () => {
      if (!this.active) return;
      body();
      sched.after(exponentialGapMs(random, meanMs), null, next);
    };
    sched.after(exponentialGapMs(random, meanMs), null, next);
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
      if (this.active) this.world.startAgent(host);
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

  private partitionTick(): void {
    if (!this.active) return;
    const r = this.partitionRandom;
    const w = this.world;
    const wire = w.wire;
    const ids = [...w.hosts.keys()];
    const episode = ++this.episode;
    wire.healAll();
    const kind = r.pick([
      'split',
      'isolate',
      'isolate-leader',
      'one-way',
      'leader-one-way',
    ] as const);
    const leader = this.leaderHost()?.id;
    let description: string;
    if (kind === 'split') {
      const shuffled = r.shuffle(ids);
      const k = r.int(1, ids.length - 1);
      wire.partition(shuffled.slice(0, k), shuffled.slice(k));
      description = `split {${shuffled.slice(0, k).join(',')}} | {${shuffled.slice(k).join(',')}}`;
      this.stats.partitions++;
    } else if (kind === 'isolate' || kind === 'isolate-leader') {
      const victim = kind === 'isolate-leader' && leader !== undefined ? leader : r.pick(ids);
      wire.partition(
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
        const count = r.int(1, ids.length);
        for (let i = 0; i < count; i++) {
          const from = r.pick(ids);
          const to = r.pick(ids);
          if (from !== to) cuts.push([from, to]);
        }
      }
      for (const [from, to] of cuts) wire.cutOneWay(from, to);
      description = `one-way cuts ${cuts.map(([a, b]) => `${a}↛${b}`).join(' ')}`;
      this.stats.oneWayPartitions++;
    }
    const durationMs = r.float(50, w.params.partitionMaxMs);
    w.trace.log(`PARTITION ${description} for ${durationMs.toFixed(0)}ms`);
    w.scheduler.after(durationMs, null, () => {
      if (!this.active || episode !== this.episode) return;
      wire.healAll();
      w.trace.log('PARTITION healed');
      w.scheduler.after(exponentialGapMs(r, w.params.partitionGapMeanMs), null, () =>
        this.partitionTick(),
      );
    });
  }

  private stormTick(): void {
    if (!this.active) return;
    const r = this.stormRandom;
    const w = this.world;
    const base = w.params.faultyNetwork;
    const storm = ++this.storm;
    const factor = r.float(2, 6);
    w.wire.conditions = {
      delayMsMin: base.delayMsMin * factor,
      delayMsMax: base.delayMsMax * factor,
      lossRate: Math.min(0.9, base.lossRate + r.float(0.05, 0.4)),
      duplicateRate: Math.min(0.5, base.duplicateRate + r.float(0, 0.05)),
    };
    this.stats.storms++;
    const durationMs = r.float(100, 2000);
    w.trace.log(`STORM x${factor.toFixed(1)} delay for ${durationMs.toFixed(0)}ms`);
    w.scheduler.after(durationMs, null, () => {
      if (!this.active || storm !== this.storm) return;
      w.wire.conditions = base;
      w.trace.log('STORM over');
      w.scheduler.after(exponentialGapMs(r, w.params.stormGapMeanMs), null, () => this.stormTick());
    });
  }
}
