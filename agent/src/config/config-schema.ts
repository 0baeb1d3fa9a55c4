import * as z from 'zod';

import { describeValue } from './describe-value.js';
import { INFINITY, type OnFail, type RuleExpression } from './model.js';
import { accept, reject } from './parse-outcome.js';
import { unsafeNameProblem } from './safe-name.js';
import {
  freeMapping,
  list,
  mapping,
  optional,
  required,
  section,
  withDefault,
} from './schema-builders.js';
import {
  agentReader,
  apiVersionReader,
  attributeNameReader,
  booleanReader,
  durationReader,
  idReader,
  integerReader,
  nodeNameReader,
  oneOfReader,
  referenceReader,
  ruleValueReader,
  scoreReader,
  type ValueReader,
} from './value-readers.js';

/**
 * The shape of a configuration file, key by key, as the user writes it (kebab-case keys,
 * durations with units, scores with INFINITY). Parsing with it checks every field's type and
 * format and reports unknown keys; it does not apply defaults that depend on other sections
 * (build-model.ts does), nor look across fields and definitions (reference-checks.ts,
 * field-combination-checks.ts, constraint-conflicts.ts do). docs/configuration.md documents
 * the same keys for humans.
 */

/** Values of `on-fail`, in documentation order. */
export const ON_FAIL_VALUES: readonly OnFail[] = [
  'restart',
  'stop',
  'ignore',
  'block',
  'fence',
  'standby',
];

/** Values of a location rule's `op`. */
export const RULE_OPS: readonly RuleExpression['op'][] = [
  'eq',
  'ne',
  'lt',
  'lte',
  'gt',
  'gte',
  'defined',
  'not-defined',
];

const positiveDuration = durationReader(1);

/** A parameter value: taken as text (build-model.ts keeps numbers exactly as written). */
const paramValueReader: ValueReader<string | number | boolean> = {
  expected: 'a string',
  read: (value) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return accept(value);
    }
    const hint = value === null ? '; write "" for an empty string' : '';
    return reject(
      `expected a parameter value (a string; a number or boolean is taken as written); got ${describeValue(value)}${hint}`,
    );
  },
};

const maxInstancesReader: ValueReader<number | null> = {
  expected: 'a whole number of at least 1, or nothing for one per node',
  read: (value) => (value === null ? accept(null) : integerReader(1, INFINITY).read(value)),
};

/** Meta attributes (resource-defaults, and `meta` of resources, groups and clones). */
const metaSchema = section(
  mapping('meta attributes', {
    stickiness: optional(scoreReader),
    'migration-threshold': optional(integerReader(0, INFINITY)),
    'failure-timeout': optional(durationReader(0)),
    'on-fail': optional(oneOfReader(ON_FAIL_VALUES)),
    'target-role': optional(oneOfReader(['started', 'stopped'] as const)),
    priority: optional(integerReader(-INFINITY, INFINITY)),
  }),
);

const recurringOperationSchema = section(
  mapping('an operation', {
    interval: optional(positiveDuration),
    timeout: optional(positiveDuration),
  }),
);

const oneShotOperationSchema = section(
  mapping('an operation', {
    timeout: optional(positiveDuration),
  }),
);

const resourceSchema = mapping('a resource', {
  id: required(idReader),
  agent: required(agentReader),
  params: freeMapping(
    'agent parameters',
    (name) => unsafeNameProblem(name, 'parameter name'),
    paramValueReader,
  ),
  operations: section(
    mapping('operations', {
      monitor: recurringOperationSchema,
      start: oneShotOperationSchema,
      stop: oneShotOperationSchema,
    }),
  ),
  meta: metaSchema,
});

const groupSchema = mapping('a group', {
  id: required(idReader),
  members: required({
    expected: 'a list of primitive resource ids, in start order',
    read: (value) => accept(value),
  }).pipe(
    list('primitive resource ids', required(referenceReader('a primitive resource')), {
      nonEmptyMessage: 'a group needs at least one member',
    }),
  ),
  meta: metaSchema,
});

const cloneSchema = mapping('a clone', {
  id: required(idReader),
  resource: required(referenceReader('a primitive resource or a group')),
  'max-instances': optional(maxInstancesReader),
  meta: metaSchema,
});

const ruleSchema = mapping('a rule', {
  attribute: required(attributeNameReader),
  op: required(oneOfReader(RULE_OPS)),
  value: optional(ruleValueReader),
});

const anyResource = 'a resource, group or clone';

const locationSchema = mapping('a location constraint', {
  id: required(idReader),
  resource: required(referenceReader(anyResource)),
  score: required(scoreReader),
  node: optional(nodeNameReader),
  rules: list('rules', ruleSchema),
});

const colocationSchema = mapping('a colocation constraint', {
  id: required(idReader),
  resource: required(referenceReader(anyResource)),
  with: required(referenceReader(anyResource)),
  score: required(scoreReader),
});

const orderSchema = mapping('an order constraint', {
  id: required(idReader),
  first: required(referenceReader(anyResource)),
  then: required(referenceReader(anyResource)),
  kind: withDefault(oneOfReader(['mandatory', 'optional'] as const), 'mandatory'),
  symmetrical: withDefault(booleanReader, true),
});

/** A fence device's plug for one node (text; empty when the device addresses the node itself). */
const plugReader: ValueReader<string> = {
  expected: 'a plug (outlet, port or VM name) as text, "" when the device fences the node itself',
  read: (value) =>
    typeof value === 'string' || typeof value === 'number'
      ? accept(String(value))
      : reject(
          `expected a plug (text, "" when the device fences the node itself); got ${describeValue(value)}`,
        ),
};

/** A fence agent: a program name (looked up in the fence agent directories) or an absolute path. */
const fenceAgentReader: ValueReader<string> = {
  expected: 'a fence agent program name (fence_ipmilan) or an absolute path',
  read: (value) =>
    typeof value === 'string' && value !== ''
      ? accept(value)
      : reject(
          `expected a fence agent program name (fence_ipmilan) or an absolute path; got ${describeValue(value)}`,
        ),
};

const fenceDeviceSchema = mapping('a fence device', {
  id: required(idReader),
  agent: required(fenceAgentReader),
  params: freeMapping(
    'fence device parameters',
    (name) => unsafeNameProblem(name, 'parameter name'),
    paramValueReader,
  ),
  'host-map': freeMapping('a host map (node: plug)', () => undefined, plugReader),
  timeout: withDefault(positiveDuration, 20_000),
  verify: withDefault(oneOfReader(['status', 'agent'] as const), 'status'),
  'secret-params': list('parameter names', required(idReader)),
});

const fenceLevelSchema = mapping('a fencing level', {
  node: required(nodeNameReader),
  index: required(integerReader(1, 9)),
  devices: required({
    expected: 'a list of fence device ids, all of which must confirm the node off',
    read: (value) => accept(value),
  }).pipe(
    list('fence device ids', required(idReader), {
      nonEmptyMessage: 'a fencing level needs at least one device',
    }),
  ),
});

/** The whole file. */
export const configFileSchema = mapping('a Quorate configuration', {
  apiVersion: required(apiVersionReader),
  properties: section(
    mapping('cluster properties', {
      'no-quorum-policy': withDefault(oneOfReader(['stop', 'freeze', 'ignore'] as const), 'stop'),
      fencing: withDefault(booleanReader, false),
      'resource-defaults': metaSchema,
    }),
  ),
  resources: list('resources', resourceSchema),
  groups: list('groups', groupSchema),
  clones: list('clones', cloneSchema),
  constraints: section(
    mapping('constraints', {
      location: list('location constraints', locationSchema),
      colocation: list('colocation constraints', colocationSchema),
      order: list('order constraints', orderSchema),
    }),
  ),
  fencing: section(
    mapping('fencing', {
      devices: list('fence devices', fenceDeviceSchema),
      levels: list('fencing levels', fenceLevelSchema),
    }),
  ),
});

/** A configuration file after type and format checks: YAML keys, model value types. */
export type ConfigFile = z.output<typeof configFileSchema>;

/** Meta attributes as read (absent ones undefined). */
export type MetaFields = z.output<typeof metaSchema>;
