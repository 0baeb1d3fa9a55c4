import type { FenceDevice, FenceTopology } from '../fencing/fence-device.js';
/**
 * The cluster configuration model: what a user declares in YAML (resources, groups, clones,
 * constraints, cluster properties), after parsing, defaulting and validation. It is the
 * contract between the YAML loader (agent/src/config/), the replicated cluster state
 * (agent/src/state/) and the scheduler (agent/src/scheduler/). Names follow Pacemaker where
 * it has them (stickiness, migration-threshold, failure-timeout, on-fail, standby).
 *
 * Plain, JSON-serialisable data only: the model is stored in the Raft log and in snapshots.
 * All durations are milliseconds (units last in every name).
 */

/** Pacemaker's INFINITY: a score this large (or larger) is a hard requirement. */
export const INFINITY = 1_000_000;

/**
 * A preference score in [-INFINITY, INFINITY]. Positive attracts, negative repels;
 * +INFINITY means "must", -INFINITY means "must not". Sums saturate at ±INFINITY and
 * INFINITY + (-INFINITY) = -INFINITY (a ban always wins), as in Pacemaker.
 */
export type Score = number;

/** Which program runs a resource, and how it is addressed. */
export type AgentRef =
  /** An OCF agent: /usr/lib/ocf/resource.d/<provider>/<type>, or resource-agents/ for provider "quorate". */
  | { class: 'ocf'; provider: string; type: string }
  /** A systemd unit driven through systemctl (type is the unit name, e.g. "nginx.service"). */
  | { class: 'systemd'; type: string };

/** Timing of one operation of a resource. */
export interface OperationDef {
  /** The operation fails (and its process group is killed) after this long. */
  timeoutMs: number;
  /** Recurring operations only (monitor): how often it runs. 0 means not recurring. */
  intervalMs: number;
}

/** What to do when an operation of a resource fails (Pacemaker's on-fail). */
export type OnFail = 'restart' | 'stop' | 'ignore' | 'block' | 'fence' | 'standby';

/** Per-resource behaviour (Pacemaker's meta attributes). */
export interface ResourceMeta {
  /** Preference for staying where it runs (added to the current node's score). */
  stickiness: Score;
  /** After this many failures on a node, the resource is banned from it. 0: never ban. */
  migrationThreshold: number;
  /** Failures older than this are forgotten (0: never forgotten). */
  failureTimeoutMs: number;
  /** Reaction to a failed monitor or start (stop failures always escalate to fencing or block). */
  onFail: OnFail;
  /** `stopped` keeps the resource defined but not running. */
  targetRole: 'started' | 'stopped';
  /** Higher-priority resources are placed first when not everything fits. */
  priority: number;
}

/** A primitive resource: one instance of an agent with parameters. */
export interface ResourceDef {
  id: string;
  agent: AgentRef;
  /** Agent parameters, passed as OCF_RESKEY_<name>. */
  params: Record<string, string>;
  operations: {
    start: OperationDef;
    stop: OperationDef;
    monitor: OperationDef;
  };
  meta: ResourceMeta;
}

/**
 * An ordered, colocated set of primitives: members start in order on one node and stop in
 * reverse order (a virtual IP, then a mount, then the service using both).
 */
export interface GroupDef {
  id: string;
  /** Primitive resource ids, in start order. A primitive belongs to at most one group. */
  members: string[];
  meta: Partial<ResourceMeta>;
}

/**
 * A clone: one instance of a primitive or group on each eligible node (active-active), e.g. a
 * REST back-end on every node. Instance `n` of clone `web` is named `web:n`.
 */
export interface CloneDef {
  id: string;
  /** The primitive or group being cloned. */
  resource: string;
  /** Most instances cluster-wide (default: number of nodes). */
  maxInstances: number | null;
  meta: Partial<ResourceMeta>;
}

/** A comparison against a node attribute (health metrics, labels). */
export interface RuleExpression {
  attribute: string;
  op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'defined' | 'not-defined';
  /** Compared numerically when both sides are numbers, otherwise as strings. */
  value?: string | number;
}

/**
 * Prefer (score > 0) or avoid (score < 0) nodes for a resource: either one named node, or
 * every node whose attributes match all `rules`.
 */
export interface LocationConstraint {
  id: string;
  /** A primitive, group or clone id. */
  resource: string;
  score: Score;
  node: string | null;
  rules: RuleExpression[];
}

/**
 * Place `resource` relative to `with`: a positive score pulls it onto the node where `with`
 * runs, a negative one pushes it away (-INFINITY: never on the same node, anti-affinity).
 * `with` is placed first.
 */
export interface ColocationConstraint {
  id: string;
  resource: string;
  with: string;
  score: Score;
}

/**
 * Start `then` only after `first` has started; with `symmetrical`, stop `then` before
 * `first`. `mandatory`: if `first` stops, `then` must stop too; `optional` only orders
 * actions that happen in the same transition.
 */
export interface OrderConstraint {
  id: string;
  first: string;
  then: string;
  kind: 'mandatory' | 'optional';
  symmetrical: boolean;
}

/** Cluster-wide settings. */
export interface ClusterProperties {
  /** What a node without quorum does with its resources (Pacemaker's no-quorum-policy). */
  noQuorumPolicy: 'stop' | 'freeze' | 'ignore';
  /** Whether a node must be confirmed off by a fence device before its resources move. */
  fencingEnabled: boolean;
  /** Defaults for every resource's meta attributes. */
  resourceDefaults: ResourceMeta;
}

/** Defaults for resource meta attributes when neither the resource nor properties set them. */
export const DEFAULT_RESOURCE_META: ResourceMeta = {
  stickiness: 100,
  migrationThreshold: 3,
  failureTimeoutMs: 0,
  onFail: 'restart',
  targetRole: 'started',
  priority: 0,
};

/**
 * Fence devices and levels (the `fencing` section). Device parameters may hold secrets: they
 * reach a fence agent only on its stdin (agent/src/fencing/), never a command line or a log.
 */
export interface FencingConfig {
  devices: FenceDevice[];
  topology: FenceTopology;
}

/** The whole declared configuration, validated: every reference resolves. */
export interface ClusterConfig {
  /** Absent in configurations from before fencing was configurable: no devices. */
  fencing?: FencingConfig;
  properties: ClusterProperties;
  resources: ResourceDef[];
  groups: GroupDef[];
  clones: CloneDef[];
  locations: LocationConstraint[];
  colocations: ColocationConstraint[];
  orders: OrderConstraint[];
}

/** The configuration of a cluster nobody has configured yet. */
export const EMPTY_CLUSTER_CONFIG: ClusterConfig = {
  properties: {
    noQuorumPolicy: 'stop',
    fencingEnabled: false,
    resourceDefaults: DEFAULT_RESOURCE_META,
  },
  resources: [],
  groups: [],
  clones: [],
  locations: [],
  colocations: [],
  orders: [],
};
