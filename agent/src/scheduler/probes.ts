import {
  NO_RECORD,
  STATE_UNKNOWN,
  type Entity,
  type Instance,
  type WorkModel,
} from './working-model.js';

/**
 * Receives each probe to schedule: run the agent's monitor for `resource` on node `node`, on
 * behalf of a configured primitive instance outside clones (`instance`) or of a clone on that
 * node (`clone`). A callback rather than a list: a cold start has one probe per resource per
 * node.
 */
export type ProbeSink = (
  resource: string,
  node: number,
  instance: Instance | null,
  clone: Entity | null,
) => void;

/**
 * Probes: before anything starts, find out what already runs where the cluster has no record
 * (a node that joined, an agent that restarted, records cleaned up). Only actionable nodes are
 * probed (online, clean, not in maintenance); standby nodes are probed too, since what runs
 * there must be found and stopped.
 *
 * - A primitive outside clones is probed on every actionable node without a record (or with an
 *   explicit `unknown`), and its starts wait for all of those probes.
 * - A clone's instances are interchangeable (anonymous), so a node answers for the clone as a
 *   whole: each member primitive is probed once on a node that has no record of any of its
 *   instances, as the instance placed on that node, else the lowest instance number that is
 *   placed nowhere and recorded nowhere, else a number beyond the clone's size (found running,
 *   it is an orphan and is stopped). Explicit `unknown` records are probed as recorded. A clone
 *   instance starts on a node only after every probe of that clone on that node.
 *
 * Orphans are never probed. Probes come in instance order, then clone order, node order.
 */
export function planProbes(model: WorkModel, emit: ProbeSink): void {
  const actionable = model.nodes.filter((node) => node.actionable);
  const nodeCount = model.nodes.length;
  for (const instance of model.instances) {
    if (instance.unit === null || instance.cloneNo >= 0) continue;
    // Recorded everywhere and never `unknown`: nothing to probe (the common case at scale).
    if (instance.recordedNodes === nodeCount && !hasUnknown(instance)) continue;
    const states = instance.states;
    for (const node of actionable) {
      const code = states[node.index]!;
      if (code === NO_RECORD || code === STATE_UNKNOWN) {
        emit(instance.id, node.index, instance, null);
      }
    }
  }
  const orphansByPrimitive = new Map<string, Instance[]>();
  for (const instance of model.instances) {
    if (instance.unit !== null || instance.id === instance.primitiveId) continue;
    const list = orphansByPrimitive.get(instance.primitiveId) ?? [];
    list.push(instance);
    orphansByPrimitive.set(instance.primitiveId, list);
  }
  for (const entity of model.entities) {
    if (entity.kind !== 'clone' || entity.units.length === 0) continue;
    planCloneProbes(entity, actionable, orphansByPrimitive, emit);
  }
}

function hasUnknown(instance: Instance): boolean {
  for (const n of instance.notStoppedNodes) if (instance.states[n] === STATE_UNKNOWN) return true;
  return false;
}

function planCloneProbes(
  clone: Entity,
  actionable: readonly { index: number }[],
  orphansByPrimitive: Map<string, Instance[]>,
  emit: ProbeSink,
): void {
  const units = clone.units;
  const memberCount = units[0]!.members.length;
  const taken = new Set<number>();
  let beyond = units.length;
  for (const node of actionable) {
    const n = node.index;
    let slot = -1;
    for (let position = 0; position < memberCount; position++) {
      const primitiveId = units[0]!.members[position]!.primitiveId;
      let known = false;
      const unknown: Instance[] = [];
      for (const unit of units) {
        const member = unit.members[position]!;
        const code = member.states[n]!;
        if (code === STATE_UNKNOWN) unknown.push(member);
        else if (code !== NO_RECORD) known = true;
      }
      for (const orphan of orphansByPrimitive.get(primitiveId) ?? []) {
        const code = orphan.states[n]!;
        if (code !== NO_RECORD && code !== STATE_UNKNOWN) known = true;
      }
      for (const member of unknown) {
        emit(member.id, n, null, clone);
      }
      if (known || unknown.length > 0) continue;
      if (slot === -1) {
        slot = chooseSlot(units, n, taken);
        if (slot === -1) slot = beyond++;
        taken.add(slot);
      }
      emit(`${primitiveId}:${slot}`, n, null, clone);
    }
  }
}

/** The instance number to probe a clone as on node `n`, or -1 for one beyond its size. */
function chooseSlot(units: Entity['units'], n: number, taken: Set<number>): number {
  for (const unit of units) if (unit.node === n) return unit.cloneNo;
  for (const unit of units) {
    if (unit.node !== -1 || taken.has(unit.cloneNo)) continue;
    const recorded = unit.members.some(
      (m) => m.active.length > 0 || m.uncleanActive.length > 0 || m.maintenanceActive.length > 0,
    );
    if (!recorded) return unit.cloneNo;
  }
  return -1;
}
