import {
  DEFAULT_RESOURCE_META,
  INFINITY,
  type ClusterConfig,
  type ResourceDef,
} from '../../../agent/src/config/model.js';

/** Stop timeout of every simulated resource: a hung stop is killed after this long. */
export const STOP_TIMEOUT_MS = 120;
/** Failures stop counting towards migration-threshold after this long. */
const FAILURE_TIMEOUT_MS = 10_000;

function primitive(id: string): ResourceDef {
  return {
    id,
    agent: { class: 'ocf', provider: 'quorate', type: 'dummy' },
    params: {},
    operations: {
      start: { timeoutMs: 1000, intervalMs: 0 },
      // Stop timeout plus kill escalation fits the lease's stop budget (docs/safety.md).
      stop: { timeoutMs: STOP_TIMEOUT_MS, intervalMs: 0 },
      monitor: { timeoutMs: 200, intervalMs: 400 },
    },
    meta: { ...DEFAULT_RESOURCE_META, failureTimeoutMs: FAILURE_TIMEOUT_MS },
  };
}

/**
 * The configuration every whole-cluster run applies at its start (built directly, not from
 * YAML): two standalone primitives (`db` prefers node2 strongly enough to move back there when
 * node2 returns, so live moves between healthy nodes happen too), a group of three
 * (`web`: address, filesystem, service, started in that order on one node), a clone `api-clone`
 * of `api` (one instance per node), and an anti-affinity pair (`shard-a`, `shard-b`: never on
 * the same node). Failures count towards migration-threshold 3 and expire after 10 s.
 */
export function clusterSimConfig(fencingEnabled: boolean): ClusterConfig {
  const ids = ['vip', 'db', 'web-ip', 'web-fs', 'web-app', 'api', 'shard-a', 'shard-b'];
  return {
    properties: {
      noQuorumPolicy: 'stop',
      fencingEnabled,
      resourceDefaults: { ...DEFAULT_RESOURCE_META, failureTimeoutMs: FAILURE_TIMEOUT_MS },
    },
    resources: ids.map(primitive),
    groups: [{ id: 'web', members: ['web-ip', 'web-fs', 'web-app'], meta: {} }],
    clones: [{ id: 'api-clone', resource: 'api', maxInstances: null, meta: {} }],
    locations: [{ id: 'db-prefers-node2', resource: 'db', score: 200, node: 'node2', rules: [] }],
    colocations: [{ id: 'shards-apart', resource: 'shard-b', with: 'shard-a', score: -INFINITY }],
    orders: [],
  };
}

/**
 * Every instance the configuration asks to run on a cluster of `nodeCount` healthy nodes:
 * primitives outside clones by id, and clone instances `<primitive>:<n>` for n below the
 * clone's size (min(maxInstances, nodeCount)), as the scheduler's unpack names them.
 */
export function configuredInstances(config: ClusterConfig, nodeCount: number): string[] {
  const out: string[] = [];
  const cloned = clonedPrimitives(config);
  for (const r of config.resources) if (!cloned.has(r.id)) out.push(r.id);
  for (const c of config.clones) {
    const group = config.groups.find((g) => g.id === c.resource);
    const members = group === undefined ? [c.resource] : group.members;
    const count = Math.min(c.maxInstances ?? nodeCount, nodeCount);
    for (let n = 0; n < count; n++) for (const m of members) out.push(`${m}:${n}`);
  }
  return out.sort();
}

/** Primitives that are cloned (directly, or as members of a cloned group). */
export function clonedPrimitives(config: ClusterConfig): Set<string> {
  const out = new Set<string>();
  for (const c of config.clones) {
    const group = config.groups.find((g) => g.id === c.resource);
    for (const m of group === undefined ? [c.resource] : group.members) out.add(m);
  }
  return out;
}

/** The primitive an instance id belongs to: `api:2` → `api`, `vip` → `vip`. */
export function primitiveOf(instance: string): string {
  const m = /^(.*):\d+$/.exec(instance);
  return m === null ? instance : m[1]!;
}

/** Primitive pairs a -INFINITY colocation keeps off each other's node. */
export function antiAffinityPairs(config: ClusterConfig): [string, string][] {
  const primitives = new Set(config.resources.map((r) => r.id));
  return config.colocations
    .filter((c) => c.score <= -INFINITY && primitives.has(c.resource) && primitives.has(c.with))
    .map((c) => [c.resource, c.with]);
}
