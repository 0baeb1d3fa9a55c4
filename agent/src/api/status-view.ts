import type { ClusterConfig } from '../config/model.js';
import { instancesOf } from '../coordinator/reconcile.js';
import type { NodeLiveness } from '../liveness/lease-table.js';
import type { RaftStatus } from '../raft/raft-node.js';
import { compareNatural } from '../scheduler/natural-order.js';
import type { PlacementIntent, Unplaced } from '../scheduler/types.js';
import type { ClusterStateDoc, ResourceRecord } from '../state/cluster-state.js';
import type {
  FailureView,
  IntentView,
  NodeView,
  ResourceOnNode,
  ResourceView,
  StatusReply,
} from './admin-messages.js';
import { cloneOf, groupOf, membersOf } from './resource-lookup.js';

/** Everything a status report is made of. */
export interface StatusInput {
  id: string;
  clusterId: string;
  doc: Readonly<ClusterStateDoc>;
  raft: RaftStatus;
  /** The leader's lease verdicts, or null when no leader could be asked. */
  liveness: Record<string, NodeLiveness> | null;
  /** The agent the liveness verdicts come from ('' when none). */
  livenessFrom: string;
  addressOf: (node: string) => string | undefined;
  nowMs: number;
  /** Resources the leader's current plan leaves stopped, with why ([] when unknown). */
  unplaced: Unplaced[];
  /**
   * Instance ids the leader's plan knows ([] when unknown): clone instances appear here
   * before they are first placed, so status lists them from the start.
   */
  planned: string[];
  /** Warnings found by the caller (e.g. why the leader could not be asked). */
  warnings: string[];
}

/**
 * The status report: every member node with its role, the leader's lease verdict and its
 * flags; every resource instance with where it is placed, what each node recorded and a
 * one-word state; every ban and move (expired ones too, marked: nothing is hidden); every
 * failure count that is not zero; and warnings, most urgent first, for the person reading it
 * at 3 a.m. Pure.
 */
export function buildStatus(input: StatusInput): StatusReply {
  const { doc, raft } = input;
  const resources = resourceViews(doc, input.planned);
  const nodes = nodeViews(input, resources);
  const intents = doc.intents.map((i) => intentView(i, input.nowMs));
  const failures = failureViews(doc);
  return {
    clusterId: input.clusterId,
    answeredBy: input.id,
    leader: raft.leader ?? '',
    term: raft.term,
    commitIndex: raft.commit,
    appliedIndex: raft.applied,
    configVersion: doc.configVersion,
    configFingerprint: doc.configFingerprint,
    nodes,
    resources,
    intents,
    failures,
    warnings: [...input.warnings, ...derivedWarnings(input, nodes, resources)],
    nowMs: input.nowMs,
    livenessFrom: input.livenessFrom,
  };
}

/** A placement intent as listed in status and explain. */
export function intentView(intent: PlacementIntent, nowMs: number): IntentView {
  return {
    kind: intent.kind,
    resource: intent.resource,
    node: intent.node,
    expiresAtMs: intent.expiresAtMs ?? 0,
    expired: intent.expiresAtMs !== null && intent.expiresAtMs <= nowMs,
  };
}

/** Every record with a failure count, in natural order. */
export function failureViews(doc: Readonly<ClusterStateDoc>): FailureView[] {
  return Object.values(doc.resources)
    .filter((r) => r.failCount > 0)
    .sort((a, b) => compareNatural(a.resource, b.resource) || compareNatural(a.node, b.node))
    .map((r) => ({
      resource: r.resource,
      node: r.node,
      failCount: r.failCount,
      lastFailureMs: r.lastFailureMs ?? 0,
      reason: r.reason,
      migrationThreshold: migrationThresholdOf(doc.config, r.resource),
    }));
}

function migrationThresholdOf(config: ClusterConfig, instance: string): number {
  const base = instance.replace(/:\d+$/, '');
  const def = config.resources.find((r) => r.id === base);
  const group = groupOf(config, base);
  const clone = cloneOf(config, base);
  return (
    clone?.meta.migrationThreshold ??
    group?.meta.migrationThreshold ??
    def?.meta.migrationThreshold ??
    config.properties.resourceDefaults.migrationThreshold
  );
}

function nodeViews(input: StatusInput, resources: ResourceView[]): NodeView[] {
  const { raft, doc } = input;
  return membersOf(raft.confState).map((id) => {
    const flags = doc.nodes[id];
    return {
      id,
      role:
        id === raft.leader ? 'leader' : raft.confState.learners.includes(id) ? 'learner' : 'voter',
      liveness: input.liveness?.[id] ?? 'unknown',
      standby: flags?.standby ?? false,
      maintenance: flags?.maintenance ?? false,
      resources: resources.filter((r) => r.target === id).length,
      address: input.addressOf(id) ?? '',
    };
  });
}

function resourceViews(doc: Readonly<ClusterStateDoc>, planned: string[]): ResourceView[] {
  const byInstance = new Map<string, ResourceRecord[]>();
  for (const rec of Object.values(doc.resources)) {
    const list = byInstance.get(rec.resource) ?? [];
    list.push(rec);
    byInstance.set(rec.resource, list);
  }
  const ids = new Set([...instancesOf(doc), ...planned, ...byInstance.keys()]);
  return [...ids].sort(compareNatural).map((id) => {
    const base = id.replace(/:\d+$/, '');
    const def = doc.config.resources.find((r) => r.id === base);
    const placement = doc.placement[id];
    const records = (byInstance.get(id) ?? []).sort((a, b) => compareNatural(a.node, b.node));
    const target = placement?.node ?? '';
    const activeOn = records.filter((r) => isActive(r.state)).map((r) => r.node);
    const clone = cloneOf(doc.config, base);
    return {
      id,
      group: groupOf(doc.config, base)?.id ?? '',
      clone: clone?.id ?? '',
      agent: def === undefined ? '(not configured)' : agentText(def.agent),
      target,
      generation: placement?.generation ?? 0,
      state: summaryState(target, records, activeOn),
      activeOn,
      nodes: records.map(recordView),
      targetRole: def?.meta.targetRole ?? 'stopped',
    };
  });
}

/** Whether a recorded state means "may be running there". */
function isActive(state: string): boolean {
  return state === 'started' || state === 'failed' || state === 'stop-failed';
}

/**
 * One word for a person: `started` (on its target), `starting`, `moving` (placed on one node,
 * still active on another), `stopping`, `stopped`, `failed` (on its target, to be recovered)
 * or `stop-failed` (a stop failed somewhere: blocked until fenced or cleaned up).
 */
function summaryState(target: string, records: ResourceRecord[], activeOn: string[]): string {
  if (records.some((r) => r.state === 'stop-failed')) return 'stop-failed';
  const elsewhere = activeOn.filter((n) => n !== target);
  if (target === '') return elsewhere.length > 0 ? 'stopping' : 'stopped';
  if (elsewhere.length > 0) return 'moving';
  const here = records.find((r) => r.node === target)?.state;
  if (here === 'started') return 'started';
  if (here === 'failed') return 'failed';
  return 'starting';
}

function recordView(r: ResourceRecord): ResourceOnNode {
  return {
    node: r.node,
    state: r.state,
    failCount: r.failCount,
    lastFailureMs: r.lastFailureMs ?? 0,
    generation: r.generation,
    reason: r.reason,
    updatedAtMs: r.updatedAtMs,
  };
}

/** `ocf:provider:type` or `systemd:unit`. */
function agentText(agent: ClusterConfig['resources'][number]['agent']): string {
  return agent.class === 'ocf' ? `ocf:${agent.provider}:${agent.type}` : `systemd:${agent.type}`;
}

function derivedWarnings(
  input: StatusInput,
  nodes: NodeView[],
  resources: ResourceView[],
): string[] {
  const out: string[] = [];
  if (input.raft.leader === null && !input.warnings.some((w) => w.startsWith('no leader')))
    out.push('no leader: the cluster cannot change anything now');
  for (const n of nodes) {
    if (n.liveness === 'suspect')
      out.push(`${n.id} is silent but its lease may still hold: its resources wait`);
    if (n.liveness === 'down') out.push(`${n.id} is down (its lease surely expired)`);
  }
  for (const r of resources) {
    if (r.state === 'stop-failed')
      out.push(`${r.id}: a stop failed; it is blocked until the node is fenced or cleaned up`);
    if (r.activeOn.length > 1) out.push(`${r.id} may be active on ${r.activeOn.join(' and ')}`);
  }
  for (const u of input.unplaced) {
    const view = resources.find((r) => r.id === u.resource);
    if (view?.targetRole === 'stopped') continue;
    out.push(`${u.resource} cannot run: ${u.reason}`);
  }
  if (input.doc.configVersion === 0)
    out.push('no configuration applied yet: clusterctl apply -f cluster.yaml');
  return out;
}
