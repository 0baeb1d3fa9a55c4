import type { ClusterConfig, Score } from '../config/model.js';

/**
 * What the scheduler knows about one node. The leader derives it from node leases, fencing
 * results and node intents; the scheduler never decides liveness itself.
 */
export interface NodeStatus {
  id: string;
  /** A live member: its lease is valid, so it runs what it is given. */
  online: boolean;
  /**
   * Offline, but not yet known to have stopped its resources: its lease may still be valid, or
   * it was never confirmed off by a fence device. Anything that may be active there must not
   * be started anywhere else (never active twice). False once the lease has surely expired
   * (lease + drift margin + stop budget) or a fence device confirmed it off.
   */
  unclean: boolean;
  /** The user put the node in standby: it runs nothing (resources move away). */
  standby: boolean;
  /** The user put the node in maintenance: its resources are left alone, neither started nor stopped. */
  maintenance: boolean;
  /** Node attributes (health metrics, labels) for location rules. */
  attributes: Record<string, string | number>;
}

/** The last known state of one resource instance on one node (Pacemaker's lrm history). */
export type ResourceState =
  /** Running (last start or monitor succeeded). */
  | 'started'
  /** Not running (last stop succeeded, or a probe found it stopped). */
  | 'stopped'
  /** A start or monitor failed: it may be partly running; it must be stopped before a restart. */
  | 'failed'
  /** A stop failed: it may still run; only fencing the node makes it safe. */
  | 'stop-failed'
  /** Never probed on this node: treat as possibly running until a probe says otherwise. */
  | 'unknown';

/** One (resource instance, node) record. Missing records mean `unknown`. */
export interface ResourceNodeStatus {
  /** A primitive id, or a clone instance id `<primitive>:<n>`. */
  resource: string;
  node: string;
  state: ResourceState;
  /** Failures counted towards migration-threshold (reset by cleanup). */
  failCount: number;
  /** Cluster time of the last failure (for failure-timeout), or null. */
  lastFailureMs: number | null;
  /**
   * False when the node's last probe found the agent (or the software it manages) not
   * installed there: not running, and cannot run there (Pacemaker's probe rc 5). The
   * scheduler never places the resource (any instance of its primitive) on that node.
   * Absent: true.
   */
  runnable?: boolean;
}

/** A user's placement intent: `clusterctl resource ban|move` (ban = -INFINITY, move = +INFINITY). */
export interface PlacementIntent {
  kind: 'ban' | 'prefer';
  /** A primitive, group or clone id. */
  resource: string;
  node: string;
  /** Cluster time after which the intent lapses, or null for "until cleared". */
  expiresAtMs: number | null;
}

/** Everything the scheduler reads. The clock is an input (`nowMs`), never read. */
export interface SchedulerInput {
  config: ClusterConfig;
  nodes: NodeStatus[];
  status: ResourceNodeStatus[];
  intents: PlacementIntent[];
  nowMs: number;
}

/** One action the plan asks a node's local resource manager to carry out. */
export interface PlannedAction {
  /** Position in `Plan.actions`; `after` refers to these. */
  id: number;
  kind: 'start' | 'stop' | 'probe';
  /** Primitive id or clone instance id. */
  resource: string;
  node: string;
  /** Actions that must complete successfully before this one may begin. */
  after: number[];
  /** Why, in words an admin understands ("node1 is in standby"). */
  reason: string;
}

/** A resource the scheduler could not place, and why. */
export interface Unplaced {
  resource: string;
  reason: string;
}

/** The scheduler's output: where everything should be, and how to get there. */
export interface Plan {
  /** Target node per primitive / clone instance (null: stopped). */
  placement: Record<string, string | null>;
  /** Actions in an order that respects `after` (a topological order of the graph). */
  actions: PlannedAction[];
  /** One line per change, Pacemaker-style: `Move vip (node1 -> node2)`, `Start web:1 (node3)`. */
  summary: string[];
  /** Resources left stopped (or blocked) with the reason, for `clusterctl explain`. */
  unplaced: Unplaced[];
  /** Final allocation scores per resource per node, for `clusterctl explain`. */
  scores: Record<string, Record<string, Score>>;
}
