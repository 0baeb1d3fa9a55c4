import type { LeaseState } from '../liveness/node-lease.js';
import type { ResourceState } from '../scheduler/types.js';
import { recordKey, type ClusterStateDoc } from '../state/cluster-state.js';

/** One operation the node's resource manager should run now. */
export interface LocalOperation {
  kind: 'probe' | 'start' | 'stop';
  /** Primitive id or clone instance id. */
  resource: string;
  /** The placement generation this operation answers (reported with its result). */
  generation: number;
  reason: string;
}

/** What one node knows when it reconciles. */
export interface ReconcileInput {
  node: string;
  lease: LeaseState;
  doc: Readonly<ClusterStateDoc>;
  /** The resource manager's view of each instance on this node (missing: never probed). */
  local: ReadonlyMap<string, ResourceState>;
  /** Instances with an operation in progress: left alone this round. */
  busy: ReadonlySet<string>;
  /**
   * False while the node catches up with the log after its lease lapsed
   * (`NodeLease.mayStart`): its applied placement may predate moves the leader made while it
   * was out of contact, so it starts nothing yet. Default true.
   */
  mayStart?: boolean;
  /**
   * Instances whose last probe here found the agent not installed: stopped, and never
   * stopped again here (the stop could only fail as not installed, and a `stop-failed` record
   * would block the resource cluster-wide). The node re-sends its record instead.
   */
  notInstalled?: ReadonlySet<string>;
}

/**
 * The node side of the control loop: compare what the committed placement gives this node
 * (and whether its lease lets it run anything) with what runs here, and return the operations
 * that close the gap. Pure; the caller runs the operations and reports their results to the
 * log. The rules, in order of precedence:
 *
 * - A node in maintenance touches nothing.
 * - Without a valid lease a node starts nothing and stops everything that may run here
 *   (including never-probed instances: a stop is idempotent, a guess is not).
 * - Anything never probed here is probed before anything else is done with it.
 * - Placed here and stopped: start (unless the node is still catching up with the log after
 *   its lease lapsed: `mayStart`, or its last probe found the agent not installed).
 * - Placed here and failed: nothing. Recovery is the leader's decision alone (its plan stops,
 *   then starts, through placement), so a node never races the leader with a restart of its
 *   own that a slightly older decision of the leader would then undo.
 * - Not placed here but possibly running (started, failed, stop-failed): stop.
 * - Not placed here and stopped, but the log records it otherwise here (an order this node
 *   never carried out, a report lost): stop anyway (idempotent), so the log learns it is
 *   stopped under the latest order. The leader starts an instance elsewhere only once every
 *   other live member's record says `stopped` (start-gate.ts). Not when the last probe here
 *   found the agent not installed (`notInstalled`): that stop could only fail.
 */
export function reconcile(input: ReconcileInput): LocalOperation[] {
  const { node, doc } = input;
  if (doc.nodes[node]?.maintenance === true) return [];
  const instances = new Set<string>([...instancesOf(doc), ...input.local.keys()]);
  const ops: LocalOperation[] = [];
  for (const resource of [...instances].sort()) {
    if (input.busy.has(resource)) continue;
    const local = input.local.get(resource) ?? 'unknown';
    const placement = doc.placement[resource];
    const generation = placement?.generation ?? 0;
    const op = (kind: LocalOperation['kind'], reason: string) =>
      ops.push({ kind, resource, generation, reason });
    if (input.lease !== 'valid') {
      if (local !== 'stopped')
        op('stop', `lease ${input.lease}: nothing may run without quorum contact`);
      continue;
    }
    if (local === 'unknown') {
      op('probe', 'not yet probed on this node');
      continue;
    }
    const placedHere = placement?.node === node;
    if (placedHere && local === 'stopped') {
      // Not installed here: no start (it could only fail); the record tells the leader.
      if (input.mayStart !== false && !input.notInstalled?.has(resource))
        op('start', `placed on ${node} (generation ${generation})`);
    } else if (!placedHere && local !== 'stopped')
      op('stop', placement?.node ? `placed on ${placement.node}` : 'not placed anywhere');
    else if (!placedHere && local === 'stopped') {
      const recorded = doc.resources[recordKey(resource, node)]?.state;
      if (recorded !== undefined && recorded !== 'stopped' && !input.notInstalled?.has(resource))
        op('stop', `confirm stopped (the log says ${recorded})`);
    }
  }
  return ops;
}

/**
 * Every resource instance a node may have to act on, in start order: group members in group
 * order, then the other primitives, then instance 0 of each clone (its probe), then placed
 * instances not named so far (clone instances `<primitive>:<n>`). Cloned primitives appear
 * only as their instances.
 */
export function instancesOf(doc: Readonly<ClusterStateDoc>): string[] {
  const out = new Set<string>();
  for (const g of doc.config.groups) for (const m of g.members) if (!isCloned(doc, m)) out.add(m);
  for (const r of doc.config.resources) if (!isCloned(doc, r.id)) out.add(r.id);
  // A clone's starts wait for a probe of the clone on each node (scheduler/probes.ts), and any
  // record of one of its instances answers for the clone there: probe instance 0 everywhere.
  for (const c of doc.config.clones) {
    const group = doc.config.groups.find((g) => g.id === c.resource);
    for (const m of group?.members ?? [c.resource]) out.add(`${m}:0`);
  }
  for (const key of Object.keys(doc.placement)) out.add(key);
  // Removed from the configuration but possibly still running somewhere: to be stopped.
  for (const r of Object.values(doc.resources))
    if (doc.orphans?.[r.resource.replace(/:\d+$/, '')] !== undefined) out.add(r.resource);
  return [...out];
}

/** Whether primitive `id` is cloned (directly, or as a member of a cloned group). */
function isCloned(doc: Readonly<ClusterStateDoc>, id: string): boolean {
  return doc.config.clones.some(
    (c) =>
      c.resource === id ||
      doc.config.groups.some((g) => g.id === c.resource && g.members.includes(id)),
  );
}
