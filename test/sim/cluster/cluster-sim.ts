import type { NetworkStats } from '../sim-network.js';
import type { SimEvent } from '../sim-scheduler.js';
import { SimViolation } from '../sim-violation.js';
import { ClusterFaults, type ClusterFaultStats } from './cluster-faults.js';
import { configuredInstances } from './cluster-config.js';
import { ClusterHealCheck } from './cluster-heal-check.js';
import {
  DEFAULT_CLUSTER_SIM_OPTIONS,
  drawClusterSimParams,
  type ClusterSimOptions,
  type ClusterSimParams,
} from './cluster-params.js';
import { ClusterWorld, type WorldStats } from './cluster-world.js';
import { FailoverRecorder } from './failover-recorder.js';
import { OperatorWorkload, type OperatorStats } from './operator-workload.js';

/** The outcome of one seed of the whole-cluster simulation. */
export interface ClusterSimResult {
  seed: number;
  params: ClusterSimParams;
  /** The first violation, or null when every invariant held. */
  violation: SimViolation | null;
  /** Simulated time the run covered. */
  simulatedMs: number;
  events: number;
  /** Elections won (distinct terms with a leader). */
  elections: number;
  /** Highest log index known committed. */
  committedIndex: number;
  /** Process activations (starts that took effect). */
  activations: number;
  /** Resource operations begun on all hosts. */
  operations: number;
  /** Probes that found a resource already active (agents rediscovering what runs). */
  rediscovered: number;
  /** Failover times of this run (ms), see {@link FailoverRecorder}. */
  failoversMs: number[];
  /** Fence device power-offs. */
  fences: number;
  /** Heal phase: ms until everything was active, and until it settled. */
  healActiveMs: number | null;
  healSettledMs: number | null;
  faults: ClusterFaultStats;
  world: WorldStats;
  network: NetworkStats;
  operator: OperatorStats;
  /** The last trace lines before the end of a failing run. */
  traceTail: string[];
}

/**
 * Runs the whole-cluster simulation for one seed: real RaftNode, ClusterState, decide,
 * reconcile, schedule, NodeLease and LeaseTable in every simulated agent; hosts, clocks,
 * network, disks, resource processes, watchdogs and the fence device simulated, all driven by
 * the seed. The operator applies the configuration, a fault phase of random length follows,
 * then a heal phase whose liveness checks end the run. Safety is checked at every event; the
 * first violation stops the run and is returned (never thrown).
 *
 * @param traceSink prints the full event log when given (`--trace`).
 */
export function runClusterSimulation(
  seed: number,
  options: ClusterSimOptions = DEFAULT_CLUSTER_SIM_OPTIONS,
  traceSink: ((line: string) => void) | null = null,
): ClusterSimResult {
  const params = drawClusterSimParams(seed, options);
  const world = new ClusterWorld(params, traceSink);
  const failovers = new FailoverRecorder();
  world.ledger.listeners.push(failovers);
  const faults = new ClusterFaults(world);
  const operator = new OperatorWorkload(world);
  let heal: ClusterHealCheck | null = null;
  let violation: SimViolation | null = null;
  const sched = world.scheduler;
  const trace = world.trace;
  trace.log(() => `SEED ${seed} ${describeClusterParams(params)}`);
  try {
    const ids = Array.from({ length: params.nodeCount }, (_, i) => `node${i + 1}`);
    world.addHosts(ids);
    operator.start();
    faults.start();
    sched.at(params.faultPhaseMs, null, () => {
      trace.log('HEAL phase: faults stop, network calm, every host and agent up');
      faults.stop();
      operator.heal();
      heal = new ClusterHealCheck(world, operator, configuredInstances(world.config, ids.length));
      heal.start();
    });
    const beforeRun = (e: SimEvent) => {
      if (e.label !== null) trace.log(e.label);
    };
    while (!(heal as ClusterHealCheck | null)?.done) {
      if (sched.eventsRun >= params.maxEvents) {
        throw new SimViolation('event-budget', `run exceeded ${params.maxEvents} events`);
      }
      if (!sched.runNext(beforeRun)) {
        throw new SimViolation('harness-error', 'event queue ran dry before the heal checks ended');
      }
    }
  } catch (err) {
    if (err instanceof SimViolation) violation = err;
    else {
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      violation = new SimViolation('harness-error', detail);
    }
    trace.log(`VIOLATION ${violation.message}`);
  }
  const healDone = heal as ClusterHealCheck | null;
  let operations = 0;
  let rediscovered = 0;
  for (const h of world.hosts.values()) {
    operations += h.resources.operations;
    rediscovered += h.resources.probesFoundActive;
  }
  return {
    seed,
    params,
    violation,
    simulatedMs: sched.nowMs,
    events: sched.eventsRun,
    elections: world.observers.electionSafety.elections,
    committedIndex: world.observers.committed.highestIndex,
    activations: world.ledger.activations,
    operations,
    rediscovered,
    failoversMs: failovers.samplesMs,
    fences: world.device?.fences ?? 0,
    healActiveMs: healDone?.activeAfterMs ?? null,
    healSettledMs: healDone?.settledAfterMs ?? null,
    faults: faults.stats,
    world: world.stats,
    network: world.wire.stats,
    operator: operator.stats,
    traceTail: violation === null ? [] : trace.recent(),
  };
}

/** A one-line description of a run's drawn parameters (for traces and reports). */
export function describeClusterParams(p: ClusterSimParams): string {
  const n = p.faultyNetwork;
  const r = p.resources;
  const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}ms` : 'never');
  return [
    `nodes=${p.nodeCount}`,
    `fencing=${p.fencing}${p.fencing ? `(after ${fmt(p.fenceAfterSuspectMs)} suspect, ${fmt(p.fenceMinMs)}..${fmt(p.fenceMaxMs)})` : ''}`,
    `watchdog=${p.watchdog ? fmt(p.watchdogTimeoutMs) : 'off'}`,
    `heartbeat=${p.raft.heartbeatTicks}t preVote=${p.raft.preVote}`,
    `faultPhase=${fmt(p.faultPhaseMs)}`,
    `delay=${n.delayMsMin.toFixed(1)}..${n.delayMsMax.toFixed(1)}ms loss=${n.lossRate.toFixed(3)} dup=${n.duplicateRate.toFixed(3)}`,
    `partitionGap=${fmt(p.partitionGapMeanMs)} stormGap=${fmt(p.stormGapMeanMs)}`,
    `hostCrashGap=${fmt(p.hostCrashGapMeanMs)} agentCrashGap=${fmt(p.agentCrashGapMeanMs)} pauseGap=${fmt(p.agentPauseGapMeanMs)} pauseMax=${fmt(p.agentPauseMaxMs)}`,
    `start=${fmt(r.startActiveMinMs)}..${fmt(r.startActiveMaxMs)} startFail=${r.startFailRate.toFixed(3)} stopHang=${r.stopHangRate.toFixed(3)} escalationFail=${r.escalationFailRate.toFixed(2)} life=${fmt(r.processLifeMeanMs)}`,
    `operatorGap=${fmt(p.operatorGapMeanMs)} compactEvery=${p.compactEveryEntries}`,
  ].join(' ');
}
