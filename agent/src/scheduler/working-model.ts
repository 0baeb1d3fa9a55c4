import type {
  CloneDef,
  GroupDef,
  ResourceDef,
  ResourceMeta,
  RuleExpression,
} from '../config/model.js';
import type { NodeStatus } from './types.js';

/**
 * The scheduler's working set: the input unpacked into arrays indexed by position, so every
 * later step loops over arrays in one fixed (natural id) order and looks things up in O(1).
 * Each pipeline step fills in its own fields; nothing here outlives one `schedule` call.
 */

/** Recorded state of an instance on a node, by severity (duplicates keep the worst). */
export const NO_RECORD = -1;
/** Last stop succeeded, or a probe found it stopped. */
export const STATE_STOPPED = 0;
/** An explicit `unknown` record. */
export const STATE_UNKNOWN = 1;
/** Running. */
export const STATE_STARTED = 2;
/** A start or monitor failed. */
export const STATE_FAILED = 3;
/** A stop failed: may still run, only fencing makes it safe. */
export const STATE_STOP_FAILED = 4;

/**
 * The empty list every per-instance list starts as (most instances never need most lists;
 * sharing one saves tens of thousands of allocations per plan at scale). Frozen, so a stray
 * `push` throws; grow lists with `append`.
 */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/** `list` with `value` appended: a new array if `list` is `NONE`, else `list` itself. */
export function append<T>(list: T[], value: T): T[] {
  if (list === NONE) return [value];
  list.push(value);
  return list;
}

/** One node, with what the scheduler may do there. */
export interface WorkNode {
  id: string;
  /** Position in `WorkModel.nodes` (natural id order); the tie-break of last resort. */
  index: number;
  status: NodeStatus;
  /** May receive probes, stops and starts: online, clean, not in maintenance. */
  actionable: boolean;
  /** May be given resources: actionable, not in standby (filled by eligibility). */
  eligible: boolean;
  /** Why the node takes no resources, in words (`node2 is in standby`); '' when eligible. */
  ineligibleWhy: string;
}

/** A non-expired failure count on one node. */
export interface FailureOnNode {
  node: number;
  failCount: number;
  lastFailureMs: number | null;
}

/**
 * One primitive instance: a primitive, or instance `<primitive>:<n>` of a cloned primitive or
 * of a member of a cloned group. Orphans (found in the status but no longer configured) have
 * no unit.
 */
export interface Instance {
  id: string;
  /** The configured primitive (for clone instances: the id without `:<n>`). */
  primitiveId: string;
  def: ResourceDef | null;
  meta: ResourceMeta;
  unit: Unit | null;
  /** Position within its unit (group member order); 0 for a plain primitive. */
  position: number;
  /** Instance number within its clone, or -1. */
  cloneNo: number;
  /** Recorded state per node (`NO_RECORD` or `STATE_*`). */
  states: Int8Array;
  /** How many nodes have a record of it (so a fully probed instance needs no probe scan). */
  recordedNodes: number;
  /** Nodes whose record is not `stopped`, in node order (the only ones that can matter). */
  notStoppedNodes: number[];
  /** Raw failure counts per node (before failure-timeout). */
  rawFailures: FailureOnNode[];
  /** Failure counts that still count towards migration-threshold. */
  failures: FailureOnNode[];
  /** Actionable nodes where it runs or may partly run (started, failed, stop-failed). */
  active: number[];
  /** Unclean nodes where it may be active (started, failed, stop-failed, explicit unknown). */
  uncleanActive: number[];
  /** Online maintenance nodes where it may be active (left alone). */
  maintenanceActive: number[];
  /** Offline, clean nodes where it last ran (for `Move` in the summary; nothing runs there). */
  lastKnown: number[];
  /** Active nodes where its last start or monitor failed and must be recovered. */
  failedOn: number[];
  /** Nodes whose probe found its agent not installed (record `runnable: false`), node order. */
  notInstalledOn: number[];
  /** '' when it may run at all; otherwise why not (target-role, on-fail=stop). */
  notRunnableWhy: string;
  /** Nodes its own preferences ban, with the reason (for group members placed with others). */
  bans: Map<number, string> | null;
  /** Target node (-1: stopped). */
  target: number;
  /** Why it is not running or not managed (for `Plan.unplaced`); '' when placed normally. */
  unplacedWhy: string;
  /** Actions for this instance are frozen (maintenance, unclean node, stop failure, hold). */
  frozen: boolean;
  /** Nodes to stop on, and the node to start on (-1 none), decided by the actions step. */
  stopNodes: number[];
  startNode: number;
  /** Non-empty when restarted only because something it depends on restarts. */
  restartCause: string;
  /** Ids (provisional) of its actions. */
  probeIds: number[];
  stopIds: number[];
  startId: number;
}

/**
 * What the scheduler places on one node as a whole: a primitive, a group, or one clone
 * instance (of a primitive or of a group). Members start in order, all on the same node.
 */
export interface Unit {
  /** Primitive id, group id, or `<cloned resource>:<n>`. */
  id: string;
  entity: Entity;
  cloneNo: number;
  members: Instance[];
  /** Held in place or not started at all because of node state; see `frozenWhy`. */
  frozen: boolean;
  frozenWhy: string;
  /** A hold that dependents inherit (unclean node, stop failure), unlike maintenance. */
  holdPropagates: boolean;
  /**
   * Runs on an eligible node its static scores still allow, so it will most likely stay: such
   * units are placed before the others, which then see the load of everything that stays.
   */
  staying: boolean;
  /** Location, intents, stickiness, failures: every score that does not depend on others. */
  staticScores: Float64Array;
  /** The scores the assignment used (static plus colocation and clone limits). */
  scores: Float64Array;
  /** Why a node is banned (-INFINITY), by node, for explanations. */
  banWhy: (string | undefined)[];
  /** Node of the first member (-1: not running). */
  node: number;
}

/** A top-level resource: a primitive outside groups and clones, a group, or a clone. */
export interface Entity {
  id: string;
  kind: 'primitive' | 'group' | 'clone';
  units: Unit[];
  group: GroupDef | null;
  clone: CloneDef | null;
  /** Highest effective priority of its primitives. */
  priority: number;
  /** Some unit is `staying`. */
  staying: boolean;
  prefs: PlacementPref[];
  /** Colocations in which this entity is the dependent (`resource`). */
  colocations: Colocation[];
  /** Colocations in which this entity is `with`. */
  dependents: Colocation[];
  /** Orders in which this entity is `then` / `first`. */
  ordersAsThen: Order[];
  ordersAsFirst: Order[];
  /** Placement done (so its nodes are known to constraints). */
  decided: boolean;
  /** Set when every unit is held and the hold must reach dependents. */
  heldWhy: string;
}

/**
 * What a constraint names: an entity as a whole (position -1), or one member position of a
 * group (in every instance, when the group is cloned).
 */
export interface Ref {
  id: string;
  entity: Entity;
  position: number;
}

/** A location constraint or a placement intent, resolved. */
export interface PlacementPref {
  label: string;
  /** Internal score (±Infinity for ±INFINITY). */
  score: number;
  /** A named node (-1: every node matching `rules`). */
  node: number;
  rules: RuleExpression[];
  /** -1: the whole unit; k: group member k. */
  position: number;
  /** Nodes it applies to, computed once. */
  matched: number[] | null;
}

/** A colocation constraint, resolved. */
export interface Colocation {
  id: string;
  score: number;
  dependent: Ref;
  with: Ref;
}

/** An order constraint, resolved. */
export interface Order {
  id: string;
  first: Ref;
  then: Ref;
  mandatory: boolean;
  symmetrical: boolean;
}

/** The whole working set. */
export interface WorkModel {
  nowMs: number;
  fencingEnabled: boolean;
  nodes: WorkNode[];
  nodeIndex: Map<string, number>;
  /** Entities in natural id order. */
  entities: Entity[];
  /** All units, in entity order then clone instance order. */
  units: Unit[];
  /** All instances including orphans, in natural id order. */
  instances: Instance[];
  instanceById: Map<string, Instance>;
  /** Resolved constraint targets by id (primitive, group, clone). */
  refs: Map<string, Ref>;
}
