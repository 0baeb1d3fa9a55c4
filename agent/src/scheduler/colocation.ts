import { INFINITY } from '../config/model.js';
import { addScore, isAllowedScore, scaleScore } from './score-math.js';
import type { Entity, Ref, Unit, WorkModel } from './working-model.js';

/**
 * Colocation during assignment. A unit is placed after everything it is colocated with
 * (`with`), so the `with` side's nodes are known:
 *
 * - score +INFINITY: every node where `with` does not run becomes -INFINITY (if `with` runs
 *   nowhere, the unit cannot run). The `with` node itself gains nothing, so stickiness still
 *   decides among several (a clone's nodes).
 * - score -INFINITY (anti-affinity): every node where `with` runs becomes -INFINITY.
 * - a finite score is added on every node where `with` runs (negative repels).
 *
 * A colocation naming a group member applies to the member's whole group, which runs on one
 * node. A colocation whose `with` is not decided yet (a cycle of colocations) is ignored.
 */
export function applyColocations(
  model: WorkModel,
  unit: Unit,
  scores: Float64Array,
  banWhy: (string | undefined)[],
): void {
  for (const colocation of unit.entity.colocations) {
    const withNodes = nodesOf(colocation.with);
    if (withNodes === null) continue;
    const target = colocation.with.id;
    if (colocation.score === Infinity) {
      const where =
        withNodes.length === 0
          ? 'which is not running'
          : `which runs on ${withNodes.map((n) => model.nodes[n]!.id).join(', ')}`;
      for (let n = 0; n < scores.length; n++) {
        if (withNodes.includes(n) || scores[n] === -Infinity) continue;
        scores[n] = -Infinity;
        banWhy[n] ??= `must run with ${target} (${colocation.id}), ${where}`;
      }
    } else if (colocation.score === -Infinity) {
      for (const n of withNodes) {
        if (scores[n] === -Infinity) continue;
        scores[n] = -Infinity;
        banWhy[n] ??= `must not run with ${target} (${colocation.id}), which runs here`;
      }
    } else {
      for (const n of withNodes) scores[n] = addScore(scores[n]!, colocation.score);
    }
  }
}

/**
 * Nodes where `ref` runs after assignment (a group runs where its first member runs; a clone
 * where any instance runs), sorted; null while it is not decided.
 */
export function nodesOf(ref: Ref): number[] | null {
  if (!ref.entity.decided) return null;
  const nodes: number[] = [];
  for (const unit of ref.entity.units) {
    const member = unit.members[ref.position === -1 ? 0 : ref.position];
    if (member !== undefined && member.target >= 0 && !nodes.includes(member.target)) {
      nodes.push(member.target);
    }
  }
  return nodes.sort((a, b) => a - b);
}

/** How deep merged preferences reach along chains of colocations. */
const MERGE_DEPTH_MAX = 4;

/**
 * Pacemaker's merge of colocated preferences: before placing a (non-clone) unit, add the
 * static scores of the units that must follow it (positive colocations whose dependent is
 * not placed yet), scaled by score/INFINITY, so that `web with db` plus `web prefers node2`
 * puts both on node2 rather than dragging web to wherever db happened to go; and a dependent
 * banned from db's node (failures, a ban) moves db too. A dependent's scores are merged only
 * if some node remains possible: a dependent that can run nowhere never stops what it depends
 * on. Chains are followed up to `MERGE_DEPTH_MAX` levels.
 */
export function mergeDependents(
  model: WorkModel,
  unit: Unit,
  scores: Float64Array,
  banWhy: (string | undefined)[],
): void {
  if (unit.entity.kind === 'clone' || unit.entity.dependents.length === 0) return;
  const visited = new Set<Entity>([unit.entity]);
  const queue: { entity: Entity; factor: number; depth: number }[] = [
    { entity: unit.entity, factor: 1, depth: 0 },
  ];
  let trial: Float64Array | null = null;
  for (let head = 0; head < queue.length; head++) {
    const { entity, factor, depth } = queue[head]!;
    for (const colocation of entity.dependents) {
      if (!(colocation.score > 0)) continue;
      const dependent = colocation.dependent.entity;
      if (dependent.kind === 'clone' || dependent.decided || visited.has(dependent)) continue;
      const dependentUnit = dependent.units[0];
      if (dependentUnit === undefined || dependentUnit.frozen) continue;
      if (dependentUnit.members[0]!.notRunnableWhy !== '') continue;
      const scale = factor * Math.min(1, colocation.score / INFINITY);
      trial ??= new Float64Array(scores.length);
      let allowed = false;
      for (let n = 0; n < scores.length; n++) {
        trial[n] = addScore(scores[n]!, scaleScore(dependentUnit.staticScores[n]!, scale));
        if (!allowed && model.nodes[n]!.eligible && isAllowedScore(trial[n]!)) allowed = true;
      }
      visited.add(dependent);
      if (!allowed) continue;
      for (let n = 0; n < scores.length; n++) {
        if (scores[n] !== -Infinity && trial[n] === -Infinity) {
          banWhy[n] ??=
            `${dependent.id} must run with it (${colocation.id}) and cannot run here: ${dependentUnit.banWhy[n] ?? 'score -INFINITY'}`;
        }
        scores[n] = trial[n]!;
      }
      if (depth + 1 < MERGE_DEPTH_MAX)
        queue.push({ entity: dependent, factor: scale, depth: depth + 1 });
    }
  }
}
