import { DEFAULT_RAFT_CONFIG, type RaftConfig } from '../../../agent/src/raft/config.js';
import {
  DEFAULT_LEASE_TIMING,
  type LeaseTiming,
} from '../../../agent/src/liveness/lease-timing.js';
import type { NetworkConditions } from '../sim-network.js';
import { SimRandom } from '../sim-random.js';

/** Whether a run has a fence device: per seed (`auto`), always, or never. */
export type FencingMode = 'auto' | 'always' | 'never';

/** Options of a whole-cluster run that are not drawn from the seed. */
export interface ClusterSimOptions {
  /** Fence device per seed (default), on every seed, or on none. */
  fencing: FencingMode;
  /** Longest fault phase in simulated ms (the phase lasts from 3 s up to this). */
  faultPhaseMaxMs: number;
  /** Hard cap on events per run: a run that needs more is reported as a violation. */
  maxEvents: number;
  /**
   * Hosts may have a watchdog (always without a fence device). False removes every watchdog:
   * a control run, where a stalled agent is the split brain docs/safety.md admits.
   */
  watchdog: boolean;
}

/** The defaults of `npm run sim:cluster` and of the ava test (so replays match exactly). */
export const DEFAULT_CLUSTER_SIM_OPTIONS: ClusterSimOptions = {
  fencing: 'auto',
  faultPhaseMaxMs: 20_000,
  maxEvents: 1_000_000,
  watchdog: true,
};

/** How the simulated resource processes behave (timings are simulated real ms). */
export interface ResourceBehaviour {
  /** A start makes the process active after a delay uniform in [min, max]. */
  startActiveMinMs: number;
  startActiveMaxMs: number;
  /** After the process is active, the start operation returns this much later (at most). */
  startReturnMaxMs: number;
  /** Probability that a start fails (the process may or may not be left running). */
  startFailRate: number;
  /** A clean stop ends the process after a delay uniform in [min, max]. */
  stopMinMs: number;
  stopMaxMs: number;
  /** Probability that a stop hangs: it times out and escalation kills the process. */
  stopHangRate: number;
  /** Longest kill escalation after a stop timeout. */
  escalationMaxMs: number;
  /** Probability that the escalation fails too (`stop-failed`, the process keeps running). */
  escalationFailRate: number;
  /** Mean lifetime of an active process before it dies on its own (Infinity: never). */
  processLifeMeanMs: number;
  /** Longest probe. */
  probeMaxMs: number;
}

/**
 * Everything about one whole-cluster run that is drawn from its seed: the cluster shape, Raft
 * and lease timing, the fence device and watchdog, network weather, how often each fault kind
 * strikes, how the resources behave and what the operator does. Each knob has a fair chance of
 * being "off", so some seeds are calm and others hostile.
 */
export interface ClusterSimParams {
  seed: number;
  /** Founding voters (3..5). */
  nodeCount: number;
  /** Nominal Raft tick of every agent's clock. */
  tickMs: number;
  raft: Omit<RaftConfig, 'id' | 'random'>;
  /** Lease timing; its driftRate bounds every host clock's rate error. */
  timing: LeaseTiming;
  /** How often every agent reconciles (its own clock). */
  reconcileIntervalMs: number;
  /** How often the leader runs a decision round (its own clock). */
  decideIntervalMs: number;
  /** A report not reflected in the applied state after this long is proposed again. */
  reportRetryMs: number;
  /** A fence device is configured (`fencingEnabled` in the cluster properties). */
  fencing: boolean;
  /** The leader fences a member that has been `suspect` this long (its own clock). */
  fenceAfterSuspectMs: number;
  /** The fence device powers the host off after a delay in [min, max], then confirms. */
  fenceMinMs: number;
  fenceMaxMs: number;
  /** Each host has a watchdog armed by its agent (always without a fence device). */
  watchdog: boolean;
  /** A watchdog not fed for this long (its own clock) resets its host. */
  watchdogTimeoutMs: number;
  faultPhaseMs: number;
  /** Network weather during the fault phase. */
  faultyNetwork: NetworkConditions;
  /** Network weather during the heal phase. */
  calmNetwork: NetworkConditions;
  /** Mean gap between partition episodes (Infinity: none). */
  partitionGapMeanMs: number;
  /** Longest partition episode. */
  partitionMaxMs: number;
  /** Mean gap between storms (bursts of extra loss and delay; Infinity: none). */
  stormGapMeanMs: number;
  /** Mean gap between host crashes (power loss: everything on it stops; Infinity: none). */
  hostCrashGapMeanMs: number;
  /** Longest time a crashed host stays down before it boots. */
  hostDownMaxMs: number;
  /** Mean gap between agent crashes that leave the resources running (Infinity: none). */
  agentCrashGapMeanMs: number;
  /** Longest time before a crashed agent is restarted. */
  agentDownMaxMs: number;
  /** Mean gap between agent pauses (SIGSTOP, VM stall; Infinity: none). */
  agentPauseGapMeanMs: number;
  /** Longest agent pause. */
  agentPauseMaxMs: number;
  /** How long a host takes to boot and start its agent, at most. */
  bootMaxMs: number;
  resources: ResourceBehaviour;
  /** Mean gap between operator actions (intents, standby, cleanup; Infinity: none). */
  operatorGapMeanMs: number;
  /** Compact the log once this many entries were applied past the snapshot. */
  compactEveryEntries: number;
  /** Heal phase: every configured instance must be active within this bound. */
  healActiveBoundMs: number;
  /** Heal phase: once everything is active, nothing may change for this long. */
  quietMs: number;
  maxEvents: number;
}

/** Share of seeds with a fence device in `auto` mode. */
const FENCING_SHARE = 0.4;

/** Draws the parameters of run `seed` (from its own `cluster/params` stream). */
export function drawClusterSimParams(seed: number, options: ClusterSimOptions): ClusterSimParams {
  const r = SimRandom.forStream(seed, 'cluster/params');
  const off = (pOff: number) => r.chance(pOff);
  const timing = DEFAULT_LEASE_TIMING;
  const lossRate = off(0.4) ? 0 : r.float(0.005, 0.1);
  const duplicateRate = off(0.6) ? 0 : r.float(0.005, 0.05);
  const delayMsMin = r.float(0.2, 3);
  const delayMsMax = delayMsMin + (r.chance(0.15) ? r.float(20, 80) : r.float(1, 15));
  // Drawn whatever the options say, so options never reshuffle later draws.
  const fencingCoin = r.chance(FENCING_SHARE);
  const fencing = options.fencing === 'always' || (options.fencing === 'auto' && fencingCoin);
  const watchdogCoin = r.chance(0.3);
  return {
    seed,
    nodeCount: r.int(3, 5),
    tickMs: 50,
    raft: {
      ...DEFAULT_RAFT_CONFIG,
      electionTicks: 6, // clusterd's default
      heartbeatTicks: r.int(1, 2),
      preVote: !off(0.25),
      // The leader lease (status().leaseValid) needs CheckQuorum; lease grants depend on it.
      checkQuorum: true,
      readOnly: 'safe',
      leaseMarginTicks: 2,
      maxEntriesPerAppend: r.pick([4, 64, 256]),
      maxInflightAppends: r.pick([2, 16, 64]),
    },
    timing,
    reconcileIntervalMs: 50,
    decideIntervalMs: 100,
    reportRetryMs: 600,
    fencing,
    fenceAfterSuspectMs: r.float(0, 400),
    fenceMinMs: 50,
    fenceMaxMs: r.float(100, 1500),
    // Without a fence device, the watchdog is what makes a stalled agent safe (docs/safety.md).
    watchdog: options.watchdog && (!fencing || watchdogCoin),
    // Fired before the lease ends even if the watchdog's clock is fast and the agent's slow.
    watchdogTimeoutMs: Math.floor(
      (timing.stopBudgetMs * (1 - timing.driftRate)) / (1 + timing.driftRate) - 10,
    ),
    faultPhaseMs: Math.round(
      r.float(Math.min(3000, options.faultPhaseMaxMs), options.faultPhaseMaxMs),
    ),
    faultyNetwork: { delayMsMin, delayMsMax, lossRate, duplicateRate },
    calmNetwork: { delayMsMin: 0.3, delayMsMax: 3, lossRate: 0, duplicateRate: 0 },
    partitionGapMeanMs: off(0.3) ? Infinity : r.float(800, 5000),
    partitionMaxMs: r.float(200, 3000),
    stormGapMeanMs: off(0.6) ? Infinity : r.float(1500, 6000),
    hostCrashGapMeanMs: off(0.3) ? Infinity : r.float(1500, 8000),
    hostDownMaxMs: r.float(200, 4000),
    agentCrashGapMeanMs: off(0.4) ? Infinity : r.float(1500, 8000),
    agentDownMaxMs: r.float(20, 1500),
    agentPauseGapMeanMs: off(0.4) ? Infinity : r.float(1500, 8000),
    agentPauseMaxMs: r.float(50, 2500),
    bootMaxMs: r.float(100, 1500),
    resources: {
      startActiveMinMs: 5,
      startActiveMaxMs: r.float(20, 200),
      startReturnMaxMs: r.float(0, 30),
      startFailRate: off(0.5) ? 0 : r.float(0.01, 0.1),
      stopMinMs: 2,
      stopMaxMs: r.float(10, 80),
      stopHangRate: off(0.5) ? 0 : r.float(0.01, 0.15),
      escalationMaxMs: 60,
      escalationFailRate: off(0.6) ? 0 : r.float(0.05, 0.3),
      processLifeMeanMs: off(0.4) ? Infinity : r.float(5000, 60_000),
      probeMaxMs: r.float(2, 30),
    },
    operatorGapMeanMs: off(0.5) ? Infinity : r.float(1000, 6000),
    compactEveryEntries: r.int(30, 200),
    healActiveBoundMs: 15_000,
    quietMs: 2000,
    maxEvents: options.maxEvents,
  };
}
