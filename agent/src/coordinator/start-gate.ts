import type { ClusterConfig } from '../config/model.js';
import { recordKey, type ClusterStateDoc } from '../state/cluster-state.js';

/**
 * The last safety check before the leader commits a start: whether anything another node may
 * be doing forbids it, judged from the log alone. A placement is an order its node may be
 * carrying out at any moment whatever its record says, and a node learns of a new order only
 * when it applies it. The scheduler already plans from the same facts; this gate is the
 * coordinator's own, independent word, because a wrong start is the one mistake that cannot be
 * undone.
 *
 * Built once per decision round: its index of instances makes each check cost
 * O(members + partners), not a scan of every record.
 */
export class StartGate {
  /** Clone instances known to the state, by primitive. */
  private readonly instancesByPrimitive = new Map<string, Set<string>>();

  constructor(
    private readonly doc: Readonly<ClusterStateDoc>,
    private readonly members: readonly string[],
    /** Down (lease surely over) or confirmed off by a fence device: runs nothing. */
    private readonly gone: (node: string) => boolean,
  ) {
    const add = (instance: string) => {
      const colon = instance.lastIndexOf(':');
      if (colon < 0 || !/^\d+$/.test(instance.slice(colon + 1))) return;
      const primitive = instance.slice(0, colon);
      let set = this.instancesByPrimitive.get(primitive);
      if (set === undefined) this.instancesByPrimitive.set(primitive, (set = new Set()));
      set.add(instance);
    };
    for (const instance of Object.keys(doc.placement)) add(instance);
    for (const r of Object.values(doc.resources)) add(r.resource);
  }

  /**
   * Whether `resource` may start on `target` now:
   *
   * - on every other member that is not gone, it is neither placed there nor recorded other
   *   than `stopped`. A record is trustworthy because every order naming a node raises that
   *   node's record generation and older reports are ignored (cluster-state.ts): `stopped`
   *   means the node stopped it after it applied every order that named it;
   * - on `target`, nothing that must never share a node with it (another instance of its
   *   clone, the other side of a -INFINITY colocation) is placed there or recorded other than
   *   `stopped`.
   *
   * An instance never placed anywhere is the scheduler's probes' concern (it cannot have been
   * started by this cluster).
   */
  startIsSafe(resource: string, target: string): boolean {
    if (this.doc.placement[resource] !== undefined) {
      for (const m of this.members) {
        if (m !== target && !this.gone(m) && !this.stoppedOn(resource, m)) return false;
      }
    }
    for (const other of this.mustNotShareNode(resource)) {
      if (this.doc.placement[other] !== undefined && !this.stoppedOn(other, target)) return false;
    }
    return true;
  }

  /**
   * The instances that must never be active on the same node as `resource`: the other
   * instances of its clone (one per node), and every instance on the other side of a
   * -INFINITY colocation with anything that contains it. Clone instances are those the state
   * knows (placed or recorded somewhere).
   */
  mustNotShareNode(resource: string): string[] {
    const config = this.doc.config;
    const primitive = resource.replace(/:\d+$/, '');
    const out = new Set<string>();
    const clone = cloneOf(config, primitive);
    if (clone !== null) {
      for (const i of this.instancesByPrimitive.get(primitive) ?? [])
        if (i !== resource) out.add(i);
    }
    const containers = new Set([primitive]);
    const group = config.groups.find((g) => g.members.includes(primitive));
    if (group !== undefined) containers.add(group.id);
    if (clone !== null) containers.add(clone);
    for (const c of config.colocations) {
      if (c.score > -1_000_000) continue;
      const other = containers.has(c.resource)
        ? c.with
        : containers.has(c.with)
          ? c.resource
          : null;
      if (other === null) continue;
      for (const i of this.instancesOfEntity(other)) if (i !== resource) out.add(i);
    }
    return [...out].sort();
  }

  /** Not placed on `node`, and recorded there as `stopped`. */
  private stoppedOn(instance: string, node: string): boolean {
    if (this.doc.placement[instance]?.node === node) return false;
    return this.doc.resources[recordKey(instance, node)]?.state === 'stopped';
  }

  /** The instances of a primitive, group or clone (clone instances: those the state knows). */
  private instancesOfEntity(id: string): string[] {
    const config = this.doc.config;
    const clone = config.clones.find((c) => c.id === id);
    const target = clone?.resource ?? id;
    const group = config.groups.find((g) => g.id === target);
    const primitives = group?.members ?? [target];
    if (clone === undefined) return primitives;
    return primitives.flatMap((p) => [...(this.instancesByPrimitive.get(p) ?? [])]);
  }
}

/** The clone containing `primitive` (directly or through its group), or null. */
function cloneOf(config: ClusterConfig, primitive: string): string | null {
  const group = config.groups.find((g) => g.members.includes(primitive));
  const clone = config.clones.find((c) => c.resource === primitive || c.resource === group?.id);
  return clone?.id ?? null;
}
