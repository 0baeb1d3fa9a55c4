import test from 'ava';

import { fixtureErrors, formattedErrors, readFixture } from './config-test-helpers.js';

// One test per rule. Each pins the exact message and line:column, so both the wording and
// the position logic (key for unknown keys, value for bad values, parent mapping for missing
// keys) are fixed. Fixtures live in test/config/fixtures/; YAML-level cases are inline
// because they are about the characters themselves (and would not survive a formatter).

const ALLOWED_NAME =
  'allowed: letters, digits, "_", "." and "-", starting with a letter or digit, at most 64 characters';
const AGENT_FORMS =
  'expected ocf:<provider>:<type> (e.g. ocf:heartbeat:IPaddr2, ocf:quorate:vip) or systemd:<unit> (e.g. systemd:nginx.service)';
const DURATION_FORMS =
  'a number of milliseconds or a string such as 500ms, 2s, 1m30s (units: ms, s, m, h, d)';
const SCORE_FORMS = 'an integer, INFINITY (or +INFINITY) or -INFINITY';
const META_KEYS =
  'stickiness, migration-threshold, failure-timeout, on-fail, target-role, priority';
const UNIQUE_IDS = 'ids must be unique across resources, groups, clones and constraints';

test('YAML syntax errors are reported with their position, and nothing else', (t) => {
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\nresources:\n\t- id: a\n', 'tabs.yaml'), [
    'tabs.yaml:3:1: invalid YAML: Tabs are not allowed as indentation',
  ]);
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\nresources: [a, b\n', 'flow.yaml'), [
    'flow.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  t.deepEqual(
    formattedErrors('apiVersion: quorate/v1\nresources: []\nresources: []\n', 'dup.yaml'),
    ['dup.yaml:3:1: duplicate key "resources"; a key may appear only once in a mapping'],
  );
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\n---\napiVersion: quorate/v1\n', 'm.yaml'), [
    'm.yaml:2:1: the file holds more than one YAML document ("---" or "..." after content); put the whole configuration in one document',
  ]);
  t.deepEqual(formattedErrors('apiVersion: !v quorate/v1\n', 'tag.yaml'), [
    'tag.yaml:1:13: invalid YAML: Unresolved tag: !v; this format uses no tags, remove it',
  ]);
});

test('alias problems are reported where the alias is', (t) => {
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\nresources: *all\n', 'a.yaml'), [
    'a.yaml:2:12: resources: unknown alias *all: define the anchor &all before using it',
  ]);
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\nresources: &r [*r]\n', 'c.yaml'), [
    'c.yaml:2:16: resources[0]: this alias refers to a node that contains it (a cycle)',
  ]);
  const laughs = [
    'apiVersion: quorate/v1',
    'a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  ].join('\n');
  const errors = formattedErrors(laughs, 'laughs.yaml');
  t.is(errors.length, 1);
  t.regex(errors[0], /aliases expand the document to more than 100000 nodes$/);
});

test('keys that are not plain names are refused', (t) => {
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\n? [a, b]\n: c\n', 'k.yaml'), [
    'k.yaml:2:3: a key must be a plain value, not a list or a mapping',
  ]);
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\n: c\n', 'e.yaml'), [
    'e.yaml:2:1: empty key; write a name before the ":"',
  ]);
  t.deepEqual(formattedErrors('apiVersion: quorate/v1\n__proto__: {}\n', 'p.yaml'), [
    'p.yaml:2:1: __proto__: the key "__proto__" is not allowed anywhere (JavaScript reserves it)',
  ]);
});

test('absurd nesting is refused before the YAML parser can exhaust the stack', (t) => {
  t.deepEqual(formattedErrors('- '.repeat(20_000) + 'x', 'deep.yaml'), [
    'deep.yaml:1:1001: the file nests deeper than 1000 levels; a configuration needs a handful',
  ]);
  t.deepEqual(formattedErrors('a: ' + '['.repeat(5000), 'flow.yaml'), [
    'flow.yaml:1:1004: the file nests deeper than 1000 levels; a configuration needs a handful',
  ]);
});

test('an empty file, or one with only comments, is a clear error', (t) => {
  const expected = (name: string): string[] => [
    `${name}:1:1: the file holds no configuration; expected a mapping that starts with "apiVersion: quorate/v1"`,
  ];
  t.deepEqual(formattedErrors('', 'empty.yaml'), expected('empty.yaml'));
  t.deepEqual(formattedErrors('# nothing yet\n\n', 'c.yaml'), expected('c.yaml'));
  t.deepEqual(formattedErrors('---\n', 'd.yaml'), expected('d.yaml'));
  t.deepEqual(formattedErrors('  \n\n', 's.yaml'), expected('s.yaml'));
});

test('the top level must be a mapping', (t) => {
  const keys = 'apiVersion, properties, resources, groups, clones, constraints, fencing';
  t.deepEqual(formattedErrors('- a\n- b\n', 'list.yaml'), [
    `list.yaml:1:1: expected a Quorate configuration (a mapping with keys: ${keys}); got a list`,
  ]);
  t.deepEqual(formattedErrors('hello\n', 'word.yaml'), [
    `word.yaml:1:1: expected a Quorate configuration (a mapping with keys: ${keys}); got the string "hello"`,
  ]);
});

test('apiVersion must be quorate/v1, and present', (t) => {
  t.deepEqual(fixtureErrors('wrong-api-version.yaml'), [
    'wrong-api-version.yaml:1:13: apiVersion: unsupported apiVersion "quorate/v2"; allowed: quorate/v1',
  ]);
  t.deepEqual(fixtureErrors('missing-api-version.yaml'), [
    'missing-api-version.yaml:2:1: apiVersion: missing required key "apiVersion"; expected "quorate/v1"',
  ]);
});

test('unknown keys are reported at the key, with a suggestion and the allowed keys', (t) => {
  t.deepEqual(fixtureErrors('unknown-keys.yaml'), [
    'unknown-keys.yaml:7:9: resources[0].operations.monitor.intervall: unknown key "intervall"; did you mean "interval"? allowed: interval, timeout',
    `unknown-keys.yaml:10:7: resources[0].meta.migrationThreshold: unknown key "migrationThreshold"; did you mean "migration-threshold"? allowed: ${META_KEYS}`,
    `unknown-keys.yaml:11:7: resources[0].meta.stickyness: unknown key "stickyness"; did you mean "stickiness"? allowed: ${META_KEYS}`,
    'unknown-keys.yaml:12:5: resources[0].description: unknown key "description"; allowed: id, agent, params, operations, meta',
  ]);
});

test('missing required keys are reported on the mapping that lacks them', (t) => {
  t.deepEqual(fixtureErrors('missing-keys.yaml'), [
    `missing-keys.yaml:3:5: resources[0].agent: missing required key "agent"; expected an agent: ${AGENT_FORMS.replace('expected ', '')}`,
    `missing-keys.yaml:4:5: resources[1].id: missing required key "id"; expected an id (${ALLOWED_NAME.replace('allowed: ', '')})`,
    'missing-keys.yaml:6:5: groups[0].members: missing required key "members"; expected a list of primitive resource ids, in start order',
    'missing-keys.yaml:9:7: constraints.colocation[0].with: missing required key "with"; expected the id of a resource, group or clone',
    `missing-keys.yaml:9:7: constraints.colocation[0].score: missing required key "score"; expected a score: ${SCORE_FORMS}`,
  ]);
});

test('wrong types and values outside their set are reported at the value', (t) => {
  t.deepEqual(fixtureErrors('wrong-types.yaml'), [
    'wrong-types.yaml:3:12: properties.fencing: expected true or false; got the string "yes"',
    'wrong-types.yaml:4:21: properties.no-quorum-policy: invalid value "halt"; allowed: stop, freeze, ignore',
    'wrong-types.yaml:8:17: resources[0].operations: expected operations (a mapping with keys: monitor, start, stop); got a list',
    'wrong-types.yaml:10:16: resources[0].meta.on-fail: invalid value "Restart"; did you mean "restart"? allowed: restart, stop, ignore, block, fence, standby',
    'wrong-types.yaml:12:17: resources[0].meta.priority: expected a whole number from -1000000 to 1000000; got the number 1.5',
    'wrong-types.yaml:13:28: resources[0].meta.migration-threshold: expected a whole number from 0 to 1000000; got the number -1',
    'wrong-types.yaml:14:9: resources[1].id: expected an id (a string); got the number 42; write it in quotes if you mean the id "42"',
    'wrong-types.yaml:16:9: groups: expected a list of groups; got the string "frontend"',
    'wrong-types.yaml:20:20: clones[0].max-instances: expected a whole number from 1 to 1000000; got the number 0',
  ]);
});

test('durations need a unit, a whole number of milliseconds, and a sane range', (t) => {
  t.deepEqual(fixtureErrors('bad-durations.yaml'), [
    `bad-durations.yaml:6:28: resources[0].operations.monitor.interval: invalid duration "2 seconds": expected ${DURATION_FORMS}`,
    'bad-durations.yaml:6:48: resources[0].operations.monitor.timeout: invalid duration "500": no unit; write 500ms, or 500 without quotes for milliseconds',
    'bad-durations.yaml:7:25: resources[0].operations.start.timeout: invalid duration 0: must be at least 1ms',
    'bad-durations.yaml:8:24: resources[0].operations.stop.timeout: invalid duration "30d": longer than the maximum, 24d (2073600000ms)',
    'bad-durations.yaml:10:24: resources[0].meta.failure-timeout: invalid duration "1.5ms": not a whole number of milliseconds',
  ]);
});

test('scores are integers or INFINITY', (t) => {
  t.deepEqual(fixtureErrors('bad-scores.yaml'), [
    `bad-scores.yaml:3:62: resources[0].meta.stickiness: invalid score "high"; expected ${SCORE_FORMS}`,
    `bad-scores.yaml:4:62: resources[1].meta.stickiness: invalid score 2.5: expected ${SCORE_FORMS}`,
    `bad-scores.yaml:7:52: constraints.colocation[0].score: invalid score "infinity"; did you mean "INFINITY"? expected ${SCORE_FORMS}`,
  ]);
});

test('agent strings must parse as ocf:provider:type or systemd:unit', (t) => {
  t.deepEqual(fixtureErrors('bad-agents.yaml'), [
    `bad-agents.yaml:3:21: resources[0].agent: invalid agent "ocf:heartbeat": an OCF agent has exactly three parts; ${AGENT_FORMS}`,
    `bad-agents.yaml:4:21: resources[1].agent: invalid agent "lsb:nginx": unsupported class "lsb"; ${AGENT_FORMS}`,
    `bad-agents.yaml:5:21: resources[2].agent: invalid agent "OCF:heartbeat:IPaddr2": unsupported class "OCF"; did you mean "ocf"? ${AGENT_FORMS}`,
    `bad-agents.yaml:6:21: resources[3].agent: invalid agent "ocf:../../bin:sh": in the provider, it starts with "." (${ALLOWED_NAME}); ${AGENT_FORMS}`,
    `bad-agents.yaml:7:21: resources[4].agent: invalid agent "systemd:-nginx": a unit name has letters, digits and ":_.@\\-", and starts with a letter or digit; ${AGENT_FORMS}`,
    `bad-agents.yaml:8:21: resources[5].agent: invalid agent "nginx": no class (ocf: or systemd:); ${AGENT_FORMS}`,
  ]);
});

test('ids and parameter names are limited to a safe character set and length', (t) => {
  t.deepEqual(fixtureErrors('unsafe-names.yaml'), [
    `unsafe-names.yaml:3:9: resources[0].id: invalid id "my vip": it contains " "; ${ALLOWED_NAME}`,
    `unsafe-names.yaml:7:7: resources[0].params["net/mask"]: invalid parameter name "net/mask": it contains "/"; ${ALLOWED_NAME}`,
    `unsafe-names.yaml:8:9: resources[1].id: invalid id "-web": it starts with "-"; ${ALLOWED_NAME}`,
    `unsafe-names.yaml:10:9: resources[2].id: invalid id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...": it is 81 characters long; ${ALLOWED_NAME}`,
  ]);
});

test('ids are unique across resources, groups, clones and constraints', (t) => {
  t.deepEqual(fixtureErrors('duplicate-ids.yaml'), [
    `duplicate-ids.yaml:5:11: resources[2].id: duplicate id "web": already the id of the primitive resource at line 3; ${UNIQUE_IDS}`,
    `duplicate-ids.yaml:7:11: groups[0].id: duplicate id "db": already the id of the primitive resource at line 4; ${UNIQUE_IDS}`,
    `duplicate-ids.yaml:10:13: constraints.order[0].id: duplicate id "web": already the id of the primitive resource at line 3; ${UNIQUE_IDS}`,
  ]);
});

test('references to missing resources are reported with a suggestion', (t) => {
  t.deepEqual(fixtureErrors('missing-references.yaml'), [
    'missing-references.yaml:6:43: groups[0].members[1]: unknown primitive resource "storage-fss"; did you mean "storage-fs"? defined: storage-vip, storage-fs',
    'missing-references.yaml:8:32: clones[0].resource: unknown resource or group "api"; defined: storage-vip, storage-fs, storage',
    'missing-references.yaml:11:34: constraints.location[0].resource: unknown resource, group or clone "storag"; did you mean "storage"? defined: storage-vip, storage-fs, storage, api-clone',
    'missing-references.yaml:13:42: constraints.colocation[0].with: unknown resource, group or clone "database"; defined: storage-vip, storage-fs, storage, api-clone',
    'missing-references.yaml:15:24: constraints.order[0].first: unknown resource, group or clone "db"; defined: storage-vip, storage-fs, storage, api-clone',
  ]);
});

test('a primitive belongs to at most one group, once', (t) => {
  t.deepEqual(fixtureErrors('primitive-in-two-groups.yaml'), [
    'primitive-in-two-groups.yaml:8:30: groups[1].members[0]: "fs" is already a member of group "storage" (line 7); a primitive belongs to at most one group',
    'primitive-in-two-groups.yaml:8:39: groups[1].members[2]: "nfs" is listed twice in this group',
  ]);
});

test('a group holds primitives only: no clone, no group', (t) => {
  t.deepEqual(fixtureErrors('clone-in-group.yaml'), [
    'clone-in-group.yaml:6:36: groups[0].members[1]: "api-clone" is a clone; a group can only contain primitive resources',
    'clone-in-group.yaml:7:28: groups[1].members[0]: "frontend" is a group; groups cannot be nested; list its members instead',
  ]);
});

test('no clone of a clone, no second clone of a resource, no clone of a grouped primitive', (t) => {
  t.deepEqual(fixtureErrors('clone-of-clone.yaml'), [
    'clone-of-clone.yaml:9:38: clones[1].resource: clone of a clone: "api-clone" is itself a clone (of "api"); clone a primitive resource or a group',
    'clone-of-clone.yaml:10:32: clones[2].resource: "api" is already cloned by "api-clone" (line 8); a resource can be cloned only once',
    'clone-of-clone.yaml:11:32: clones[3].resource: "vip" is a member of group "frontend"; clone the group instead',
  ]);
});

test('a constraint never relates a resource to itself or a group to its member', (t) => {
  t.deepEqual(fixtureErrors('self-constraints.yaml'), [
    'self-constraints.yaml:9:48: constraints.colocation[0].with: a constraint between "vip" and itself has no meaning; name two different resources',
    'self-constraints.yaml:10:53: constraints.colocation[1].with: "api" is a member of group "frontend", which already places and orders it; a constraint between a group and its own member is redundant or impossible',
    'self-constraints.yaml:12:45: constraints.order[0].then: a constraint between "api" and itself has no meaning; name two different resources',
  ]);
});

test('constraints name the clone, not what is inside it', (t) => {
  t.deepEqual(fixtureErrors('inside-clone.yaml'), [
    'inside-clone.yaml:14:48: constraints.colocation[0].with: "api" is inside clone "api-clone"; constrain the clone "api-clone" instead',
    'inside-clone.yaml:16:30: constraints.order[0].first: "db" is inside clone "data-clone"; constrain the clone "data-clone" instead',
  ]);
});

test('-INFINITY colocation between resources that must share a node is impossible', (t) => {
  t.deepEqual(fixtureErrors('colocation-conflicts.yaml'), [
    'colocation-conflicts.yaml:13:58: constraints.colocation[1].score: colocation "a-apart-from-b" keeps "a" away from "b" (-INFINITY), but they must share a node: "a" with "b" (colocation "a-with-b", +INFINITY)',
    'colocation-conflicts.yaml:15:58: constraints.colocation[3].score: colocation "c-apart-from-a" keeps "c" away from "a" (-INFINITY), but they must share a node: "c" with "b" (colocation "b-with-c", +INFINITY), "b" with "a" (colocation "a-with-b", +INFINITY)',
    'colocation-conflicts.yaml:16:64: constraints.colocation[4].score: colocation "vip-apart-from-fs" keeps "vip" away from "fs" (-INFINITY), but they must share a node: "vip" with "storage" (group "storage"), "storage" with "fs" (group "storage")',
  ]);
});

test('a cycle of mandatory orders is impossible (group order counts, optional does not)', (t) => {
  t.deepEqual(fixtureErrors('order-cycles.yaml'), [
    'order-cycles.yaml:14:7: constraints.order[2]: mandatory orders form a cycle, so nothing in it can ever start: "cache" → "db" (order "cache-then-db") → "api" (order "db-first") → "cache" (order "api-then-cache")',
    'order-cycles.yaml:16:7: constraints.order[4]: mandatory orders form a cycle, so nothing in it can ever start: "fs" → "vip" (order "fs-before-vip") → "fs" (group "storage")',
  ]);
});

test('a resource both required on and banned from one node is impossible', (t) => {
  t.deepEqual(fixtureErrors('location-conflicts.yaml'), [
    'location-conflicts.yaml:8:63: constraints.location[2].score: location "db-never-node1" bans "db" from node "node1" (-INFINITY), but location "db-on-node1" (line 6) requires it there (+INFINITY)',
  ]);
});

test('a location names a node or has rules; rules have a value exactly when they compare', (t) => {
  t.deepEqual(fixtureErrors('location-node-or-rules.yaml'), [
    'location-node-or-rules.yaml:6:7: constraints.location[0]: a location constraint needs "node" (one node) or "rules" (every node whose attributes match all of them)',
    'location-node-or-rules.yaml:11:14: constraints.location[1].rules: set either "node" (one node) or "rules" (every node whose attributes match them), not both',
    'location-node-or-rules.yaml:16:11: constraints.location[2].rules[0].value: missing required key "value"; op "lt" compares the attribute with a value (a string or a number)',
    'location-node-or-rules.yaml:17:57: constraints.location[2].rules[1].value: op "defined" takes no value; remove "value"',
    'location-node-or-rules.yaml:18:34: constraints.location[2].rules[2].op: invalid value "equals"; allowed: eq, ne, lt, lte, gt, gte, defined, not-defined',
  ]);
});

test('on-fail: fence needs fencing', (t) => {
  const fix =
    'on-fail "fence" needs fencing; set properties.fencing: true, or use one of: restart, stop, ignore, block, standby';
  t.deepEqual(fixtureErrors('on-fail-fence.yaml'), [
    `on-fail-fence.yaml:4:14: properties.resource-defaults.on-fail: ${fix}`,
    `on-fail-fence.yaml:8:22: resources[0].meta.on-fail: ${fix}`,
  ]);
  const fenced = readFixture('on-fail-fence.yaml').replace(
    'properties:\n',
    'properties:\n  fencing: true\n',
  );
  t.deepEqual(formattedErrors(fenced, 'fenced.yaml'), [], 'fine once fencing is on');
});

test('a systemd unit takes no params', (t) => {
  t.deepEqual(fixtureErrors('systemd-params.yaml'), [
    'systemd-params.yaml:6:7: resources[0].params: a systemd unit takes no params; configure the unit itself, and remove "params"',
  ]);
});

test('every error in a file is reported at once, in file order, across all passes', (t) => {
  t.deepEqual(fixtureErrors('many-errors.yaml'), [
    'many-errors.yaml:9:18: resources[0].operations.monitor.intervall: unknown key "intervall"; did you mean "interval"? allowed: interval, timeout',
    'many-errors.yaml:12:22: resources[1].meta.on-fail: on-fail "fence" needs fencing; set properties.fencing: true, or use one of: restart, stop, ignore, block, standby',
    `many-errors.yaml:12:46: resources[1].meta.failure-timeout: invalid duration "soon": expected ${DURATION_FORMS}`,
    'many-errors.yaml:15:40: groups[0].members[2]: unknown primitive resource "storage-api"; defined: storage-vip, storage-fs',
    `many-errors.yaml:18:13: constraints.order[0].id: duplicate id "storage-vip": already the id of the primitive resource at line 5; ${UNIQUE_IDS}`,
    'many-errors.yaml:18:48: constraints.order[0].then: a constraint between "storage" and itself has no meaning; name two different resources',
  ]);
});
