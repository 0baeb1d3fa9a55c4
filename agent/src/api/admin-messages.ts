/**
 * The admin API's messages (proto/cluster.proto) as TypeScript sees them through
 * proto-loader: camelCase fields, 64-bit integers as numbers, enums as their names, every
 * field present (defaults filled in). Written by hand to mirror the proto field for field;
 * the loader options in admin-proto.ts make the decoded objects match.
 */

/** `Status` request. */
export interface StatusRequest {
  linearizable: boolean;
}

/** One member node in a status report. */
export interface NodeView {
  id: string;
  role: string;
  liveness: string;
  standby: boolean;
  maintenance: boolean;
  resources: number;
  address: string;
}

/** What one node recorded for a resource instance. */
export interface ResourceOnNode {
  node: string;
  state: string;
  failCount: number;
  lastFailureMs: number;
  generation: number;
  reason: string;
  updatedAtMs: number;
}

/** One resource instance in a status report. */
export interface ResourceView {
  id: string;
  group: string;
  clone: string;
  agent: string;
  target: string;
  generation: number;
  state: string;
  activeOn: string[];
  nodes: ResourceOnNode[];
  targetRole: string;
}

/** A ban or move (placement intent), listed so it is never hidden. */
export interface IntentView {
  kind: string;
  resource: string;
  node: string;
  expiresAtMs: number;
  expired: boolean;
}

/** A failure count that is not zero. */
export interface FailureView {
  resource: string;
  node: string;
  failCount: number;
  lastFailureMs: number;
  reason: string;
  migrationThreshold: number;
}

/** `Status` reply. */
export interface StatusReply {
  clusterId: string;
  answeredBy: string;
  leader: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  configVersion: number;
  configFingerprint: string;
  nodes: NodeView[];
  resources: ResourceView[];
  intents: IntentView[];
  failures: FailureView[];
  warnings: string[];
  nowMs: number;
  livenessFrom: string;
}

/** A configuration error with its position. */
export interface ConfigErrorView {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  text: string;
}

/** `Validate` request. */
export interface ValidateRequest {
  yaml: string;
  fileName: string;
}

/** `Validate` reply. */
export interface ValidateReply {
  ok: boolean;
  errors: ConfigErrorView[];
  fingerprint: string;
  resources: number;
  groups: number;
  clones: number;
  constraints: number;
}

/** `Apply` request. */
export interface ApplyRequest {
  yaml: string;
  fileName: string;
  dryRun: boolean;
}

/** One action of a plan. */
export interface PlannedActionView {
  id: number;
  kind: string;
  resource: string;
  node: string;
  after: number[];
  reason: string;
}

/** A resource the plan leaves stopped, and why. */
export interface UnplacedView {
  resource: string;
  reason: string;
}

/** The scheduler's plan, as far as people read it. */
export interface PlanView {
  summary: string[];
  actions: PlannedActionView[];
  unplaced: UnplacedView[];
}

/** `Apply` reply. */
export interface ApplyReply {
  ok: boolean;
  errors: ConfigErrorView[];
  unchanged: boolean;
  dryRun: boolean;
  fingerprint: string;
  configVersion: number;
  plan: PlanView | null;
}

/** `Failover` request. */
export interface FailoverRequest {
  resource: string;
  to: string;
}

/** `Failover` reply. */
export interface FailoverReply {
  resource: string;
  members: string[];
  from: string;
  expectedNode: string;
  index: number;
  message: string;
}

/** How a node flag changes. */
export type FlagChange = 'FLAG_UNCHANGED' | 'FLAG_ON' | 'FLAG_OFF';

/** `NodeFlags` request. */
export interface NodeFlagsRequest {
  node: string;
  standby: FlagChange;
  maintenance: FlagChange;
}

/** The reply to a plain write. */
export interface WriteReply {
  index: number;
  message: string;
}

/** `Cleanup` request. */
export interface CleanupRequest {
  resource: string;
  node: string;
}

/** `Ban` request. */
export interface BanRequest {
  resource: string;
  node: string;
  durationMs: number;
}

/** `Clear` request. */
export interface ClearRequest {
  resource: string;
  node: string;
}

/** `Move` request. */
export interface MoveRequest {
  resource: string;
  node: string;
  durationMs: number;
}

/** `Explain` request. */
export interface ExplainRequest {
  resource: string;
  linearizable: boolean;
}

/** One node's score for a unit, with what it is made of. */
export interface NodeScoreView {
  node: string;
  score: number;
  scoreText: string;
  chosen: boolean;
  notes: string[];
}

/** The scores of one unit the scheduler places as a whole. */
export interface UnitExplanation {
  unit: string;
  target: string;
  nodes: NodeScoreView[];
}

/** `Explain` reply. */
export interface ExplainReply {
  resource: string;
  kind: string;
  parent: string;
  verdict: string;
  units: UnitExplanation[];
  constraints: string[];
  intents: IntentView[];
  failures: FailureView[];
  actions: PlannedActionView[];
  summary: string[];
  unplaced: UnplacedView[];
}

/** `Events` request. */
export interface EventsRequest {
  afterIndex: number;
  limit: number;
  follow: boolean;
  resource: string;
  node: string;
  linearizable: boolean;
}

/** One cluster event. */
export interface EventView {
  index: number;
  atMs: number;
  kind: string;
  node: string;
  resource: string;
  message: string;
}

/** `Members` request. */
export type MembersRequest = Record<string, never>;

/** One Raft member. */
export interface MemberView {
  id: string;
  role: string;
  address: string;
  progressKnown: boolean;
  matchIndex: number;
  nextIndex: number;
  lag: number;
  state: string;
  recentActive: boolean;
}

/** `Members`, `MemberAdd` and `MemberRemove` reply. */
export interface MembersReply {
  leader: string;
  term: number;
  commitIndex: number;
  lastIndex: number;
  members: MemberView[];
  answeredBy: string;
  warnings: string[];
  message: string;
}

/** `MemberAdd` request. */
export interface MemberAddRequest {
  node: string;
  address: string;
  learner: boolean;
}

/** `MemberRemove` request. */
export interface MemberRemoveRequest {
  node: string;
}

/** `LeaderTransfer` request. */
export interface LeaderTransferRequest {
  to: string;
}

/** `LeaderTransfer` reply. */
export interface LeaderTransferReply {
  previous: string;
  leader: string;
  term: number;
}

/** `Ping` request. */
export type PingRequest = Record<string, never>;

/** `Ping` and `SetPeerAddress` reply. */
export interface PingReply {
  node: string;
  clusterId: string;
  leader: string;
  term: number;
}

/** `SetPeerAddress` request. */
export interface SetPeerAddressRequest {
  node: string;
  address: string;
  clusterId: string;
}
