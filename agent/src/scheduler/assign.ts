import { applyColocations, mergeDependents, nodesOf } from './colocation.js';
import { explainNoNode } from './explain.js';
import { isAllowedScore, resolveScore } from './score-math.js';
import {
  STATE_STOP_FAILED,
  type Entity,
  type Instance,
  type Unit,
  type WorkModel,
} from './working-model.js';

/**
 * Assignment: choose one node (or none) for every unit.
 *
 * Order: entities by priority (highest first), then those that can stay where they run (on an
 * eligible node their static scores allow) before the others (so a lost node's resources are
 * spread over the load of everything that stays, and a moving clone instance does not take
 * the node of one that stays), then natural id order. Before an entity, everything it depends
 * on is placed first: what it is colocated with, and what must start before it (mandatory
 * orders), depth first; a dependency cycle is cut where it closes (that constraint is
 * ignored). A clone places its held instances first, then those that can stay, then the
 * rest, by number.
 *
 * A unit goes to the eligible node with the highest score above -INFINITY; ties go to the node
 * with the fewest primitives assigned so far (so resources spread), then to the first node in
 * natural id order. A clone never gets two instances on one node; a unit never gets two
 * nodes. A unit whose first member may not run, or that must start after something not
 * running (mandatory order), is not placed. Held units stay where they are.
 *
 * Each instance ends with `target` (-1: stopped) and, if not placed, `unplacedWhy`.
 */
export function assignAll(model: WorkModel): void {
  const nodeCount = model.nodes.length;
  const load = new Int32Array(nodeCount);
  for (const unit of model.units) {
    unit.staying = unit.members.some((m) =>
      m.active.some((n) => model.nodes[n]!.eligible && isAllowedScore(unit.staticScores[n]!)),
    );
    if (unit.staying) unit.entity.staying = true;
    if (unit.frozen) for (const m of unit.members) if (m.target >= 0) load[m.target]!++;
  }
  const orphans = new Map<string, Instance[]>();
  for (const instance of model.instances) {
    if (instance.unit !== null || instance.id === instance.primitiveId) continue;
    const list = orphans.get(instance.primitiveId) ?? [];
    list.push(instance);
    orphans.set(instance.primitiveId, list);
  }
  // model.entities is in natural id order and sort is stable: ties keep that order.
  const order = [...model.entities].sort(
    (a, b) => b.priority - a.priority || Number(b.staying) - Number(a.staying),
  );
  const rank = new Map<Entity, number>();
  order.forEach((entity, i) => rank.set(entity, i));
  const visited = new Set<Entity>();
  for (const root of order) {
    if (visited.has(root)) continue;
    visited.add(root);
    const stack: { entity: Entity; next: number; needs: Entity[] }[] = [
      { entity: root, next: 0, needs: prerequisites(root, rank) },
    ];
    // Each entity is pushed at most once, so the loop is bounded by twice the entity count.
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.needs.length) {
        const need = top.needs[top.next++]!;
        if (visited.has(need)) continue;
        visited.add(need);
        stack.push({ entity: need, next: 0, needs: prerequisites(need, rank) });
        continue;
      }
      stack.pop();
      placeEntity(model, top.entity, load, orphans);
    }
  }
}

/** What must be placed before `entity`, in assignment order. */
function prerequisites(entity: Entity, rank: Map<Entity, number>): Entity[] {
  if (entity.colocations.length === 0 && entity.ordersAsThen.length === 0) return [];
  const needs = new Set<Entity>();
  for (const colocation of entity.colocations) needs.add(colocation.with.entity);
  for (const order of entity.ordersAsThen) if (order.mandatory) needs.add(order.first.entity);
  return [...needs].sort((a, b) => rank.get(a)! - rank.get(b)!);
}

function placeEntity(
  model: WorkModel,
  entity: Entity,
  load: Int32Array,
  orphans: Map<string, Instance[]>,
): void {
  if (entity.kind !== 'clone') {
    assignUnit(model, entity.units[0]!, load, null);
  } else {
    const used = new Uint8Array(model.nodes.length);
    // An orphan instance whose stop failed still occupies its node (one that will be stopped
    // does not: starts there wait for its stop).
    for (const member of entity.units[0]?.members ?? []) {
      for (const orphan of orphans.get(member.primitiveId) ?? []) {
        for (const n of orphan.active) if (orphan.states[n] === STATE_STOP_FAILED) used[n] = 1;
      }
    }
    const units = [...entity.units].sort(
      (a, b) =>
        Number(b.frozen) - Number(a.frozen) ||
        Number(b.staying) - Number(a.staying) ||
        a.cloneNo - b.cloneNo,
    );
    for (const unit of units) {
      if (unit.frozen) {
        // A held instance occupies every node where it may run, not only its placement.
        for (const member of unit.members) {
          for (const n of member.active) used[n] = 1;
          for (const n of member.maintenanceActive) used[n] = 1;
        }
        continue;
      }
      assignUnit(model, unit, load, used);
    }
  }
  entity.decided = true;
}

function assignUnit(
  model: WorkModel,
  unit: Unit,
  load: Int32Array,
  cloneUsed: Uint8Array | null,
): void {
  if (unit.frozen) return;
  const members = unit.members;
  const first = members[0];
  if (first === undefined) return;
  if (first.notRunnableWhy !== '') {
    for (const member of members) {
      member.unplacedWhy =
        member.notRunnableWhy !== ''
          ? member.notRunnableWhy
          : `${first.id} before it in ${unit.id} does not run: ${first.notRunnableWhy}`;
    }
    return;
  }
  const blocked = orderBlock(unit);
  if (blocked !== null && blocked.from === 0) {
    for (const member of members) member.unplacedWhy = blocked.why;
    return;
  }

  const scores = unit.scores;
  scores.set(unit.staticScores);
  const banWhy = unit.banWhy.slice();
  mergeDependents(model, unit, scores, banWhy);
  applyColocations(model, unit, scores, banWhy);
  if (cloneUsed !== null) {
    for (let n = 0; n < cloneUsed.length; n++) {
      if (cloneUsed[n] === 0 || scores[n] === -Infinity) continue;
      scores[n] = -Infinity;
      banWhy[n] ??= `${unit.entity.id} already has an instance here (one per node)`;
    }
  }
  unit.banWhy = banWhy;

  let best = -1;
  let bestScore = 0;
  for (const node of model.nodes) {
    const n = node.index;
    if (!node.eligible || !isAllowedScore(scores[n]!)) continue;
    const score = resolveScore(scores[n]!);
    if (best === -1 || score > bestScore || (score === bestScore && load[n]! < load[best]!)) {
      best = n;
      bestScore = score;
    }
  }
  if (best === -1) {
    const why = explainNoNode(model, scores, banWhy);
    for (const member of members) {
      member.unplacedWhy = members.length > 1 ? why.replace(' it:', ` ${unit.id}:`) : why;
    }
    return;
  }

  const nodeId = model.nodes[best]!.id;
  let previous = '';
  for (const member of members) {
    if (previous !== '') {
      member.unplacedWhy = previous;
      continue;
    }
    if (blocked !== null && member.position >= blocked.from) {
      member.unplacedWhy = blocked.why;
    } else if (member.notRunnableWhy !== '') {
      member.unplacedWhy = member.notRunnableWhy;
    } else if (member.bans?.has(best)) {
      member.unplacedWhy = `cannot run on ${nodeId} with ${unit.id}: ${member.bans.get(best)}`;
    } else {
      member.target = best;
      load[best]!++;
      continue;
    }
    previous = `${member.id} before it in ${unit.id} is not running`;
  }
  unit.node = best;
  if (cloneUsed !== null) cloneUsed[best] = 1;
}

/**
 * The first member position that must start after something that does not run (a mandatory
 * order whose `first` placed nothing), with the reason; null when none.
 */
function orderBlock(unit: Unit): { from: number; why: string } | null {
  let result: { from: number; why: string } | null = null;
  for (const order of unit.entity.ordersAsThen) {
    if (!order.mandatory) continue;
    const firstNodes = nodesOf(order.first);
    if (firstNodes === null || firstNodes.length > 0) continue;
    const from = Math.max(0, order.then.position);
    if (result === null || from < result.from) {
      result = {
        from,
        why: `must start after ${order.first.id} (${order.id}), which is not running`,
      };
    }
  }
  return result;
}
