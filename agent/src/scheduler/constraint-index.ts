import type { ClusterConfig } from '../config/model.js';
import { compareNatural } from './natural-order.js';
import { toInternalScore } from './score-math.js';
import type { PlacementIntent } from './types.js';
import type { WorkModel } from './working-model.js';

/**
 * Attach every constraint to the entities it concerns, so later steps read only the
 * constraints of the resource in hand (never a scan of all constraints per resource: that is
 * what makes Pacemaker quadratic at scale). Constraints are taken in natural id order, so
 * explanations that name "the first ban" are deterministic.
 *
 * Placement intents become preferences: ban = -INFINITY, prefer = +INFINITY on the named
 * node; intents whose `expiresAtMs` is not after `nowMs` are dropped here. Constraints naming
 * an unknown resource or node, and a colocation or order within one entity, are ignored.
 */
export function indexConstraints(
  model: WorkModel,
  config: ClusterConfig,
  intents: readonly PlacementIntent[],
): void {
  // Natural id order; two constraints with one id (invalid) by their whole text.
  const byId = <T extends { id: string }>(items: readonly T[]): T[] =>
    [...items].sort(
      (a, b) => compareNatural(a.id, b.id) || compareNatural(JSON.stringify(a), JSON.stringify(b)),
    );

  for (const location of byId(config.locations)) {
    const ref = model.refs.get(location.resource);
    if (ref === undefined) continue;
    let node = -1;
    if (location.node !== null) {
      const index = model.nodeIndex.get(location.node);
      if (index === undefined) continue;
      node = index;
    }
    ref.entity.prefs.push({
      label: `location ${location.id}`,
      score: toInternalScore(location.score),
      node,
      rules: location.rules,
      position: ref.position,
      matched: null,
    });
  }

  const live = intents
    .filter((intent) => intent.expiresAtMs === null || intent.expiresAtMs > model.nowMs)
    .sort(
      (a, b) =>
        compareNatural(a.resource, b.resource) ||
        compareNatural(a.node, b.node) ||
        compareNatural(a.kind, b.kind),
    );
  for (const intent of live) {
    const ref = model.refs.get(intent.resource);
    const node = model.nodeIndex.get(intent.node);
    if (ref === undefined || node === undefined) continue;
    ref.entity.prefs.push({
      label:
        intent.kind === 'ban' ? `ban intent on ${intent.node}` : `move intent to ${intent.node}`,
      score: intent.kind === 'ban' ? -Infinity : Infinity,
      node,
      rules: [],
      position: ref.position,
      matched: null,
    });
  }

  for (const colocation of byId(config.colocations)) {
    const dependent = model.refs.get(colocation.resource);
    const target = model.refs.get(colocation.with);
    if (dependent === undefined || target === undefined) continue;
    if (dependent.entity === target.entity) continue;
    const resolved = {
      id: colocation.id,
      score: toInternalScore(colocation.score),
      dependent,
      with: target,
    };
    dependent.entity.colocations.push(resolved);
    target.entity.dependents.push(resolved);
  }

  for (const order of byId(config.orders)) {
    const first = model.refs.get(order.first);
    const then = model.refs.get(order.then);
    if (first === undefined || then === undefined) continue;
    if (first.entity === then.entity) continue;
    const resolved = {
      id: order.id,
      first,
      then,
      mandatory: order.kind === 'mandatory',
      symmetrical: order.symmetrical,
    };
    first.entity.ordersAsFirst.push(resolved);
    then.entity.ordersAsThen.push(resolved);
  }
}
