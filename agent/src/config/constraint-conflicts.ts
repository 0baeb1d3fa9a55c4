import type { ConfigPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import { enclosingClone, type ConfigOutline, type OutlineConstraint } from './config-outline.js';
import { quote } from './describe-value.js';
import { INFINITY } from './model.js';
import { parseScore } from './score.js';

/**
 * Constraint combinations that can never be satisfied, found without knowing the nodes:
 *
 * - colocation: two resources kept apart by a -INFINITY colocation while +INFINITY
 *   colocations and group membership (a group's members share a node) tie them together;
 * - location: one resource both required on (+INFINITY) and banned from (-INFINITY) the same
 *   named node;
 * - order: a cycle of mandatory orders (group members count as ordered, in list order), in
 *   which nothing could ever start.
 *
 * Constraints with other problems (unknown ids, a bad score, a resource inside a clone) are
 * left out: those problems are reported on their own.
 *
 * @param lineOf the line of a path, to point at the other half of a conflict
 */
export function checkConstraintConflicts(
  outline: ConfigOutline,
  lineOf: (path: ConfigPath) => number,
): ConfigProblem[] {
  return [
    ...colocationConflicts(outline),
    ...locationConflicts(outline, lineOf),
    ...orderCycles(outline),
  ];
}

/** A labelled edge of a constraint graph. */
interface Edge {
  to: string;
  /** e.g. `colocation "together", +INFINITY` or `group "storage"`. */
  label: string;
}

/** Two distinct ids of resources or groups that are not inside a clone, or undefined. */
function pairOf(outline: ConfigOutline, c: OutlineConstraint, ...allowed: string[]) {
  if (c.refs.length !== 2) return undefined;
  const [a, b] = c.refs.map((r) => r.id);
  const ok = (id: string): boolean =>
    allowed.includes(outline.kindOf.get(id) ?? '') && enclosingClone(outline, id) === undefined;
  return a !== b && ok(a) && ok(b) ? ([a, b] as const) : undefined;
}

function scoreOf(c: OutlineConstraint): number | undefined {
  const parsed = parseScore(c.fields.score);
  return parsed.ok ? parsed.value : undefined;
}

function constraintName(kind: string, c: OutlineConstraint): string {
  return c.id === undefined ? `this ${kind}` : `${kind} ${quote(c.id)}`;
}

function addEdge(graph: Map<string, Edge[]>, from: string, edge: Edge): void {
  const list = graph.get(from);
  if (list === undefined) graph.set(from, [edge]);
  else list.push(edge);
}

/** Shortest path of edges from `from` to `to` (breadth-first), or undefined. */
function findPath(
  graph: Map<string, Edge[]>,
  from: string,
  to: string,
): { from: string; edge: Edge }[] | undefined {
  const cameFrom = new Map<string, { from: string; edge: Edge }>();
  const queue = [from];
  const seen = new Set([from]);
  for (let i = 0; i < queue.length; i += 1) {
    const at = queue[i];
    if (at === to) break;
    for (const edge of graph.get(at) ?? []) {
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      cameFrom.set(edge.to, { from: at, edge });
      queue.push(edge.to);
    }
  }
  if (!seen.has(to) || from === to) return undefined;
  const steps: { from: string; edge: Edge }[] = [];
  for (let at = to; at !== from;) {
    const step = cameFrom.get(at);
    if (step === undefined) return undefined;
    steps.unshift(step);
    at = step.from;
  }
  return steps;
}

/** The members of each group that really belong to it (first group wins, primitives only). */
function groupMembers(outline: ConfigOutline): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const group of outline.groups) {
    if (group.id === undefined || members.has(group.id)) continue;
    if (outline.kindOf.get(group.id) !== 'group') continue;
    const id = group.id;
    members.set(
      id,
      [...new Set(group.members.map((m) => m.id))].filter((m) => outline.groupOf.get(m) === id),
    );
  }
  return members;
}

function colocationConflicts(outline: ConfigOutline): ConfigProblem[] {
  // Undirected "same node" graph: +INFINITY colocations and group membership.
  const together = new Map<string, Edge[]>();
  for (const [group, members] of groupMembers(outline)) {
    for (const m of members) {
      const label = `group ${quote(group)}`;
      addEdge(together, group, { to: m, label });
      addEdge(together, m, { to: group, label });
    }
  }
  for (const c of outline.colocations) {
    const pair = pairOf(outline, c, 'resource', 'group');
    const score = scoreOf(c);
    if (pair === undefined || score === undefined || score < INFINITY) continue;
    const label = `${constraintName('colocation', c)}, +INFINITY`;
    addEdge(together, pair[0], { to: pair[1], label });
    addEdge(together, pair[1], { to: pair[0], label });
  }
  const problems: ConfigProblem[] = [];
  for (const c of outline.colocations) {
    const pair = pairOf(outline, c, 'resource', 'group');
    const score = scoreOf(c);
    if (pair === undefined || score === undefined || score > -INFINITY) continue;
    const [a, b] = pair;
    const steps = findPath(together, a, b);
    if (steps === undefined) continue;
    const chain = steps.map((s) => `${quote(s.from)} with ${quote(s.edge.to)} (${s.edge.label})`);
    problems.push({
      path: [...c.path, 'score'],
      message: `${constraintName('colocation', c)} keeps ${quote(a)} away from ${quote(b)} (-INFINITY), but they must share a node: ${chain.join(', ')}`,
    });
  }
  return problems;
}

function locationConflicts(
  outline: ConfigOutline,
  lineOf: (path: ConfigPath) => number,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, { required?: OutlineConstraint; banned?: OutlineConstraint }>();
  for (const c of outline.locations) {
    const { node, rules } = c.fields;
    const resource = c.refs[0]?.id;
    const score = scoreOf(c);
    if (typeof node !== 'string' || resource === undefined || score === undefined) continue;
    if (Array.isArray(rules) && rules.length > 0) continue;
    if (score > -INFINITY && score < INFINITY) continue;
    const key = JSON.stringify([resource, node]);
    const entry = seen.get(key) ?? {};
    seen.set(key, entry);
    const required = score >= INFINITY;
    const other = required ? entry.banned : entry.required;
    if (other === undefined) {
      if (required) entry.required ??= c;
      else entry.banned ??= c;
      continue;
    }
    const otherLine = `line ${lineOf(other.path)}`;
    problems.push({
      path: [...c.path, 'score'],
      message: required
        ? `${constraintName('location', c)} requires ${quote(resource)} on node ${quote(node)} (+INFINITY), but ${constraintName('location', other)} (${otherLine}) bans it from there (-INFINITY)`
        : `${constraintName('location', c)} bans ${quote(resource)} from node ${quote(node)} (-INFINITY), but ${constraintName('location', other)} (${otherLine}) requires it there (+INFINITY)`,
    });
  }
  return problems;
}

function orderCycles(outline: ConfigOutline): ConfigProblem[] {
  // Directed "starts before" graph: mandatory orders and group member order.
  const before = new Map<string, Edge[]>();
  for (const [group, members] of groupMembers(outline)) {
    for (let i = 1; i < members.length; i += 1) {
      addEdge(before, members[i - 1], { to: members[i], label: `group ${quote(group)}` });
    }
  }
  const orders: { c: OutlineConstraint; from: string; edge: Edge }[] = [];
  for (const c of outline.orders) {
    const kind = c.fields.kind;
    if (kind !== undefined && kind !== 'mandatory') continue;
    const pair = pairOf(outline, c, 'resource', 'group', 'clone');
    if (pair === undefined) continue;
    const edge = { to: pair[1], label: constraintName('order', c) };
    addEdge(before, pair[0], edge);
    orders.push({ c, from: pair[0], edge });
  }
  // Report each cycle once, on the last order (in the file) that closes it.
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  for (const { c, from, edge } of orders.reverse()) {
    const back = findPath(before, edge.to, from);
    if (back === undefined) continue;
    const steps = [{ from, edge }, ...back];
    const signature = JSON.stringify(steps.map((s) => s.from).sort());
    if (reported.has(signature)) continue;
    reported.add(signature);
    const chain = steps.map((s) => ` → ${quote(s.edge.to)} (${s.edge.label})`).join('');
    problems.push({
      path: c.path,
      message: `mandatory orders form a cycle, so nothing in it can ever start: ${quote(from)}${chain}`,
    });
  }
  return problems;
}
