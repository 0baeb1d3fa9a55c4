import {
  STATE_STOP_FAILED,
  type Entity,
  type Instance,
  type Unit,
  type WorkModel,
} from './working-model.js';

/**
 * Safety holds: units the plan must not touch, decided from status alone before any
 * placement.
 *
 * - Possibly active on an unclean node: it may still run there, so it must not start
 *   anywhere else until the node is fenced or its lease has surely expired.
 * - Stop failed on an online node: it may still run there and only fencing makes that safe;
 *   blocked (no start elsewhere, no retry) until the node is fenced (the leader then marks it
 *   offline and clean) or the failure is cleaned up.
 * - Failed with on-fail=block or on-fail=fence: left as it is.
 * - Possibly active on a maintenance node: left alone there, and not started elsewhere.
 *
 * A hold covers the whole unit (a group moves as one, so one held member holds the group).
 * Every hold except maintenance also holds the unit's dependents: whatever must run with it
 * (colocation score +INFINITY) or after it (mandatory order), transitively. A held unit keeps
 * running where it runs on a reachable node (placement stays there) and gets no actions; if
 * it runs nowhere reachable its placement is null. Every held instance except one running in
 * place on a maintenance node is listed in `unplaced` with the reason.
 *
 * A held clone instance holds only itself: the clone still runs elsewhere, so its dependents
 * keep their other instances to run with.
 */
export function markHolds(model: WorkModel): void {
  const roots: Entity[] = [];
  for (const unit of model.units) {
    // The unit's reason: its first hold that reaches dependents, else its first hold.
    let why = '';
    let whyMember = '';
    let propagates = false;
    for (const member of unit.members) {
      const hold = memberHold(model, member);
      if (hold === null) continue;
      if (why === '' || (hold.propagates && !propagates)) {
        why = hold.why;
        whyMember = member.id;
      }
      if (hold.propagates) propagates = true;
      member.unplacedWhy = hold.propagates ? hold.why : '';
    }
    if (why === '') continue;
    const label = unit.members.length > 1 ? `${whyMember}: ${why}` : why;
    freezeUnit(unit, label, propagates, `held with ${unit.id}: ${label}`);
    if (propagates && unit.entity.kind !== 'clone' && unit.entity.heldWhy === '') {
      unit.entity.heldWhy = `${whyMember}: ${why}`;
      roots.push(unit.entity);
    }
  }
  propagateHolds(roots);
}

interface Hold {
  why: string;
  propagates: boolean;
}

function memberHold(model: WorkModel, member: Instance): Hold | null {
  const nodes = model.nodes;
  if (member.uncleanActive.length > 0) {
    const names = member.uncleanActive.map((n) => nodes[n]!.id).join(', ');
    return { why: `waiting for ${names} to be fenced or its lease to expire`, propagates: true };
  }
  for (const n of member.active) {
    if (member.states[n] !== STATE_STOP_FAILED) continue;
    const id = nodes[n]!.id;
    return {
      why: model.fencingEnabled
        ? `stop failed on ${id}: waiting for ${id} to be fenced`
        : `stop failed on ${id}: blocked until the failure is cleaned up (fencing is disabled)`,
      propagates: true,
    };
  }
  if (member.failedOn.length > 0) {
    const id = nodes[member.failedOn[0]!]!.id;
    if (member.meta.onFail === 'block') {
      return {
        why: `failed on ${id} with on-fail=block: left as it is until the failure is cleaned up`,
        propagates: true,
      };
    }
    if (member.meta.onFail === 'fence') {
      return {
        why: `failed on ${id} with on-fail=fence: waiting for ${id} to be fenced`,
        propagates: true,
      };
    }
  }
  if (member.maintenanceActive.length > 0) {
    const names = member.maintenanceActive.map((n) => nodes[n]!.id).join(', ');
    return { why: `left alone: ${names} in maintenance`, propagates: false };
  }
  return null;
}

/** Freeze `unit` in place; members without a reason of their own get `memberWhy`. */
function freezeUnit(unit: Unit, why: string, propagates: boolean, memberWhy: string): void {
  unit.frozen = true;
  unit.frozenWhy = why;
  unit.holdPropagates = unit.holdPropagates || propagates;
  for (const member of unit.members) {
    member.frozen = true;
    member.target = inPlaceNode(member);
    if (member.unplacedWhy === '' && (member.target === -1 || propagates)) {
      const own = member.maintenanceActive.length > 0 && member.target !== -1;
      if (!own) member.unplacedWhy = memberWhy;
    }
  }
  unit.node = unit.members[0]?.target ?? -1;
}

/** The node where a frozen instance stays: first reachable or maintenance node it runs on. */
function inPlaceNode(member: Instance): number {
  let best = -1;
  for (const n of member.active) if (best === -1 || n < best) best = n;
  for (const n of member.maintenanceActive) if (best === -1 || n < best) best = n;
  return best;
}

function propagateHolds(roots: Entity[]): void {
  const queue = [...roots];
  for (let head = 0; head < queue.length; head++) {
    const entity = queue[head]!;
    const next: { entity: Entity; via: string }[] = [];
    for (const colocation of entity.dependents) {
      if (colocation.score === Infinity) {
        next.push({ entity: colocation.dependent.entity, via: colocation.id });
      }
    }
    for (const order of entity.ordersAsFirst) {
      if (order.mandatory) next.push({ entity: order.then.entity, via: order.id });
    }
    for (const { entity: dependent, via } of next) {
      if (dependent.heldWhy !== '') continue;
      dependent.heldWhy = entity.heldWhy;
      const why = `held: it depends on ${entity.id} (${via}); ${entity.heldWhy}`;
      for (const unit of dependent.units) {
        if (unit.frozen) {
          unit.holdPropagates = true;
          for (const member of unit.members) {
            if (member.target === -1 && member.unplacedWhy === '') member.unplacedWhy = why;
          }
        } else {
          freezeUnit(unit, why, true, why);
        }
      }
      queue.push(dependent);
    }
  }
}
