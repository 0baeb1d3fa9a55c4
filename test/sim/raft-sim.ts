import { ClientWorkload, type WorkloadStats } from './client-workload.js';
import { FaultInjector, type FaultStats } from './fault-injector.js';
import { HealCheck } from './heal-check.js';
import { MembershipDriver, type MembershipStats } from './membership-driver.js';
import { OperatorActions, type OperatorStats } from './operator-actions.js';
import { SimCluster, type ClusterStats } from './sim-cluster.js';
import type { NetworkStats } from './sim-network.js';
import type { SimEvent } from './sim-scheduler.js';
import {
  DEFAULT_SIM_OPTIONS,
  drawSimParams,
  type SimOptions,
  type SimParams,
} from './sim-params.js';
import { SimViolation } from './sim-violation.js';

/** The outcome of one seed. */
export interface SimResult {
  seed: number;
  params: SimParams;
  /** The first violation, or null when every invariant held. */
  violation: SimViolation | null;
  /** Simulated time the run covered. */
  simulatedMs: number;
  /** Events the run took. */
  events: number;
  /** Highest log index known committed. */
  committedIndex: number;
  /** Elections won (distinct terms with a leader). */
  elections: number;
  /** Total faults injected (crashes, partitions, storms, torn writes). */
  faults: number;
  /** Heal phase: ms until the leader was agreed and until everything converged. */
  healLeaderMs: number | null;
  healConvergeMs: number | null;
  cluster: ClusterStats;
  faultStats: FaultStats;
  network: NetworkStats;
  workload: WorkloadStats;
  membership: MembershipStats | null;
  operator: OperatorStats;
  /** The last trace lines before the end of the run (for a failing seed's report). */
  traceTail: string[];
}

/**
 * Runs the whole-cluster simulation for one seed: real RaftNodes, everything else simulated
 * (clocks, network, disks, crashes, clients), all driven by the seed. A fault phase of random
 * length is followed by a heal phase whose liveness bounds end the run. Safety invariants are
 * checked at every step; the first violation stops the run and is returned (never thrown).
 *
 * @param traceSink prints the full event log when given (`--trace`).
 */
export function runSimulation(
  seed: number,
  options: SimOptions = DEFAULT_SIM_OPTIONS,
  traceSink: ((line: string) => void) | null = null,
): SimResult {
  const params = drawSimParams(seed, options);
  const cluster = new SimCluster(params, traceSink);
  const workload = new ClientWorkload(cluster, params);
  const faults = new FaultInjector(cluster, params);
  const membership = params.membership ? new MembershipDriver(cluster, params) : null;
  const operator = new OperatorActions(cluster, params);
  cluster.listeners.push(workload);
  if (membership !== null) cluster.listeners.push(membership);
  let heal: HealCheck | null = null;
  let violation: SimViolation | null = null;
  const sched = cluster.scheduler;
  const trace = cluster.trace;
  trace.log(() => `SEED ${seed} ${describeParams(params)}`);
  try {
    const founders = Array.from({ length: params.nodeCount }, (_, i) => `node${i + 1}`);
    for (const id of founders) cluster.addNode(id, founders);
    faults.start();
    workload.start();
    membership?.start();
    operator.start();
    sched.at(params.faultPhaseMs, null, () => {
      trace.log('HEAL phase: faults stop, network calm, every node up');
      faults.stop();
      workload.stop();
      membership?.stop();
      operator.stop();
      heal = new HealCheck(cluster, workload);
      heal.start();
    });
    const beforeRun = (e: SimEvent) => {
      if (e.label !== null) trace.log(e.label);
    };
    while (!(heal as HealCheck | null)?.done) {
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
  const healDone = heal as HealCheck | null;
  return {
    seed,
    params,
    violation,
    simulatedMs: sched.nowMs,
    events: sched.eventsRun,
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
    healLeaderMs: healDone?.leaderAfterMs ?? null,
    healConvergeMs: healDone?.convergedAfterMs ?? null,
    cluster: cluster.stats,
    faultStats: faults.stats,
    network: cluster.network.stats,
    workload: workload.stats,
    membership: membership?.stats ?? null,
    operator: operator.stats,
    traceTail: violation === null ? [] : trace.recent(),
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
