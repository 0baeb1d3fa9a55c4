import type { FenceTopology } from '../fencing/fence-device.js';
import type { ConfigPath } from './config-path.js';
import type { ConfigFile, MetaFields } from './config-schema.js';
import {
  DEFAULT_RESOURCE_META,
  type ClusterConfig,
  type OperationDef,
  type ResourceMeta,
  type RuleExpression,
} from './model.js';

/** Monitor interval when a resource does not set one. */
export const DEFAULT_MONITOR_INTERVAL_MS = 10_000;
/** Timeout of monitor, start and stop when a resource does not set one. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 20_000;

/**
 * Turn a checked configuration file into the model: kebab-case keys become the model's
 * camelCase fields, defaults are filled in, and agent parameters become strings exactly as
 * written. Only called once every check has passed, so it assumes references resolve.
 *
 * Defaults: an operation's timeout is 20s; monitor runs every 10s; start and stop are not
 * recurring (interval 0). A resource's meta attribute comes from its own `meta`, else
 * `properties.resource-defaults`, else model.DEFAULT_RESOURCE_META. Groups and clones keep
 * only the meta attributes they set (the model's Partial<ResourceMeta>).
 *
 * @param plainTextAt the source text of a plain scalar at a path (see YamlSource), so a
 *   parameter written `0755` stays "0755" rather than becoming 755
 */
export function buildModel(
  file: ConfigFile,
  plainTextAt: (path: ConfigPath) => string | undefined,
): ClusterConfig {
  const resourceDefaults: ResourceMeta = {
    ...DEFAULT_RESOURCE_META,
    ...metaFrom(file.properties['resource-defaults']),
  };
  const topology: FenceTopology = {};
  for (const level of file.fencing.levels) {
    (topology[level.node] ??= []).push({ index: level.index, devices: [...level.devices] });
  }
  for (const levels of Object.values(topology)) levels.sort((a, b) => a.index - b.index);
  const fencingConfigured = file.fencing.devices.length > 0 || file.fencing.levels.length > 0;
  return {
    ...(fencingConfigured
      ? {
          fencing: {
            devices: file.fencing.devices.map((d, i) => ({
              id: d.id,
              agent: d.agent,
              params: Object.fromEntries(
                Object.entries(d.params).map(([name, value]) => [
                  name,
                  typeof value === 'string'
                    ? value
                    : (plainTextAt(['fencing', 'devices', i, 'params', name]) ?? String(value)),
                ]),
              ),
              hostMap: { ...d['host-map'] },
              timeoutMs: d.timeout,
              ...(d.verify === 'agent' ? { verify: 'agent' as const } : {}),
              ...(d['secret-params'].length > 0 ? { secretParams: [...d['secret-params']] } : {}),
            })),
            topology,
          },
        }
      : {}),
    properties: {
      noQuorumPolicy: file.properties['no-quorum-policy'],
      fencingEnabled: file.properties.fencing,
      resourceDefaults,
    },
    resources: file.resources.map((r, i) => {
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(r.params)) {
        const text =
          typeof value === 'string'
            ? value
            : (plainTextAt(['resources', i, 'params', name]) ?? String(value));
        Object.defineProperty(params, name, {
          value: text,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return {
        id: r.id,
        agent: r.agent,
        params,
        operations: {
          start: operation(r.operations.start.timeout, 0),
          stop: operation(r.operations.stop.timeout, 0),
          monitor: operation(
            r.operations.monitor.timeout,
            r.operations.monitor.interval ?? DEFAULT_MONITOR_INTERVAL_MS,
          ),
        },
        meta: { ...resourceDefaults, ...metaFrom(r.meta) },
      };
    }),
    groups: file.groups.map((g) => ({ id: g.id, members: [...g.members], meta: metaFrom(g.meta) })),
    clones: file.clones.map((c) => ({
      id: c.id,
      resource: c.resource,
      maxInstances: c['max-instances'] ?? null,
      meta: metaFrom(c.meta),
    })),
    locations: file.constraints.location.map((l) => ({
      id: l.id,
      resource: l.resource,
      score: l.score,
      node: l.node ?? null,
      rules: l.rules.map((rule) => {
        const out: RuleExpression = { attribute: rule.attribute, op: rule.op };
        if (rule.value !== undefined) out.value = rule.value;
        return out;
      }),
    })),
    colocations: file.constraints.colocation.map((c) => ({
      id: c.id,
      resource: c.resource,
      with: c.with,
      score: c.score,
    })),
    orders: file.constraints.order.map((o) => ({
      id: o.id,
      first: o.first,
      then: o.then,
      kind: o.kind,
      symmetrical: o.symmetrical,
    })),
  };
}

function operation(timeoutMs: number | undefined, intervalMs: number): OperationDef {
  return { timeoutMs: timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS, intervalMs };
}

/** The meta attributes that are set, under the model's names. */
function metaFrom(meta: MetaFields): Partial<ResourceMeta> {
  const out: Partial<ResourceMeta> = {};
  if (meta.stickiness !== undefined) out.stickiness = meta.stickiness;
  if (meta['migration-threshold'] !== undefined) {
    out.migrationThreshold = meta['migration-threshold'];
  }
  if (meta['failure-timeout'] !== undefined) out.failureTimeoutMs = meta['failure-timeout'];
  if (meta['on-fail'] !== undefined) out.onFail = meta['on-fail'];
  if (meta['target-role'] !== undefined) out.targetRole = meta['target-role'];
  if (meta.priority !== undefined) out.priority = meta.priority;
  return out;
}
