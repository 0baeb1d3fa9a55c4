import { ClientWorkload, type WorkloadStats } from './client-workload.js';
import { FaultInjector, type FaultStats } from './fault-injector.js';
import { HealCheck } from './heal-check.js';
import { MembershipDriver, type MembershipStats } from './membership-driver.js';
import { OperatorActions, type OperatorStats } from './operator-actions.js';
import { runPhases } from './phased-run.js';
import { SimCluster, type ClusterStats } from './sim-cluster.js';
import {
  DEFAULT_SIM_OPTIONS,
  drawSimParams,
  type SimOptions,
  type SimParams,
} from './sim-params.js';
import type { SimRunResult } from './sim-run-result.js';
import type { TraceSink } from './trace-log.js';

/** The outcome of one seed of the Raft simulation. */
export interface SimResult extends SimRunResult<SimParams> {
  /** Total faults injected (crashes, partitions, storms, torn writes). */
  faults: number;
  /** Heal phase: ms until the leader was agreed and until everything converged. */
  healLeaderMs: number | null;
  healConvergeMs: number | null;
  cluster: ClusterStats;
  faultStats: FaultStats;
  workload: WorkloadStats;
  membership: MembershipStats | null;
  operator: OperatorStats;
}

/**
 * Runs the Raft simulation for one seed: real RaftNodes, everything else simulated (clocks,
 * network, disks, crashes, clients), all driven by the seed. A fault phase of random length is
 * followed by a heal phase whose liveness bounds end the run ({@link runPhases}). Safety
 * invariants are checked at every step; the first violation stops the run and is returned
 * (never thrown).
 */
export function runSimulation(
  seed: number,
  options: SimOptions = DEFAULT_SIM_OPTIONS,
  traceSink: TraceSink | null = null,
): SimResult {
  const params = drawSimParams(seed, options);
  const cluster = new SimCluster(params, traceSink);
  const workload = new ClientWorkload(cluster, params);
  const faults = new FaultInjector(cluster, params);
  const membership = params.membership ? new MembershipDriver(cluster, params) : null;
  const operator = new OperatorActions(cluster, params);
  cluster.listeners.push(workload);
  if (membership !== null) cluster.listeners.push(membership);
  const { heal, ...outcome } = runPhases(cluster.scheduler, cluster.trace, {
    header: () => `SEED ${seed} ${describeParams(params)}`,
    faultPhaseMs: params.faultPhaseMs,
    maxEvents: params.maxEvents,
    healLine: 'HEAL phase: faults stop, network calm, every node up',
    start: () => {
      const founders = Array.from({ length: params.nodeCount }, (_, i) => `node${i + 1}`);
      for (const id of founders) cluster.addNode(id, founders);
      faults.start();
      workload.start();
      membership?.start();
      operator.start();
    },
    heal: () => {
      faults.stop();
      workload.stop();
      membership?.stop();
      operator.stop();
      return new HealCheck(cluster, workload);
    },
  });
  return {
    seed,
    params,
    ...outcome,
    committedIndex: cluster.committed.highestIndex,
    elections: cluster.electionSafety.elections,
    faults:
      faults.stats.crashes +
      faults.stats.crashesAfterPersist +
      faults.stats.partitions +
      faults.stats.oneWayPartitions +
      faults.stats.storms +
      faults.stats.pauses +
      cluster.stats.tornWrites,
    healLeaderMs: heal?.leaderAfterMs ?? null,
    healConvergeMs: heal?.convergedAfterMs ?? null,
    cluster: cluster.stats,
    faultStats: faults.stats,
    network: cluster.network.stats,
    workload: workload.stats,
    membership: membership?.stats ?? null,
    operator: operator.stats,
  };
}

/** A one-line description of a run's drawn parameters (for traces and reports). */
export function describeParams(p: SimParams): string {
  const n = p.faultyNetwork;
  const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)}ms` : 'never');
  return [
    `nodes=${p.nodeCount}`,
    `election=${p.raft.electionTicks}t heartbeat=${p.raft.heartbeatTicks}t`,
    `preVote=${p.raft.preVote} checkQuorum=${p.raft.checkQuorum} reads=${p.raft.readOnly}`,
    `batch=${p.raft.maxEntriesPerAppend} inflight=${p.raft.maxInflightAppends}`,
    `faultPhase=${fmt(p.faultPhaseMs)}`,
    `delay=${n.delayMsMin.toFixed(1)}..${n.delayMsMax.toFixed(1)}ms loss=${n.lossRate.toFixed(3)} dup=${n.duplicateRate.toFixed(3)}`,
    `partitionGap=${fmt(p.partitionGapMsMean)} stormGap=${fmt(p.stormGapMsMean)} crashGap=${fmt(p.crashGapMsMean)}`,
    `pauseGap=${fmt(p.pauseGapMsMean)} tickCatchUp=${p.tickCatchUp} persistCrash=${p.crashAfterPersistRate.toFixed(4)} tear=${p.tearRate.toFixed(2)}`,
    `operatorGap=${fmt(p.operatorGapMsMean)} compactEvery=${p.compactEveryEntries} membership=${p.membership} unreachable=${p.reportUnreachable}`,
  ].join(' ');
}
