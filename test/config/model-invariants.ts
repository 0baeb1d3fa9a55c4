import { MAX_DURATION_MS } from '../../agent/src/config/duration.js';
import { INFINITY, type ClusterConfig, type ResourceMeta } from '../../agent/src/config/model.js';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Every invariant a loaded configuration must satisfy, checked independently of the loader's
 * own code: unique and safe ids, references that resolve to the right kind, sane numbers,
 * complete meta. Returns the violations (none for a good model).
 */
export function modelInvariantViolations(config: ClusterConfig): string[] {
  const v: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) v.push(what);
  };
  const ids = [
    ...config.resources,
    ...config.groups,
    ...config.clones,
    ...config.locations,
    ...config.colocations,
    ...config.orders,
  ].map((d) => d.id);
  check(new Set(ids).size === ids.length, `duplicate ids in ${ids.join(',')}`);
  for (const id of ids) check(SAFE.test(id), `unsafe id ${id}`);

  const resources = new Set(config.resources.map((r) => r.id));
  const groups = new Set(config.groups.map((g) => g.id));
  const clones = new Set(config.clones.map((c) => c.id));
  const groupOf = new Map<string, string>();
  for (const g of config.groups) {
    check(g.members.length > 0, `empty group ${g.id}`);
    check(new Set(g.members).size === g.members.length, `member twice in ${g.id}`);
    for (const m of g.members) {
      check(resources.has(m), `group ${g.id} member ${m} is not a primitive`);
      check(!groupOf.has(m), `${m} in two groups`);
      groupOf.set(m, g.id);
    }
    checkMeta(g.meta, `group ${g.id}`, check, true);
  }
  const cloned = new Map<string, string>();
  for (const c of config.clones) {
    check(resources.has(c.resource) || groups.has(c.resource), `clone ${c.id} of ${c.resource}`);
    check(!groupOf.has(c.resource), `clone ${c.id} of a grouped primitive`);
    check(!cloned.has(c.resource), `${c.resource} cloned twice`);
    cloned.set(c.resource, c.id);
    check(
      c.maxInstances === null || (Number.isInteger(c.maxInstances) && c.maxInstances >= 1),
      `clone ${c.id} maxInstances`,
    );
    checkMeta(c.meta, `clone ${c.id}`, check, true);
  }
  const insideClone = (id: string): boolean =>
    cloned.has(id) || (groupOf.has(id) && cloned.has(groupOf.get(id) ?? ''));
  const constrainable = (id: string): boolean =>
    (resources.has(id) || groups.has(id) || clones.has(id)) && !insideClone(id);
  const score = (s: number, what: string): void =>
    check(Number.isInteger(s) && Math.abs(s) <= INFINITY, `${what} score ${s}`);

  for (const l of config.locations) {
    check(constrainable(l.resource), `location ${l.id} on ${l.resource}`);
    check((l.node === null) !== (l.rules.length === 0), `location ${l.id} node xor rules`);
    if (l.node !== null) check(SAFE.test(l.node), `location ${l.id} node name`);
    score(l.score, `location ${l.id}`);
  }
  for (const c of config.colocations) {
    check(constrainable(c.resource) && constrainable(c.with), `colocation ${c.id} refs`);
    check(c.resource !== c.with, `colocation ${c.id} with itself`);
    score(c.score, `colocation ${c.id}`);
  }
  for (const o of config.orders) {
    check(constrainable(o.first) && constrainable(o.then), `order ${o.id} refs`);
    check(o.first !== o.then, `order ${o.id} with itself`);
  }

  const duration = (ms: number, min: number, what: string): void =>
    check(Number.isInteger(ms) && ms >= min && ms <= MAX_DURATION_MS, `${what} = ${ms}`);
  for (const r of config.resources) {
    for (const op of ['start', 'stop', 'monitor'] as const) {
      duration(r.operations[op].timeoutMs, 1, `${r.id} ${op} timeout`);
    }
    duration(r.operations.monitor.intervalMs, 1, `${r.id} monitor interval`);
    check(r.operations.start.intervalMs === 0 && r.operations.stop.intervalMs === 0, r.id);
    for (const [name, value] of Object.entries(r.params)) {
      check(SAFE.test(name) && typeof value === 'string', `${r.id} param ${name}`);
    }
    if (r.agent.class === 'systemd') check(Object.keys(r.params).length === 0, `${r.id} params`);
    checkMeta(r.meta, `resource ${r.id}`, check, false);
    if (!config.properties.fencingEnabled) check(r.meta.onFail !== 'fence', `${r.id} fence`);
  }
  checkMeta(config.properties.resourceDefaults, 'resource-defaults', check, false);
  return v;
}

function checkMeta(
  meta: Partial<ResourceMeta>,
  what: string,
  check: (ok: boolean, what: string) => void,
  partial: boolean,
): void {
  const keys = Object.keys(meta).sort();
  const all = [
    'failureTimeoutMs',
    'migrationThreshold',
    'onFail',
    'priority',
    'stickiness',
    'targetRole',
  ];
  check(partial ? keys.every((k) => all.includes(k)) : keys.join() === all.join(), `${what} keys`);
  const int = (n: number | undefined, lo: number, hi: number): boolean =>
    n === undefined || (Number.isInteger(n) && n >= lo && n <= hi);
  check(int(meta.stickiness, -INFINITY, INFINITY), `${what} stickiness`);
  check(int(meta.migrationThreshold, 0, INFINITY), `${what} migrationThreshold`);
  check(int(meta.failureTimeoutMs, 0, MAX_DURATION_MS), `${what} failureTimeoutMs`);
  check(int(meta.priority, -INFINITY, INFINITY), `${what} priority`);
}
