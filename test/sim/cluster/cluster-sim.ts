import { runPhases } from '../phased-run.js';
import type { SimRunResult } from '../sim-run-result.js';
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
import type { TraceSink } from '../trace-log.js';

/** The outcome of one seed of the whole-cluster simulation. */
export interface ClusterSimResult extends SimRunResult<ClusterSimParams> {
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
  operator: OperatorStats;
}

/**
 * Runs the whole-cluster simulation for one seed: real RaftNode, ClusterState, decide,
 * reconcile, schedule, NodeLease and LeaseTable in every simulated agent; hosts, clocks,
 * network, disks, resource processes, watchdogs and the fence device simulated, all driven by
 * the seed. The operator applies the configuration, a fault phase of random length follows,
 * then a heal phase whose liveness checks end the run ({@link runPhases}). Safety is checked
 * at every event; the first violation stops the run and is returned (never thrown).
 */
export function runClusterSimulation(
  seed: number,
  options: ClusterSimOptions = DEFAULT_CLUSTER_SIM_OPTIONS,
  traceSink: TraceSink | null = null,
): ClusterSimResult {
  const params = drawClusterSimParams(seed, options);
  const world = new ClusterWorld(params, traceSink);
  const failovers = new FailoverRecorder();
  world.ledger.listeners.push(failovers);
  const faults = new ClusterFaults(world);
  const operator = new OperatorWorkload(world);
  const ids = Array.from({ length: params.nodeCount }, (_, i) => `node${i + 1}`);
  const { heal, ...outcome } = runPhases(world.scheduler, world.trace, {
    header: () => `SEED ${seed} ${describeClusterParams(params)}`,
    faultPhaseMs: params.faultPhaseMs,
    maxEvents: params.maxEvents,
    healLine: 'HEAL phase: faults stop, network calm, every host and agent up',
    start: () => {
      world.addHosts(ids);
      operator.start();
      faults.start();
    },
    heal: () => {
      faults.stop();
      operator.heal();
      return new ClusterHealCheck(world, operator, configuredInstances(world.config, ids.length));
    },
  });
  let operations = 0;
  let rediscovered = 0;
  for (const h of world.hosts.values()) {
    operations += h.resources.operations;
    rediscovered += h.resources.probesFoundActive;
  }
  return {
    seed,
    params,
    ...outcome,
    elections: world.observers.electionSafety.elections,
    committedIndex: world.observers.committed.highestIndex,
    activations: world.ledger.activations,
    operations,
    rediscovered,
    failoversMs: failovers.samplesMs,
    fences: world.device?.fences ?? 0,
    healActiveMs: heal?.activeAfterMs ?? null,
    healSettledMs: heal?.settledAfterMs ?? null,
    faults: faults.stats,
    world: world.stats,
    network: world.wire.stats,
    operator: operator.stats,
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
