import type { ClusterConfig, ResourceDef } from '../config/model.js';
import { compareNatural } from './natural-order.js';
import type { ResourceNodeStatus, ResourceState } from './types.js';
import { mergeMeta, newInstance } from './unpack.js';
import {
  append,
  NO_RECORD,
  STATE_FAILED,
  STATE_STARTED,
  STATE_STOP_FAILED,
  STATE_STOPPED,
  STATE_UNKNOWN,
  type Instance,
  type WorkModel,
} from './working-model.js';

const STATE_CODES: Record<ResourceState, number> = {
  stopped: STATE_STOPPED,
  unknown: STATE_UNKNOWN,
  started: STATE_STARTED,
  failed: STATE_FAILED,
  'stop-failed': STATE_STOP_FAILED,
};

/**
 * Unpack the status records (Pacemaker's lrm history) into per-instance, per-node state
 * codes. Two records for one (instance, node) keep the more dangerous state
 * (stop-failed > failed > started > unknown > stopped) and the larger failure count, so the
 * result does not depend on record order. Records for nodes the input does not list are
 * ignored (such a node runs nothing the cluster knows of). Records for instances that are not
 * configured create orphans, which the plan stops wherever it can reach them.
 */
export function unpackStatus(
  model: WorkModel,
  config: ClusterConfig,
  records: readonly ResourceNodeStatus[],
): void {
  let primitives: Map<string, ResourceDef> | null = null;
  const defaults = config.properties.resourceDefaults;
  const nodeCount = model.nodes.length;
  const orphans = [];
  // Records usually come grouped by resource: remember the last lookup.
  let lastResource = '';
  let last: Instance | undefined;
  for (const record of records) {
    const node = model.nodeIndex.get(record.node);
    if (node === undefined) continue;
    let instance =
      record.resource === lastResource ? last : model.instanceById.get(record.resource);
    if (instance === undefined) {
      primitives ??= new Map(config.resources.map((def) => [def.id, def]));
      const colon = record.resource.lastIndexOf(':');
      const base = colon > 0 ? record.resource.slice(0, colon) : record.resource;
      const def = primitives.get(record.resource) ?? primitives.get(base) ?? null;
      const meta = mergeMeta(defaults, def?.meta);
      const states = new Int8Array(nodeCount).fill(NO_RECORD);
      instance = newInstance(record.resource, def?.id ?? record.resource, def, meta, states);
      model.instanceById.set(record.resource, instance);
      orphans.push(instance);
    }
    lastResource = record.resource;
    last = instance;
    const code = STATE_CODES[record.state] ?? STATE_UNKNOWN;
    const before = instance.states[node]!;
    if (code > before) {
      instance.states[node] = code;
      if (before === NO_RECORD) instance.recordedNodes++;
      if (code > STATE_STOPPED && before <= STATE_STOPPED) {
        instance.notStoppedNodes = append(instance.notStoppedNodes, node);
      }
    }
    if (record.runnable === false && !instance.notInstalledOn.includes(node))
      instance.notInstalledOn = append(instance.notInstalledOn, node);
    if (record.failCount > 0) {
      const seen = instance.rawFailures.find((f) => f.node === node);
      if (seen === undefined) {
        instance.rawFailures = append(instance.rawFailures, {
          node,
          failCount: record.failCount,
          lastFailureMs: record.lastFailureMs,
        });
      } else {
        seen.failCount = Math.max(seen.failCount, record.failCount);
        if (record.lastFailureMs === null || seen.lastFailureMs === null) seen.lastFailureMs = null;
        else seen.lastFailureMs = Math.max(seen.lastFailureMs, record.lastFailureMs);
      }
    }
  }
  const all = [];
  for (const unit of model.units) for (const member of unit.members) all.push(member);
  for (const orphan of orphans) all.push(orphan);
  all.sort((a, b) => compareNatural(a.id, b.id));
  model.instances = all;
  for (const instance of all) {
    if (instance.rawFailures.length > 1) instance.rawFailures.sort((a, b) => a.node - b.node);
    if (instance.notStoppedNodes.length > 1) instance.notStoppedNodes.sort((a, b) => a - b);
    if (instance.notInstalledOn.length > 1) instance.notInstalledOn.sort((a, b) => a - b);
  }
}

/**
 * Where each instance is, or may be, active. On an actionable node: started, failed or
 * stop-failed (an `unknown` there is probed instead). On an unclean node: started, failed,
 * stop-failed or an explicit `unknown` record — it may still run there, so it must not start
 * anywhere else. A missing record on an unclean node means the cluster never asked that node
 * to run the instance, and does not hold it. On an online maintenance node: the same states
 * as unclean (left alone). On an offline, clean node: nothing runs (its lease expired or a
 * fence device confirmed it off); where it last ran is kept only for the summary.
 */
export function classifyActivity(model: WorkModel): void {
  for (const instance of model.instances) {
    const states = instance.states;
    for (const n of instance.notStoppedNodes) {
      const node = model.nodes[n]!;
      const code = states[n]!;
      const status = node.status;
      if (status.unclean) instance.uncleanActive = append(instance.uncleanActive, node.index);
      else if (status.online && status.maintenance) {
        instance.maintenanceActive = append(instance.maintenanceActive, node.index);
      } else if (status.online) {
        if (code === STATE_UNKNOWN) continue;
        instance.active = append(instance.active, node.index);
        if (code === STATE_FAILED && instance.meta.onFail !== 'ignore') {
          instance.failedOn = append(instance.failedOn, node.index);
        }
      } else if (code !== STATE_UNKNOWN) {
        instance.lastKnown = append(instance.lastKnown, node.index);
      }
    }
  }
}
