import type { ClusterConfig } from '../config/model.js';
import { recordKey, type ClusterStateDoc } from '../state/cluster-state.js';

/**
 * Whether the leader may commit the start of `resource` on `target` now, as far as what other
 * nodes may be doing is concerned. A placement is an order its node may be carrying out at any
 * moment, whatever its record says, and a node learns of a new order only when it applies it.
 * So the start waits until:
 *
 * - every other member that is not `gone` (down or fenced) has reported `resource` stopped
 *   under its latest placement generation (reconcile confirms with a stop): a node that
 *   started it just before it learnt it was taken away has stopped it again;
 * - on `target`, nothing that must never share a node with `resource` (another instance of
 *   its clone, the other side of a -INFINITY colocation) is placed there, or reported there
 *   other than stopped under its own latest generation.
 *
 * An instance never placed needs nothing here: the scheduler's probes cover it.
 */
export function startIsSafe(
  doc: Readonly<ClusterStateDoc>,
  members: readonly string[],
  gone: (node: string) => boolean,
  resource: string,
  target: string,
): boolean {
  const stoppedOn = (instance: string, node: string): boolean => {
    const placed = doc.placement[instance];
    if (placed === undefined) return true;
    if (placed.node === node) return false;
    const rec = doc.resources[recordKey(instance, node)];
    return rec !== undefined && rec.state === 'stopped' && rec.generation >= placed.generation;
  };
  for (const m of members) {
    if (m !== target && !gone(m) && !stoppedOn(resource, m)) return false;
  }
  for (const other of mustNotShareNode(doc, resource)) {
    if (!stoppedOn(other, target)) return false;
  }
  return true;
}

/**
 * The instances that must never be active on the same node as `resource`: the other instances
 * of its clone (one per node), and every instance on the other side of a -INFINITY colocation
 * with anything that contains it. Clone instances are those the state knows (placed or
 * recorded somewhere).
 */
export function mustNotShareNode(doc: Readonly<ClusterStateDoc>, resource: string): string[] {
  const config = doc.config;
  const primitive = resource.replace(/:\d+$/, '');
  const known = new Set<string>([
    ...Object.keys(doc.placement),
    ...Object.values(doc.resources).map((r) => r.resource),
  ]);
  const out = new Set<string>();
  const clone = cloneOf(config, primitive);
  if (clone !== null) {
    for (const i of known) if (i !== resource && i.replace(/:\d+$/, '') === primitive) out.add(i);
  }
  const containers = new Set([primitive]);
  const group = config.groups.find((g) => g.members.includes(primitive));
  if (group !== undefined) containers.add(group.id);
  if (clone !== null) containers.add(clone);
  for (const c of config.colocations) {
    if (c.score > -1_000_000) continue;
    const other = containers.has(c.resource) ? c.with : containers.has(c.with) ? c.resource : null;
    if (other === null) continue;
    for (const i of instancesOfEntity(config, other, known)) if (i !== resource) out.add(i);
  }
  return [...out];
}

/** The clone containing `primitive` (directly or through its group), or null. */
function cloneOf(config: ClusterConfig, primitive: string): string | null {
  const group = config.groups.find((g) => g.members.includes(primitive));
  const clone = config.clones.find((c) => c.resource === primitive || c.resource === group?.id);
  return clone?.id ?? null;
}

/** The instances of a primitive, group or clone (clone instances: those in `known`). */
function instancesOfEntity(config: ClusterConfig, id: string, known: Set<string>): string[] {
  const clone = config.clones.find((c) => c.id === id);
  const target = clone?.resource ?? id;
  const group = config.groups.find((g) => g.id === target);
  const primitives = group?.members ?? [target];
  if (clone === undefined) return primitives;
  return [...known].filter((i) => primitives.includes(i.replace(/:\d+$/, '')) && i.includes(':'));
}
