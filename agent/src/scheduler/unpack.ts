import type {
  ClusterConfig,
  CloneDef,
  GroupDef,
  ResourceDef,
  ResourceMeta,
} from '../config/model.js';
import { compareNatural } from './natural-order.js';
import { TypedSlab } from './typed-slab.js';
import type { NodeStatus, SchedulerInput } from './types.js';
import {
  NO_RECORD,
  NONE,
  type Entity,
  type Instance,
  type Unit,
  type WorkModel,
  type WorkNode,
} from './working-model.js';

/**
 * First step of the pipeline: turn the input into the working model. Nodes are sorted by
 * natural id order (duplicates merged, keeping the more cautious flags); every configured
 * resource becomes part of exactly one entity (a clone, a group outside clones, or a primitive
 * outside both); clones are expanded into instances `<primitive>:<n>` and groups into their
 * members. Meta attributes resolve as cluster defaults < primitive < group < clone: an
 * attribute set on a container applies to everything inside it.
 *
 * A clone has at most one instance per node, so it gets min(maxInstances, node count)
 * instances; higher-numbered instances found running are orphans and are stopped.
 *
 * Invalid references (which the loader rejects) are skipped rather than thrown on.
 */
export function unpack(input: SchedulerInput): WorkModel {
  const nodes = unpackNodes(input.nodes);
  const nodeIndex = new Map<string, number>();
  for (const node of nodes) nodeIndex.set(node.id, node.index);
  const model: WorkModel = {
    nowMs: input.nowMs,
    fencingEnabled: input.config.properties.fencingEnabled,
    nodes,
    nodeIndex,
    entities: [],
    units: [],
    instances: [],
    instanceById: new Map(),
    refs: new Map(),
  };
  unpackResources(model, input.config);
  return model;
}

function unpackNodes(statuses: readonly NodeStatus[]): WorkNode[] {
  const byId = new Map<string, NodeStatus>();
  for (const status of statuses) {
    const seen = byId.get(status.id);
    byId.set(
      status.id,
      seen === undefined
        ? status
        : {
            id: status.id,
            online: seen.online && status.online,
            unclean: seen.unclean || status.unclean,
            standby: seen.standby || status.standby,
            maintenance: seen.maintenance || status.maintenance,
            attributes: mergeAttributes(seen.attributes, status.attributes),
          },
    );
  }
  const ids = [...byId.keys()].sort(compareNatural);
  return ids.map((id, index) => {
    const status = byId.get(id)!;
    const actionable = status.online && !status.unclean && !status.maintenance;
    return { id, index, status, actionable, eligible: false, ineligibleWhy: '' };
  });
}

/** Attributes of two entries for one node; on a conflict the smaller value (as text) wins. */
function mergeAttributes(
  a: Record<string, string | number>,
  b: Record<string, string | number>,
): Record<string, string | number> {
  const out = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const seen = out[key];
    if (seen === undefined || String(value) < String(seen)) out[key] = value;
  }
  return out;
}

function unpackResources(model: WorkModel, config: ClusterConfig): void {
  const defaults = config.properties.resourceDefaults;
  const primitives = new Map<string, ResourceDef>();
  for (const def of [...config.resources].sort(byCodeUnits)) {
    if (!primitives.has(def.id)) primitives.set(def.id, def);
  }
  const groups = new Map<string, GroupDef>();
  const groupOf = new Map<string, GroupDef>();
  for (const group of [...config.groups].sort(byCodeUnits)) {
    if (groups.has(group.id) || primitives.has(group.id)) continue;
    groups.set(group.id, group);
    for (const member of group.members) {
      if (primitives.has(member) && !groupOf.has(member)) groupOf.set(member, group);
    }
  }
  const clones = new Map<string, CloneDef>();
  const clonedBy = new Map<string, CloneDef>();
  for (const clone of [...config.clones].sort(byCodeUnits)) {
    if (clones.has(clone.id) || primitives.has(clone.id) || groups.has(clone.id)) continue;
    const target = clone.resource;
    const clonable = groups.has(target) || (primitives.has(target) && !groupOf.has(target));
    if (!clonable || clonedBy.has(target)) continue;
    clones.set(clone.id, clone);
    clonedBy.set(target, clone);
  }

  const entities: Entity[] = [];
  for (const clone of clones.values()) entities.push(newEntity(clone.id, 'clone', null, clone));
  for (const group of groups.values()) {
    if (!clonedBy.has(group.id)) entities.push(newEntity(group.id, 'group', group, null));
  }
  for (const def of primitives.values()) {
    if (!groupOf.has(def.id) && !clonedBy.has(def.id)) {
      entities.push(newEntity(def.id, 'primitive', null, null));
    }
  }
  entities.sort((a, b) => compareNatural(a.id, b.id));

  const nodeCount = model.nodes.length;
  const slabs: Slabs = {
    scores: new TypedSlab((n) => new Float64Array(n), nodeCount),
    states: new TypedSlab((n) => new Int8Array(n), nodeCount, NO_RECORD),
  };
  for (const entity of entities) {
    if (entity.kind === 'primitive') {
      const def = primitives.get(entity.id)!;
      const unit = newUnit(entity, entity.id, -1, slabs);
      addMember(model, slabs, unit, def, def.id, mergeMeta(defaults, def.meta), -1);
      entity.units.push(unit);
      model.refs.set(def.id, { id: def.id, entity, position: -1 });
    } else if (entity.kind === 'group') {
      const group = entity.group!;
      const unit = newUnit(entity, group.id, -1, slabs);
      const members = group.members.filter((m) => groupOf.get(m) === group);
      members.forEach((memberId, position) => {
        const def = primitives.get(memberId)!;
        addMember(model, slabs, unit, def, def.id, mergeMeta(defaults, def.meta, group.meta), -1);
        model.refs.set(def.id, { id: def.id, entity, position });
      });
      entity.units.push(unit);
      model.refs.set(group.id, { id: group.id, entity, position: -1 });
    } else {
      const clone = entity.clone!;
      const group = groups.get(clone.resource) ?? null;
      const memberIds = group
        ? group.members.filter((m) => groupOf.get(m) === group)
        : [clone.resource];
      const wanted = clone.maxInstances ?? nodeCount;
      const count = Math.max(0, Math.min(Math.floor(wanted), nodeCount));
      for (let n = 0; n < count; n++) {
        const unit = newUnit(entity, `${clone.resource}:${n}`, n, slabs);
        for (const memberId of memberIds) {
          const def = primitives.get(memberId)!;
          const meta = mergeMeta(defaults, def.meta, group?.meta, clone.meta);
          addMember(model, slabs, unit, def, `${memberId}:${n}`, meta, n);
        }
        entity.units.push(unit);
      }
      model.refs.set(clone.id, { id: clone.id, entity, position: -1 });
      model.refs.set(clone.resource, { id: clone.resource, entity, position: -1 });
      if (group) {
        memberIds.forEach((memberId, position) =>
          model.refs.set(memberId, { id: memberId, entity, position }),
        );
      }
    }
    let priority = -Infinity;
    for (const unit of entity.units) {
      for (const member of unit.members) priority = Math.max(priority, member.meta.priority);
    }
    if (priority === -Infinity) {
      const def = primitives.get(entity.clone?.resource ?? entity.id);
      const group = groups.get(entity.clone?.resource ?? entity.id);
      priority = mergeMeta(defaults, def?.meta, group?.meta, entity.clone?.meta).priority;
    }
    entity.priority = priority;
    model.entities.push(entity);
    for (const unit of entity.units) model.units.push(unit);
  }
}

interface Slabs {
  scores: TypedSlab<Float64Array>;
  states: TypedSlab<Int8Array>;
}

/**
 * Code-unit order of ids, then of the whole definition: only used so that, of two
 * definitions with one id (which the loader rejects), the same one wins whatever the input
 * order; cheaper than natural order at scale.
 */
function byCodeUnits(a: { id: string }, b: { id: string }): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

function newEntity(
  id: string,
  kind: Entity['kind'],
  group: GroupDef | null,
  clone: CloneDef | null,
): Entity {
  return {
    id,
    kind,
    units: [],
    group,
    clone,
    priority: 0,
    staying: false,
    prefs: [],
    colocations: [],
    dependents: [],
    ordersAsThen: [],
    ordersAsFirst: [],
    decided: false,
    heldWhy: '',
  };
}

function newUnit(entity: Entity, id: string, cloneNo: number, slabs: Slabs): Unit {
  return {
    id,
    entity,
    cloneNo,
    members: [],
    frozen: false,
    frozenWhy: '',
    holdPropagates: false,
    staying: false,
    staticScores: slabs.scores.take(),
    scores: slabs.scores.take(),
    banWhy: [],
    node: -1,
  };
}

function addMember(
  model: WorkModel,
  slabs: Slabs,
  unit: Unit,
  def: ResourceDef,
  id: string,
  meta: ResourceMeta,
  cloneNo: number,
): void {
  const instance = newInstance(id, def.id, def, meta, slabs.states.take());
  instance.unit = unit;
  instance.position = unit.members.length;
  instance.cloneNo = cloneNo;
  unit.members.push(instance);
  model.instanceById.set(id, instance);
}

/**
 * A fresh instance. `states` must be filled with `NO_RECORD`, one element per node. Used for
 * configured instances and, by the status step, for orphans (`def` null, or a cloned
 * primitive's instance beyond the clone's size).
 */
export function newInstance(
  id: string,
  primitiveId: string,
  def: ResourceDef | null,
  meta: ResourceMeta,
  states: Int8Array,
): Instance {
  return {
    id,
    primitiveId,
    def,
    meta,
    unit: null,
    position: 0,
    cloneNo: -1,
    states,
    recordedNodes: 0,
    notStoppedNodes: NONE,
    rawFailures: NONE,
    failures: NONE,
    active: NONE,
    uncleanActive: NONE,
    maintenanceActive: NONE,
    lastKnown: NONE,
    failedOn: NONE,
    notInstalledOn: NONE,
    notRunnableWhy: '',
    bans: null,
    target: -1,
    unplacedWhy: '',
    frozen: false,
    stopNodes: NONE,
    startNode: -1,
    restartCause: '',
    probeIds: NONE,
    stopIds: NONE,
    startId: -1,
  };
}

/**
 * Effective meta attributes: `base` overridden by each defined attribute of `layers`, in
 * order (later layers win). `base` is complete, so the result is too.
 */
export function mergeMeta(
  base: ResourceMeta,
  ...layers: (Partial<ResourceMeta> | undefined)[]
): ResourceMeta {
  const meta: ResourceMeta = { ...base };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer.stickiness !== undefined) meta.stickiness = layer.stickiness;
    if (layer.migrationThreshold !== undefined) meta.migrationThreshold = layer.migrationThreshold;
    if (layer.failureTimeoutMs !== undefined) meta.failureTimeoutMs = layer.failureTimeoutMs;
    if (layer.onFail !== undefined) meta.onFail = layer.onFail;
    if (layer.targetRole !== undefined) meta.targetRole = layer.targetRole;
    if (layer.priority !== undefined) meta.priority = layer.priority;
  }
  return meta;
}
