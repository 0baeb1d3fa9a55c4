import { rulesMatch } from './rules.js';
import { addScore, isAllowedScore, toInternalScore } from './score-math.js';
import type { Instance, PlacementPref, Unit, WorkModel } from './working-model.js';

/**
 * Static scores: every preference of a unit for a node that does not depend on where other
 * resources go. Per node, the sum of
 *
 * - -INFINITY on ineligible nodes (offline, unclean, standby, maintenance);
 * - location constraints and placement intents on the unit's clone, group or primitive
 *   (ban intent -INFINITY, move intent +INFINITY);
 * - for each member: its own location constraints and intents, its stickiness on each node
 *   where it is active, and -INFINITY on each node where its failure count has reached its
 *   migration-threshold (for clone instances the failures of all instances of that primitive
 *   on the node count, as Pacemaker counts an anonymous clone's failures per node);
 * - for each member: -INFINITY on each node where a probe of its primitive (any instance)
 *   found the agent not installed (record `runnable: false`): it cannot run there.
 *
 * A group runs where its first member can; later members' preferences are added only if they
 * leave some node possible (Pacemaker's merge of colocated preferences). So a member that
 * reached migration-threshold moves its whole group when another node can take it, and is
 * left stopped (with the members after it) when none can. Members after one that may not run
 * at all (target-role stopped, on-fail=stop) are not counted.
 *
 * Each member also records the nodes its own preferences ban (`bans`), which the assignment
 * reads when it places the members on the unit's node.
 */
export function computeStaticScores(model: WorkModel): void {
  const nodeCount = model.nodes.length;
  const familyFailures = cloneFailuresByNode(model);
  const notInstalled = notInstalledByPrimitive(model);
  const member = new SparseScores(nodeCount);
  for (const unit of model.units) {
    const scores = unit.staticScores;
    const banWhy = unit.banWhy;
    for (const node of model.nodes) if (!node.eligible) scores[node.index] = -Infinity;
    for (const pref of unit.entity.prefs) {
      if (pref.position !== -1) continue;
      for (const n of matchedNodes(model, pref)) {
        const before = scores[n]!;
        scores[n] = addScore(before, pref.score);
        if (scores[n] === -Infinity && before !== -Infinity) banWhy[n] ??= pref.label;
      }
    }
    let mergeable = true;
    for (const instance of unit.members) {
      if (instance.notRunnableWhy !== '') mergeable = false;
      member.reset();
      addMemberScores(model, unit, instance, familyFailures, member);
      for (const n of notInstalled.get(instance.primitiveId) ?? []) {
        const node = model.nodes[n]!.id;
        member.add(n, -Infinity, `${instance.primitiveId} is not installed on ${node} (probe)`);
      }
      let bans = false;
      for (const n of member.touched) {
        if (member.values[n] !== -Infinity) continue;
        instance.bans ??= new Map();
        instance.bans.set(n, member.why[n] ?? 'score -INFINITY');
        bans = true;
      }
      if (!mergeable || member.touched.length === 0) continue;
      // Only a ban can leave the group nowhere to go.
      if (bans && instance.position > 0 && !allowsSomeNode(model, scores, member)) continue;
      for (const n of member.touched) {
        const before = scores[n]!;
        scores[n] = addScore(before, member.values[n]!);
        if (before !== -Infinity && scores[n] === -Infinity) banWhy[n] ??= member.why[n];
      }
    }
    unit.scores.set(scores);
  }
}

/**
 * One member's scores, sparse: most members touch one node (stickiness where they run), so
 * only touched nodes are visited and reset.
 */
class SparseScores {
  readonly values: Float64Array;
  readonly why: (string | undefined)[] = [];
  touched: number[] = [];
  private readonly marked: Uint8Array;

  constructor(nodeCount: number) {
    this.values = new Float64Array(nodeCount);
    this.marked = new Uint8Array(nodeCount);
  }

  /** Add `score` on node `n`; `label` names a ban. */
  add(n: number, score: number, label: string): void {
    if (this.marked[n] === 0) {
      this.marked[n] = 1;
      this.touched.push(n);
    }
    const before = this.values[n]!;
    this.values[n] = addScore(before, score);
    if (this.values[n] === -Infinity && before !== -Infinity) this.why[n] ??= label;
  }

  reset(): void {
    for (const n of this.touched) {
      this.values[n] = 0;
      this.marked[n] = 0;
      this.why[n] = undefined;
    }
    this.touched = [];
  }
}

/** Add a member's own scores (location, intents, stickiness, failures) to `out`. */
function addMemberScores(
  model: WorkModel,
  unit: Unit,
  member: Instance,
  familyFailures: Map<string, Map<number, number>>,
  out: SparseScores,
): void {
  const suffix = unit.members.length > 1 ? ` (for ${member.id})` : '';
  for (const pref of unit.entity.prefs) {
    if (pref.position !== member.position) continue;
    const label = `${pref.label}${suffix}`;
    for (const n of matchedNodes(model, pref)) out.add(n, pref.score, label);
  }
  const stickiness = toInternalScore(member.meta.stickiness);
  if (stickiness !== 0) {
    for (const n of member.active) out.add(n, stickiness, 'stickiness');
  }
  const threshold = member.meta.migrationThreshold;
  if (threshold > 0) {
    const family = member.cloneNo >= 0 ? familyFailures.get(member.primitiveId) : undefined;
    const counts: [number, number][] = family
      ? [...family.entries()]
      : member.failures.map((f) => [f.node, f.failCount]);
    for (const [n, count] of counts) {
      if (count < threshold) continue;
      const label =
        `${count} failures of ${family ? member.primitiveId : member.id} on ` +
        `${model.nodes[n]!.id} reached migration-threshold ${threshold}`;
      out.add(n, -Infinity, label);
    }
  }
}

/** The nodes `pref` applies to (a named node if its rules match, or every matching node). */
function matchedNodes(model: WorkModel, pref: PlacementPref): number[] {
  if (pref.matched === null) {
    const matched: number[] = [];
    for (const node of model.nodes) {
      if (pref.node !== -1 && pref.node !== node.index) continue;
      if (rulesMatch(pref.rules, node.status.attributes)) matched.push(node.index);
    }
    pref.matched = matched;
  }
  return pref.matched;
}

/** Whether `base` plus the member's scores still allows some eligible node. */
function allowsSomeNode(model: WorkModel, base: Float64Array, extra: SparseScores): boolean {
  for (const node of model.nodes) {
    const n = node.index;
    if (node.eligible && isAllowedScore(addScore(base[n]!, extra.values[n]!))) return true;
  }
  return false;
}

/**
 * The nodes where a probe of some instance of each primitive (orphans included) found its
 * agent not installed: a missing agent is missing for every instance of the primitive.
 */
function notInstalledByPrimitive(model: WorkModel): Map<string, Set<number>> {
  const byPrimitive = new Map<string, Set<number>>();
  for (const instance of model.instances) {
    if (instance.notInstalledOn.length === 0) continue;
    let nodes = byPrimitive.get(instance.primitiveId);
    if (nodes === undefined) {
      nodes = new Set();
      byPrimitive.set(instance.primitiveId, nodes);
    }
    for (const n of instance.notInstalledOn) nodes.add(n);
  }
  return byPrimitive;
}

/**
 * Non-expired failure counts of cloned primitives summed per node over all their instances
 * (orphans included): an anonymous clone fails on a node, not as instance n.
 */
function cloneFailuresByNode(model: WorkModel): Map<string, Map<number, number>> {
  const byPrimitive = new Map<string, Map<number, number>>();
  for (const instance of model.instances) {
    if (instance.failures.length === 0 || instance.id === instance.primitiveId) continue;
    let perNode = byPrimitive.get(instance.primitiveId);
    if (perNode === undefined) {
      perNode = new Map();
      byPrimitive.set(instance.primitiveId, perNode);
    }
    for (const failure of instance.failures) {
      perNode.set(failure.node, (perNode.get(failure.node) ?? 0) + failure.failCount);
    }
  }
  return byPrimitive;
}
