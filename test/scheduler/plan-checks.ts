import { INFINITY } from '../../agent/src/config/model.js';
import type { Plan, ResourceState, SchedulerInput } from '../../agent/src/scheduler/types.js';

// The scheduler's safety promises, checked from outside: these functions read only the input
// and the plan, never the scheduler's internals, so they state the contract independently.

/** Nodes where `resource` may be active according to the input alone. */
function possiblyActive(input: SchedulerInput, resource: string): Map<string, ResourceState> {
  const out = new Map<string, ResourceState>();
  for (const rec of input.status) {
    if (rec.resource !== resource) continue;
    const n = input.nodes.find((x) => x.id === rec.node)!;
    const risky =
      rec.state === 'started' ||
      rec.state === 'failed' ||
      rec.state === 'stop-failed' ||
      (rec.state === 'unknown' && (n.unclean || (n.online && n.maintenance)));
    if (risky && (n.online || n.unclean)) out.set(rec.node, rec.state);
  }
  return out;
}

function ancestors(plan: Plan, id: number): Set<number> {
  const seen = new Set<number>();
  const stack = [...plan.actions[id]!.after];
  while (stack.length > 0) {
    const a = stack.pop()!;
    if (seen.has(a)) continue;
    seen.add(a);
    stack.push(...plan.actions[a]!.after);
  }
  return seen;
}

/**
 * Throw, naming the broken rule, unless `plan` keeps every safety rule for `input`: an
 * executable graph (ids are positions, `after` points backwards), no action on offline,
 * unclean or maintenance nodes, at most one start per instance and only on an eligible node
 * that matches the placement, no start of what may be active on an unclean node, a
 * maintenance node or where its stop failed, a stop before the start wherever it may be
 * active, probes before starts, one node per instance and one instance per clone per node
 * after the plan, no start of what depends on a held primitive, and group members started
 * next to the member before them.
 */
export function checkPlan(input: SchedulerInput, plan: Plan): void {
  const nodeById = new Map(input.nodes.map((n) => [n.id, n]));
  // The graph: ids are positions, `after` points backwards, sorted, no duplicates.
  plan.actions.forEach((a, i) => {
    if (a.id !== i) throw new Error(`action ${i} has id ${a.id}`);
    a.after.forEach((p, j) => {
      if (!(p < i)) throw new Error(`action ${i} waits for a later action ${p}`);
      if (j > 0 && !(a.after[j - 1]! < p)) throw new Error(`action ${i} after list not sorted`);
    });
    const node = nodeById.get(a.node)!;
    if (!node.online || node.unclean || node.maintenance) {
      throw new Error(`${a.kind} ${a.resource} on ${a.node}, which takes no actions`);
    }
  });
  const starts = plan.actions.filter((a) => a.kind === 'start');
  const startCount = new Map<string, number>();
  for (const s of starts) startCount.set(s.resource, (startCount.get(s.resource) ?? 0) + 1);
  for (const [resource, count] of startCount) {
    if (count > 1) throw new Error(`${resource} started ${count} times`);
  }
  const stopped = new Set(
    input.config.resources.filter((d) => d.meta.targetRole === 'stopped').map((d) => d.id),
  );
  for (const start of starts) {
    const node = nodeById.get(start.node)!;
    if (!node.online || node.unclean || node.standby || node.maintenance) {
      throw new Error(`${start.resource} started on ineligible ${start.node}`);
    }
    if (plan.placement[start.resource] !== start.node) {
      throw new Error(`${start.resource} started on ${start.node} but placed elsewhere`);
    }
    const base = start.resource.split(':')[0]!;
    if (stopped.has(base)) throw new Error(`${start.resource} has target-role stopped`);
    const before = ancestors(plan, start.id);
    // Never active twice: wherever it may be active, it is stopped first, and never started
    // while it may run on an unclean node or where its stop failed, or on a maintenance node.
    for (const [where, state] of possiblyActive(input, start.resource)) {
      const n = nodeById.get(where)!;
      if (n.unclean) throw new Error(`${start.resource} may run on unclean ${where}`);
      if (n.maintenance) throw new Error(`${start.resource} runs on maintenance ${where}`);
      if (state === 'stop-failed') throw new Error(`${start.resource} stop-failed on ${where}`);
      const stop = plan.actions.find(
        (a) => a.kind === 'stop' && a.resource === start.resource && a.node === where,
      );
      if (stop === undefined || !before.has(stop.id)) {
        throw new Error(`${start.resource} starts on ${start.node} without stopping on ${where}`);
      }
    }
    // Probes: every actionable node without a record of it is probed before it starts
    // (for a clone instance: the start node, if it knows nothing of any instance).
    const isCloneInstance = start.resource.includes(':');
    for (const n of input.nodes) {
      if (!n.online || n.unclean || n.maintenance) continue;
      if (isCloneInstance && n.id !== start.node) continue;
      const known = input.status.some(
        (r) =>
          r.node === n.id &&
          r.state !== 'unknown' &&
          (isCloneInstance ? r.resource.startsWith(`${base}:`) : r.resource === start.resource),
      );
      if (known) continue;
      const probed = [...before].some((id) => {
        const a = plan.actions[id]!;
        return (
          a.kind === 'probe' &&
          a.node === n.id &&
          (isCloneInstance ? a.resource.startsWith(`${base}:`) : a.resource === start.resource)
        );
      });
      if (!probed) throw new Error(`${start.resource} starts before a probe on ${n.id}`);
    }
  }
  // After the plan, every instance it starts runs on exactly one node, and no node runs two
  // instances of one clone where the plan starts one.
  const finalActive = new Map<string, Set<string>>();
  const ids = new Set(input.status.map((r) => r.resource));
  for (const id of ids) finalActive.set(id, new Set(possiblyActive(input, id).keys()));
  for (const a of plan.actions) {
    if (a.kind === 'stop') finalActive.get(a.resource)?.delete(a.node);
  }
  for (const s of starts) {
    const set = finalActive.get(s.resource) ?? new Set<string>();
    set.add(s.node);
    finalActive.set(s.resource, set);
    if (set.size !== 1) throw new Error(`${s.resource} ends active on ${[...set].join(', ')}`);
  }
  for (const s of starts) {
    if (!s.resource.includes(':')) continue;
    const base = s.resource.split(':')[0]!;
    const here = [...finalActive].filter(
      ([id, nodes]) => id.startsWith(`${base}:`) && nodes.has(s.node),
    );
    if (here.length > 1) {
      throw new Error(`${here.map(([id]) => id).join(', ')} all end active on ${s.node}`);
    }
  }
  // Held dependents: nothing colocated (INFINITY) with, or ordered (mandatory) after, a
  // primitive that may run on an unclean node starts.
  const heldPrimitives = new Set(
    input.config.resources
      .map((d) => d.id)
      .filter((id) => [...possiblyActive(input, id).keys()].some((n) => nodeById.get(n)!.unclean)),
  );
  const dependents = [
    ...input.config.colocations
      .filter((c) => c.score >= INFINITY && heldPrimitives.has(c.with))
      .map((c) => c.resource),
    ...input.config.orders
      .filter((o) => o.kind === 'mandatory' && heldPrimitives.has(o.first))
      .map((o) => o.then),
  ];
  for (const dependent of dependents) {
    if (heldPrimitives.has(dependent)) continue;
    const members = input.config.groups.find((g) => g.id === dependent)?.members ?? [dependent];
    for (const s of starts) {
      if (members.includes(s.resource.split(':')[0]!)) {
        throw new Error(`${s.resource} starts although it depends on held ${dependent}`);
      }
    }
  }
  // Group members start on the node of the member before them.
  for (const g of input.config.groups) {
    for (let i = 1; i < g.members.length; i++) {
      for (const s of starts) {
        const [base, n] = s.resource.split(':');
        if (base !== g.members[i]) continue;
        const previous = n === undefined ? g.members[i - 1]! : `${g.members[i - 1]}:${n}`;
        if (plan.placement[previous] !== s.node) {
          throw new Error(`${s.resource} starts on ${s.node} without ${previous} there`);
        }
      }
    }
  }
}

/** The same input with every array reversed (the plan must not change). */
export function reversed(input: SchedulerInput): SchedulerInput {
  const c = input.config;
  return {
    ...input,
    config: {
      properties: c.properties,
      resources: [...c.resources].reverse(),
      groups: [...c.groups].reverse(),
      clones: [...c.clones].reverse(),
      locations: [...c.locations].reverse(),
      colocations: [...c.colocations].reverse(),
      orders: [...c.orders].reverse(),
    },
    nodes: [...input.nodes].reverse(),
    status: [...input.status].reverse(),
    intents: [...input.intents].reverse(),
  };
}
