import { INFINITY, type ClusterConfig, type LocationConstraint } from '../config/model.js';
import type { NodeLiveness } from '../liveness/lease-table.js';
import { rulesMatch } from '../scheduler/rules.js';
import { formatScore } from '../scheduler/score-math.js';
import { compareNatural } from '../scheduler/natural-order.js';
import type { Plan } from '../scheduler/types.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';
import type { ExplainReply, NodeScoreView, UnitExplanation } from './admin-messages.js';
import { actionView } from './leader-plan.js';
import { cloneOf, groupOf, primitivesOf, type ResourceRef } from './resource-lookup.js';
import { failureViews, intentView } from './status-view.js';

/** What an explanation is made of. */
export interface ExplainInput {
  doc: Readonly<ClusterStateDoc>;
  ref: ResourceRef;
  /** The leader's current plan. */
  plan: Plan;
  members: string[];
  liveness: Record<string, NodeLiveness> | null;
  nowMs: number;
}

/**
 * Why a resource runs where it runs, or nowhere: the scheduler's final score per node for
 * each unit it places (a primitive, its group, or each clone instance), with what each
 * node's score and eligibility are made of in words (offline, standby, a ban, a location
 * constraint, failures against migration-threshold, stickiness where it runs); the
 * constraints that name it; its bans and moves; its failures; and the plan's pending actions
 * and reasons for it. Pure: everything comes from the plan and the replicated state.
 */
export function buildExplanation(input: ExplainInput): ExplainReply {
  const { doc, ref, plan } = input;
  const config = doc.config;
  const entity = enclosingEntity(config, ref);
  const primitives = primitivesOf(entity, config);
  const instances = instancesIn(plan, primitives);
  const related = new Set([ref.id, entity.id, ...primitives, ...groupIds(config, primitives)]);
  const units = unitIds(plan, entity).map((unit) =>
    unitExplanation(input, unit, primitives, related),
  );
  const intents = doc.intents
    .filter((i) => related.has(i.resource))
    .map((i) => intentView(i, input.nowMs));
  const failures = failureViews(doc).filter((f) => instances.has(f.resource));
  return {
    resource: ref.id,
    kind: ref.kind,
    parent: entity.id === ref.id ? '' : entity.id,
    verdict: verdict(input, entity, units, instances),
    units,
    constraints: constraintTexts(config, related),
    intents,
    failures,
    actions: plan.actions.filter((a) => instances.has(a.resource)).map(actionView),
    summary: plan.summary.filter((line) => instances.has(line.split(' ')[1] ?? '')),
    unplaced: plan.unplaced.filter((u) => instances.has(u.resource)),
  };
}

/** What the scheduler places as a whole: the clone, else the group, else the primitive. */
function enclosingEntity(config: ClusterConfig, ref: ResourceRef): ResourceRef {
  if (ref.kind === 'clone') return ref;
  const base = ref.kind === 'primitive' ? ref.id : ref.group.members[0];
  const clone =
    ref.kind === 'group'
      ? (config.clones.find((c) => c.resource === ref.id) ?? null)
      : base !== undefined
        ? cloneOf(config, base)
        : null;
  if (clone !== null) return { kind: 'clone', id: clone.id, clone };
  if (ref.kind === 'primitive' && ref.group !== null)
    return { kind: 'group', id: ref.group.id, group: ref.group };
  return ref;
}

function groupIds(config: ClusterConfig, primitives: string[]): string[] {
  return primitives.map((p) => groupOf(config, p)?.id).filter((g): g is string => g !== undefined);
}

/** Instance ids of these primitives in the plan (clone instances `p:n` included). */
function instancesIn(plan: Plan, primitives: string[]): Set<string> {
  const out = new Set<string>();
  for (const id of Object.keys(plan.placement)) {
    const base = id.replace(/:\d+$/, '');
    if (primitives.includes(base)) out.add(id);
  }
  for (const p of primitives) out.add(p);
  return out;
}

/** The scheduler's unit ids for an entity (`web`, `web-group`, or `web:0`, `web:1` ...). */
function unitIds(plan: Plan, entity: ResourceRef): string[] {
  if (entity.kind !== 'clone') return plan.scores[entity.id] !== undefined ? [entity.id] : [];
  const cloned = entity.clone.resource;
  return Object.keys(plan.scores)
    .filter((u) => u.startsWith(`${cloned}:`) && /^\d+$/.test(u.slice(cloned.length + 1)))
    .sort(compareNatural);
}

/** The node a unit is placed on: that of its first member instance. */
function unitTarget(plan: Plan, unit: string, primitives: string[]): string {
  const suffix = /:(\d+)$/.exec(unit)?.[1];
  const first = primitives[0] ?? unit;
  const instance = suffix !== undefined ? `${first}:${suffix}` : first;
  return plan.placement[instance] ?? plan.placement[unit] ?? '';
}

function unitExplanation(
  input: ExplainInput,
  unit: string,
  primitives: string[],
  related: Set<string>,
): UnitExplanation {
  const target = unitTarget(input.plan, unit, primitives);
  const scores = input.plan.scores[unit] ?? {};
  const suffix = /:(\d+)$/.exec(unit)?.[0] ?? '';
  const nodes: NodeScoreView[] = input.members.map((node) => {
    const score = scores[node] ?? 0;
    return {
      node,
      score,
      scoreText: formatScore(score),
      chosen: node === target,
      notes: withFallback(
        [...nodeNotes(input, node, primitives, suffix, related), ...cloneNotes(input, unit, node)],
        score,
      ),
    };
  });
  return { unit, target, nodes };
}

/** What one node's score and eligibility for the unit are made of, in words. */
function nodeNotes(
  input: ExplainInput,
  node: string,
  primitives: string[],
  suffix: string,
  related: Set<string>,
): string[] {
  const { doc } = input;
  const notes: string[] = [];
  const verdict = input.liveness?.[node];
  if (verdict === undefined) notes.push('liveness unknown (no leader verdict)');
  else if (verdict === 'suspect')
    notes.push('silent: its lease may still hold, so nothing of it starts elsewhere yet');
  else if (verdict === 'down') notes.push('offline: its lease expired');
  const flags = doc.nodes[node];
  if (flags?.standby === true) notes.push('in standby: runs nothing');
  if (flags?.maintenance === true) notes.push('in maintenance: its resources are left alone');
  for (const intent of doc.intents) {
    if (intent.node !== node || !related.has(intent.resource)) continue;
    const view = intentView(intent, input.nowMs);
    const until = view.expired
      ? 'expired, no longer in effect'
      : intent.expiresAtMs === null
        ? 'until cleared'
        : `until ${new Date(intent.expiresAtMs).toISOString()}`;
    notes.push(
      intent.kind === 'ban'
        ? `banned by clusterctl (${until}): -INFINITY; clusterctl resource clear ${intent.resource}`
        : `preferred by clusterctl move (${until}): +INFINITY`,
    );
  }
  const attributes = flags?.attributes ?? {};
  for (const loc of doc.config.locations) {
    if (!related.has(loc.resource) || !locationApplies(loc, node, attributes)) continue;
    notes.push(`location ${loc.id}: ${formatScore(loc.score)}`);
  }
  for (const p of primitives) {
    const rec = doc.resources[`${p}${suffix}@${node}`];
    if (rec === undefined) continue;
    if (rec.state === 'started') notes.push(`${p}${suffix} runs here (stickiness applies)`);
    if (rec.failCount > 0) {
      const threshold = failureViews(doc).find(
        (f) => f.resource === rec.resource && f.node === node,
      )?.migrationThreshold;
      const banned =
        threshold !== undefined && threshold > 0 && rec.failCount >= threshold
          ? `, reached migration-threshold ${threshold}: banned here until clusterctl resource cleanup ${p}`
          : threshold !== undefined && threshold > 0
            ? ` of migration-threshold ${threshold}`
            : '';
      notes.push(`${rec.failCount} failure(s) of ${p}${suffix}${banned}`);
    }
  }
  return notes;
}

/**
 * For a clone instance: the other instances of the same clone placed on `node` (a node runs
 * at most one instance of a clone).
 */
function cloneNotes(input: ExplainInput, unit: string, node: string): string[] {
  const m = /^(.+):(\d+)$/.exec(unit);
  if (m === null) return [];
  const others = Object.entries(input.plan.placement)
    .filter(([id, at]) => at === node && id.startsWith(`${m[1]}:`) && id !== unit)
    .map(([id]) => id);
  return others.length === 0 ? [] : [`${others.join(', ')} placed here (one instance per node)`];
}

/** A ban with nothing found to explain it still gets a line saying where to look. */
function withFallback(notes: string[], score: number): string[] {
  if (notes.length > 0 || score > -INFINITY) return notes;
  return ['not allowed here by a colocation, an order or an instance limit (see CONSTRAINTS)'];
}

function locationApplies(
  loc: LocationConstraint,
  node: string,
  attributes: Readonly<Record<string, string | number>>,
): boolean {
  return loc.node !== null ? loc.node === node : rulesMatch(loc.rules, attributes);
}

/** Constraints naming the resource, its group or clone, in words. */
function constraintTexts(config: ClusterConfig, related: Set<string>): string[] {
  const out: string[] = [];
  for (const l of config.locations) {
    if (!related.has(l.resource)) continue;
    const where =
      l.node !== null
        ? `node ${l.node}`
        : `nodes where ${l.rules.map((r) => `${r.attribute} ${r.op} ${r.value ?? ''}`.trim()).join(' and ')}`;
    out.push(`location ${l.id}: ${l.resource} on ${where}: ${formatScore(l.score)}`);
  }
  for (const c of config.colocations) {
    if (!related.has(c.resource) && !related.has(c.with)) continue;
    out.push(`colocation ${c.id}: ${c.resource} with ${c.with}: ${formatScore(c.score)}`);
  }
  for (const o of config.orders) {
    if (!related.has(o.first) && !related.has(o.then)) continue;
    const sym = o.symmetrical ? ', symmetrical' : '';
    out.push(`order ${o.id}: ${o.first} then ${o.then} (${o.kind}${sym})`);
  }
  return out;
}

function verdict(
  input: ExplainInput,
  entity: ResourceRef,
  units: UnitExplanation[],
  instances: Set<string>,
): string {
  const { plan } = input;
  const name = entity.id === input.ref.id ? input.ref.id : `${input.ref.id} (in ${entity.id})`;
  const unplaced = plan.unplaced.filter((u) => instances.has(u.resource));
  if (units.length === 0) return `${name} is not known to the scheduler`;
  if (entity.kind === 'clone') {
    const placed = units.filter((u) => u.target !== '');
    const where = placed.map((u) => `${u.unit} on ${u.target}`).join(', ');
    const missing = units.length - placed.length;
    const why = missing > 0 && unplaced[0] !== undefined ? `; ${unplaced[0].reason}` : '';
    return `${name}: ${placed.length} of ${units.length} instances placed${where ? ` (${where})` : ''}${missing > 0 ? `, ${missing} not${why}` : ''}`;
  }
  const unit = units[0]!;
  if (unit.target === '') {
    const why = unplaced[0]?.reason ?? 'no node has a score above -INFINITY';
    return `${name} runs nowhere: ${why}`;
  }
  const chosen = unit.nodes.find((n) => n.chosen);
  const score = chosen !== undefined ? ` (score ${chosen.scoreText}, the highest allowed)` : '';
  return `${name} is placed on ${unit.target}${score}`;
}
