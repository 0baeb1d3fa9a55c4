import {
  DEFAULT_RESOURCE_META,
  type CloneDef,
  type ClusterConfig,
  type ColocationConstraint,
  type GroupDef,
  type LocationConstraint,
  type OrderConstraint,
  type ResourceDef,
  type ResourceMeta,
  type RuleExpression,
} from '../../agent/src/config/model.js';
import type {
  NodeStatus,
  PlacementIntent,
  ResourceNodeStatus,
  ResourceState,
  SchedulerInput,
} from '../../agent/src/scheduler/types.js';

/**
 * Small constructors for scheduler inputs, shared by the property tests, the benchmark and
 * anyone writing a new fixture by program. Every value is a complete, valid model object.
 */

/** A primitive running the test agent `ocf:quorate:dummy`, with default timings and meta. */
export function primitive(id: string, meta: Partial<ResourceMeta> = {}): ResourceDef {
  return {
    id,
    agent: { class: 'ocf', provider: 'quorate', type: 'dummy' },
    params: {},
    operations: {
      start: { timeoutMs: 20_000, intervalMs: 0 },
      stop: { timeoutMs: 20_000, intervalMs: 0 },
      monitor: { timeoutMs: 10_000, intervalMs: 10_000 },
    },
    meta: { ...DEFAULT_RESOURCE_META, ...meta },
  };
}

/** A group of `members` (primitive ids), in start order. */
export function group(id: string, members: string[], meta: Partial<ResourceMeta> = {}): GroupDef {
  return { id, members, meta };
}

/** A clone of a primitive or group. */
export function clone(
  id: string,
  resource: string,
  maxInstances: number | null = null,
  meta: Partial<ResourceMeta> = {},
): CloneDef {
  return { id, resource, maxInstances, meta };
}

/** A location constraint on one node (or, with `node` null, on nodes matching `rules`). */
export function location(
  id: string,
  resource: string,
  score: number,
  node: string | null,
  rules: RuleExpression[] = [],
): LocationConstraint {
  return { id, resource, score, node, rules };
}

/** `resource` placed relative to `with`. */
export function colocation(
  id: string,
  resource: string,
  withId: string,
  score: number,
): ColocationConstraint {
  return { id, resource, with: withId, score };
}

/** `then` after `first`; mandatory and symmetrical unless told otherwise. */
export function order(
  id: string,
  first: string,
  then: string,
  kind: OrderConstraint['kind'] = 'mandatory',
  symmetrical = true,
): OrderConstraint {
  return { id, first, then, kind, symmetrical };
}

/** An online, clean, active node unless `flags` say otherwise. */
export function node(id: string, flags: Partial<Omit<NodeStatus, 'id'>> = {}): NodeStatus {
  return {
    id,
    online: true,
    unclean: false,
    standby: false,
    maintenance: false,
    attributes: {},
    ...flags,
  };
}

/** One status record. */
export function record(
  resource: string,
  nodeId: string,
  state: ResourceState,
  failCount = 0,
  lastFailureMs: number | null = null,
): ResourceNodeStatus {
  return { resource, node: nodeId, state, failCount, lastFailureMs };
}

/**
 * Records for every instance on every node: `stopped`, except where `states` says otherwise
 * (`{ vip: { node1: 'started' } }`); a state of `null` leaves the record out.
 */
export function records(
  instances: readonly string[],
  nodeIds: readonly string[],
  states: Record<string, Record<string, ResourceState | null>> = {},
): ResourceNodeStatus[] {
  const out: ResourceNodeStatus[] = [];
  for (const resource of instances) {
    for (const nodeId of nodeIds) {
      const state = states[resource]?.[nodeId];
      if (state === null) continue;
      out.push(record(resource, nodeId, state ?? 'stopped'));
    }
  }
  return out;
}

/** A placement intent. */
export function intent(
  kind: PlacementIntent['kind'],
  resource: string,
  nodeId: string,
  expiresAtMs: number | null = null,
): PlacementIntent {
  return { kind, resource, node: nodeId, expiresAtMs };
}

/** The parts of an input; everything but `nodes` defaults to empty. */
export interface InputParts {
  nodes: NodeStatus[];
  resources?: ResourceDef[];
  groups?: GroupDef[];
  clones?: CloneDef[];
  locations?: LocationConstraint[];
  colocations?: ColocationConstraint[];
  orders?: OrderConstraint[];
  status?: ResourceNodeStatus[];
  intents?: PlacementIntent[];
  nowMs?: number;
  fencingEnabled?: boolean;
}

/** A complete scheduler input. */
export function input(parts: InputParts): SchedulerInput {
  const config: ClusterConfig = {
    properties: {
      noQuorumPolicy: 'stop',
      fencingEnabled: parts.fencingEnabled ?? false,
      resourceDefaults: DEFAULT_RESOURCE_META,
    },
    resources: parts.resources ?? [],
    groups: parts.groups ?? [],
    clones: parts.clones ?? [],
    locations: parts.locations ?? [],
    colocations: parts.colocations ?? [],
    orders: parts.orders ?? [],
  };
  return {
    config,
    nodes: parts.nodes,
    status: parts.status ?? [],
    intents: parts.intents ?? [],
    nowMs: parts.nowMs ?? 1_000_000,
  };
}

/**
 * An input as fixture JSON: objects in key order as built, each array element on one line,
 * so a fixture reads top to bottom and diffs line by line.
 */
export function fixtureJson(value: SchedulerInput): string {
  const lines: string[] = ['{'];
  const top = Object.entries(value);
  top.forEach(([key, item], i) => {
    const comma = i < top.length - 1 ? ',' : '';
    if (key === 'config') {
      lines.push('  "config": {');
      const parts = Object.entries(item as object);
      parts.forEach(([part, partValue], j) => {
        const partComma = j < parts.length - 1 ? ',' : '';
        lines.push(`    ${JSON.stringify(part)}: ${arrayLines(partValue, '    ')}${partComma}`);
      });
      lines.push(`  }${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${arrayLines(item, '  ')}${comma}`);
    }
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

function arrayLines(value: unknown, indent: string): string {
  if (!Array.isArray(value) || value.length === 0) return JSON.stringify(value);
  const items = value.map((item) => `${indent}  ${JSON.stringify(item)}`);
  return `[\n${items.join(',\n')}\n${indent}]`;
}
