import fc from 'fast-check';
import { INFINITY, type OnFail, type RuleExpression } from '../../agent/src/config/model.js';
import type {
  NodeStatus,
  ResourceNodeStatus,
  ResourceState,
  SchedulerInput,
} from '../../agent/src/scheduler/types.js';
import * as b from './builders.js';

// Random scheduler inputs for the property tests: fast-check draws a small "recipe" (numbers
// and choices, which shrink well) and `buildInput` turns it into a valid SchedulerInput with
// up to 5 nodes, 8 primitives, 2 groups, 2 clones, constraints, intents and status records in
// every state (including records for clone instances beyond the clone's size).

const SCORES = [-INFINITY, -100, 0, 50, 100, INFINITY];
const ON_FAIL: OnFail[] = [
  'restart',
  'restart',
  'restart',
  'stop',
  'ignore',
  'block',
  'fence',
  'standby',
];
const STATES: (ResourceState | null)[] = [
  null,
  null,
  'stopped',
  'stopped',
  'stopped',
  'started',
  'started',
  'failed',
  'stop-failed',
  'unknown',
];

/** The random recipe of an input. */
export const recipe = fc.record({
  nodes: fc.array(
    fc.record({
      online: fc.integer({ min: 0, max: 9 }).map((n) => n < 7),
      unclean: fc.boolean(),
      standby: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      maintenance: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      load: fc.integer({ min: 0, max: 100 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  resources: fc.array(
    fc.record({
      stickiness: fc.constantFrom(0, 50, 100, INFINITY),
      threshold: fc.constantFrom(0, 1, 3),
      timeoutMs: fc.constantFrom(0, 60_000),
      onFail: fc.constantFrom(...ON_FAIL),
      stopped: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      priority: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  groupSizes: fc.array(fc.integer({ min: 2, max: 3 }), { maxLength: 2 }),
  clones: fc.array(fc.record({ pick: fc.nat(), max: fc.option(fc.integer({ min: 0, max: 4 })) }), {
    maxLength: 2,
  }),
  locations: fc.array(
    fc.record({
      resource: fc.nat(),
      node: fc.option(fc.nat()),
      score: fc.constantFrom(...SCORES),
      rule: fc.option(
        fc.record({
          op: fc.constantFrom<RuleExpression['op']>('lt', 'gte', 'eq', 'ne', 'defined'),
          value: fc.integer({ min: 0, max: 100 }),
        }),
      ),
    }),
    { maxLength: 5 },
  ),
  colocations: fc.array(
    fc.record({ resource: fc.nat(), with: fc.nat(), score: fc.constantFrom(...SCORES) }),
    { maxLength: 4 },
  ),
  orders: fc.array(
    fc.record({
      first: fc.nat(),
      then: fc.nat(),
      mandatory: fc.boolean(),
      symmetrical: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  states: fc.array(
    fc.record({
      state: fc.constantFrom(...STATES),
      failCount: fc.constantFrom(0, 0, 0, 1, 3),
      lastFailureMs: fc.option(fc.integer({ min: 900_000, max: 1_000_000 })),
    }),
    { minLength: 1, maxLength: 80 },
  ),
  intents: fc.array(
    fc.record({
      resource: fc.nat(),
      node: fc.nat(),
      ban: fc.boolean(),
      expiresAtMs: fc.option(fc.integer({ min: 999_000, max: 1_001_000 })),
    }),
    { maxLength: 3 },
  ),
  fencingEnabled: fc.boolean(),
});

/** One drawn recipe. */
export type Recipe = typeof recipe extends fc.Arbitrary<infer T> ? T : never;

/** The input a recipe describes. */
export function buildInput(r: Recipe): SchedulerInput {
  const nodes: NodeStatus[] = r.nodes.map((n, i) =>
    b.node(`node${i + 1}`, {
      online: n.online,
      unclean: !n.online && n.unclean,
      standby: n.standby,
      maintenance: n.maintenance,
      attributes: { load: n.load },
    }),
  );
  const resources = r.resources.map((m, i) =>
    b.primitive(`r${i}`, {
      stickiness: m.stickiness,
      migrationThreshold: m.threshold,
      failureTimeoutMs: m.timeoutMs,
      onFail: m.onFail,
      targetRole: m.stopped ? 'stopped' : 'started',
      priority: m.priority,
    }),
  );
  const groups = [];
  let next = 0;
  for (const [k, size] of r.groupSizes.entries()) {
    if (next + size > resources.length) break;
    groups.push(
      b.group(
        `g${k}`,
        resources.slice(next, next + size).map((d) => d.id),
      ),
    );
    next += size;
  }
  const topLevel = [...groups.map((g) => g.id), ...resources.slice(next).map((d) => d.id)];
  const clones = [];
  const cloned = new Set<string>();
  for (const [k, c] of r.clones.entries()) {
    const target = topLevel[c.pick % topLevel.length]!;
    if (cloned.has(target)) continue;
    cloned.add(target);
    clones.push(b.clone(`c${k}`, target, c.max));
  }
  const ids = [
    ...resources.map((d) => d.id),
    ...groups.map((g) => g.id),
    ...clones.map((c) => c.id),
  ];
  const nodeId = (n: number) => nodes[n % nodes.length]!.id;
  const locations = r.locations.map((l, i) =>
    b.location(
      `loc${i}`,
      ids[l.resource % ids.length]!,
      l.score,
      l.node === null ? null : nodeId(l.node),
      l.rule === null ? [] : [{ attribute: 'load', op: l.rule.op, value: l.rule.value }],
    ),
  );
  const colocations = r.colocations.map((c, i) =>
    b.colocation(`col${i}`, ids[c.resource % ids.length]!, ids[c.with % ids.length]!, c.score),
  );
  const orders = r.orders.map((o, i) =>
    b.order(
      `ord${i}`,
      ids[o.first % ids.length]!,
      ids[o.then % ids.length]!,
      o.mandatory ? 'mandatory' : 'optional',
      o.symmetrical,
    ),
  );
  // Status for every instance that exists or might have existed (one clone number too many).
  const instanceIds: string[] = [];
  const cloneOf = new Map<string, number>();
  for (const c of clones) {
    const members = groups.find((g) => g.id === c.resource)?.members ?? [c.resource];
    for (const m of members) cloneOf.set(m, (c.maxInstances ?? nodes.length) + 1);
  }
  for (const d of resources) {
    const count = cloneOf.get(d.id);
    if (count === undefined) instanceIds.push(d.id);
    else for (let i = 0; i < count; i++) instanceIds.push(`${d.id}:${i}`);
  }
  const status: ResourceNodeStatus[] = [];
  let k = 0;
  for (const resource of instanceIds) {
    for (const n of nodes) {
      const s = r.states[k++ % r.states.length]!;
      if (s.state === null) continue;
      status.push(b.record(resource, n.id, s.state, s.failCount, s.lastFailureMs));
    }
  }
  const intents = r.intents.map((i) =>
    b.intent(
      i.ban ? 'ban' : 'prefer',
      ids[i.resource % ids.length]!,
      nodeId(i.node),
      i.expiresAtMs,
    ),
  );
  return b.input({
    nodes,
    resources,
    groups,
    clones,
    locations,
    colocations,
    orders,
    status,
    intents,
    fencingEnabled: r.fencingEnabled,
  });
}
