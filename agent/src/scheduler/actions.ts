import { planProbes } from './probes.js';
import { formatScore, isAllowedScore, resolveScore } from './score-math.js';
import type { PlannedAction } from './types.js';
import {
  append,
  STATE_STOP_FAILED,
  type Entity,
  type Instance,
  type Ref,
  type WorkModel,
} from './working-model.js';

/** Why a probe runs (one shared string: cold starts have a probe per resource per node). */
export const PROBE_REASON = 'no record here: find out whether it runs before starting it anywhere';

/**
 * Decide what changes for each instance, comparing where it runs with its target:
 *
 * - runs on its target, healthy: nothing;
 * - runs on its target but failed there: stop there, start there (recover);
 * - runs elsewhere: stop there, start on the target (move: stop, then start);
 * - runs on several nodes at once: stop everywhere, start once on the target (Pacemaker's
 *   default for a multiply-active resource);
 * - target none: stop wherever it runs (standby nodes included; never on maintenance, offline
 *   or unclean nodes, which get no actions).
 *
 * Held instances get nothing. Orphans are stopped where they run, except where their stop
 * failed or their node is unclean (they are listed as blocked instead).
 *
 * Then restarts: mandatory orderings (group members after the previous member, and mandatory
 * order constraints) make whatever must start after an instance that (re)starts restart too,
 * transitively, if it stays where it runs. A clone as `first` does not restart its `then` when
 * one of its instances starts (the clone as a whole keeps running).
 */
export function decideChanges(model: WorkModel): void {
  for (const instance of model.instances) {
    if (instance.frozen) continue;
    if (instance.unit === null) {
      decideOrphan(model, instance);
      continue;
    }
    const target = instance.target;
    const active = instance.active;
    if (active.length > 1) {
      instance.stopNodes = [...active];
      instance.startNode = target;
    } else if (active.length === 1) {
      const at = active[0]!;
      if (at !== target || instance.failedOn.includes(at)) {
        instance.stopNodes = [at];
        instance.startNode = target;
      }
    } else {
      instance.startNode = target;
    }
  }
  propagateRestarts(model);
}

function decideOrphan(model: WorkModel, orphan: Instance): void {
  const blocked: string[] = [];
  for (const n of orphan.active) {
    if (orphan.states[n] === STATE_STOP_FAILED) {
      blocked.push(`stop failed on ${model.nodes[n]!.id}`);
    } else {
      orphan.stopNodes = append(orphan.stopNodes, n);
    }
  }
  if (orphan.uncleanActive.length > 0) {
    const names = orphan.uncleanActive.map((n) => model.nodes[n]!.id).join(', ');
    blocked.push(`waiting for ${names} to be fenced or its lease to expire`);
  }
  if (orphan.maintenanceActive.length > 0) {
    const names = orphan.maintenanceActive.map((n) => model.nodes[n]!.id).join(', ');
    blocked.push(`left alone: ${names} in maintenance`);
  }
  if (blocked.length > 0) orphan.unplacedWhy = `no longer configured; ${blocked.join('; ')}`;
}

/** Every instance covered by `ref` (all members, or one member position, of every unit). */
export function instancesOf(ref: Ref): Instance[] {
  const out: Instance[] = [];
  for (const unit of ref.entity.units) {
    if (ref.position === -1) out.push(...unit.members);
    else if (unit.members[ref.position] !== undefined) out.push(unit.members[ref.position]!);
  }
  return out;
}

function covers(ref: Ref, instance: Instance): boolean {
  return ref.position === -1 || ref.position === instance.position;
}

function propagateRestarts(model: WorkModel): void {
  const queue = model.instances.filter((i) => i.startNode >= 0);
  // Each instance enters the queue at most once more (when it gains a start), so it is bounded.
  for (let head = 0; head < queue.length; head++) {
    const cause = queue[head]!;
    const unit = cause.unit!;
    const successors: { successor: Instance; via: string }[] = [];
    const next = unit.members[cause.position + 1];
    if (next !== undefined) successors.push({ successor: next, via: cause.id });
    if (unit.entity.kind !== 'clone') {
      for (const order of unit.entity.ordersAsFirst) {
        if (!order.mandatory || !covers(order.first, cause)) continue;
        for (const successor of instancesOf(order.then)) {
          successors.push({ successor, via: order.first.id });
        }
      }
    }
    for (const { successor, via } of successors) {
      if (successor.frozen || successor.startNode >= 0 || successor.target < 0) continue;
      successor.stopNodes = [successor.target];
      successor.startNode = successor.target;
      successor.restartCause = via;
      queue.push(successor);
    }
  }
}

/**
 * Turn the decisions into actions with provisional ids (their position in the returned list:
 * probes, then stops, then starts, each in instance and node order) and `after` edges:
 *
 * - a start waits for the instance's stops (a move is stop-then-start) and for its probes
 *   (every probe of a primitive; for a clone instance, every probe of the clone on that node);
 * - group members start after the previous member's start and stop after the next member's
 *   stop (start in order, stop in reverse);
 * - order constraints (mandatory or optional): `then` starts after `first` starts, when both
 *   start in this plan; with `symmetrical`, `first` stops after `then` stops;
 * - a clone instance starts on a node only after every other instance of the same primitive
 *   stopping there has stopped (anonymous instances are one service: a start that overlapped
 *   a stop would succeed and then be undone by it);
 * - anti-affinity (colocation -INFINITY, either side): a start on a node waits for the other
 *   side's stop on that node, so the two never overlap there, not even during the transition.
 *
 * Otherwise colocation orders nothing (as in Pacemaker): it decides where, not when; use a
 * group or an order constraint for "start after". Stops never wait for starts, so these
 * edges cannot close a cycle on their own.
 */
export function buildActions(model: WorkModel): PlannedAction[] {
  const actions: PlannedAction[] = [];
  const nodes = model.nodes;
  const cloneProbes = new Map<Entity, number[][]>();
  planProbes(model, (resource, node, instance, clone) => {
    const id = actions.length;
    actions.push({
      id,
      kind: 'probe',
      resource,
      node: nodes[node]!.id,
      after: [],
      reason: PROBE_REASON,
    });
    if (instance !== null) instance.probeIds = append(instance.probeIds, id);
    if (clone !== null) {
      let perNode = cloneProbes.get(clone);
      if (perNode === undefined) {
        perNode = nodes.map(() => []);
        cloneProbes.set(clone, perNode);
      }
      perNode[node]!.push(id);
    }
  });
  for (const instance of model.instances) {
    for (const n of instance.stopNodes) {
      instance.stopIds = append(instance.stopIds, actions.length);
      actions.push({
        id: actions.length,
        kind: 'stop',
        resource: instance.id,
        node: nodes[n]!.id,
        after: [],
        reason: stopReason(model, instance, n),
      });
    }
  }
  for (const instance of model.instances) {
    if (instance.startNode < 0) continue;
    instance.startId = actions.length;
    actions.push({
      id: actions.length,
      kind: 'start',
      resource: instance.id,
      node: nodes[instance.startNode]!.id,
      after: [],
      reason: startReason(instance),
    });
  }
  const familyStops = new Map<string, number[][]>();
  for (const instance of model.instances) {
    if (instance.id === instance.primitiveId || instance.stopIds.length === 0) continue;
    let perNode = familyStops.get(instance.primitiveId);
    if (perNode === undefined) {
      perNode = nodes.map(() => []);
      familyStops.set(instance.primitiveId, perNode);
    }
    instance.stopNodes.forEach((n, k) => perNode[n]!.push(instance.stopIds[k]!));
  }
  for (const instance of model.instances) addEdges(instance, actions, cloneProbes, familyStops);
  return actions;
}

function addEdges(
  instance: Instance,
  actions: PlannedAction[],
  cloneProbes: Map<Entity, number[][]>,
  familyStops: Map<string, number[][]>,
): void {
  const unit = instance.unit;
  if (unit === null) return;
  const entity = unit.entity;
  if (instance.startId >= 0) {
    const after = actions[instance.startId]!.after;
    after.push(...instance.stopIds, ...instance.probeIds);
    if (entity.kind === 'clone') {
      const probes = cloneProbes.get(entity);
      if (probes !== undefined) after.push(...probes[instance.startNode]!);
      const stops = familyStops.get(instance.primitiveId);
      if (stops !== undefined) after.push(...stops[instance.startNode]!);
    }
    const previous = unit.members[instance.position - 1];
    if (previous !== undefined && previous.startId >= 0) after.push(previous.startId);
    for (const order of entity.ordersAsThen) {
      if (!covers(order.then, instance)) continue;
      for (const first of instancesOf(order.first))
        if (first.startId >= 0) after.push(first.startId);
    }
    for (const colocation of entity.colocations) {
      if (colocation.score === -Infinity) stopsOn(colocation.with, instance.startNode, after);
    }
    for (const colocation of entity.dependents) {
      if (colocation.score === -Infinity) stopsOn(colocation.dependent, instance.startNode, after);
    }
  }
  if (instance.stopIds.length > 0) {
    const waitFor: number[] = [];
    const next = unit.members[instance.position + 1];
    if (next !== undefined) waitFor.push(...next.stopIds);
    for (const order of entity.ordersAsFirst) {
      if (!order.symmetrical || !covers(order.first, instance)) continue;
      for (const then of instancesOf(order.then)) waitFor.push(...then.stopIds);
    }
    if (waitFor.length > 0) for (const id of instance.stopIds) actions[id]!.after.push(...waitFor);
  }
}

/** Push the ids of stops on node `n` of every instance covered by `ref`. */
function stopsOn(ref: Ref, n: number, out: number[]): void {
  for (const other of instancesOf(ref)) {
    const k = other.stopNodes.indexOf(n);
    if (k >= 0) out.push(other.stopIds[k]!);
  }
}

function stopReason(model: WorkModel, instance: Instance, n: number): string {
  const nodes = model.nodes;
  const unit = instance.unit;
  if (unit === null) return instance.notRunnableWhy;
  if (instance.restartCause !== '')
    return `restart: it must start after ${instance.restartCause}, which starts again`;
  if (instance.active.length > 1) {
    return `active on ${instance.active.length} nodes at once: stop everywhere, then start at most once`;
  }
  if (n === instance.target) return `failed on ${nodes[n]!.id}: recover`;
  if (instance.target === -1) return instance.unplacedWhy;
  const node = nodes[n]!;
  if (!node.eligible) return node.ineligibleWhy;
  const here = unit.scores[n]!;
  if (!isAllowedScore(here)) return `${node.id}: ${unit.banWhy[n] ?? 'score -INFINITY'}`;
  const there = resolveScore(unit.scores[instance.target]!);
  return `${nodes[instance.target]!.id} is preferred (score ${formatScore(there)} vs ${formatScore(resolveScore(here))} here)`;
}

function startReason(instance: Instance): string {
  const unit = instance.unit!;
  const score = formatScore(resolveScore(unit.scores[instance.startNode]!));
  if (instance.restartCause !== '')
    return `restart after ${instance.restartCause} starts (score ${score})`;
  if (instance.failedOn.length > 0) return `recover after failure (score ${score})`;
  return `placed here (score ${score})`;
}
