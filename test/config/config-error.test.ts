import { createHash } from 'node:crypto';

import test from 'ava';

import { ConfigError, formatErrors } from '../../agent/src/config/config-error.js';
import { canonicalJson, configFingerprint } from '../../agent/src/config/config-fingerprint.js';
import { formatConfigPath } from '../../agent/src/config/config-path.js';
import { EMPTY_CLUSTER_CONFIG } from '../../agent/src/config/model.js';
import { loadValid, readRepoFile } from './config-test-helpers.js';

test('an error formats as file:line:col: path: message, without the path when empty', (t) => {
  const e = new ConfigError('c.yaml', 3, 7, 'resources[0].id', 'invalid id');
  t.is(e.format(), 'c.yaml:3:7: resources[0].id: invalid id');
  t.is(String(e), e.format());
  t.is(new ConfigError('c.yaml', 1, 1, '', 'empty').format(), 'c.yaml:1:1: empty');
});

test('formatErrors prints one error a line, then a count', (t) => {
  const a = new ConfigError('c.yaml', 1, 1, 'a', 'x');
  const b = new ConfigError('c.yaml', 2, 3, 'b', 'y');
  t.is(formatErrors([a, b]), 'c.yaml:1:1: a: x\nc.yaml:2:3: b: y\n2 errors');
  t.is(formatErrors([a]), 'c.yaml:1:1: a: x\n1 error');
  t.is(formatErrors([]), '');
});

test('paths read like the YAML: keys with dots, lists with brackets, odd keys quoted', (t) => {
  t.is(
    formatConfigPath(['resources', 2, 'operations', 'monitor', 'interval']),
    'resources[2].operations.monitor.interval',
  );
  t.is(formatConfigPath(['resources', 0, 'params', 'net/mask']), 'resources[0].params["net/mask"]');
  t.is(formatConfigPath(['properties', 'no-quorum-policy']), 'properties.no-quorum-policy');
  t.is(formatConfigPath([]), '');
});

test('canonical JSON sorts keys at every level and keeps list order', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
  t.is(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
});

test('the fingerprint is the SHA-256 of the canonical JSON', (t) => {
  const expected = createHash('sha256').update(canonicalJson(EMPTY_CLUSTER_CONFIG)).digest('hex');
  t.is(configFingerprint(EMPTY_CLUSTER_CONFIG), expected);
  t.regex(configFingerprint(EMPTY_CLUSTER_CONFIG), /^[0-9a-f]{64}$/);
});

test('the fingerprint ignores how the YAML is written, and sees every change', (t) => {
  const original = readRepoFile('examples/config/storage-group.yaml');
  const rewritten = `
# same configuration, other spelling: flow style, explicit defaults, ms instead of units
apiVersion: quorate/v1
groups: [{ id: storage, members: [storage-vip, storage-fs, storage-api] }]
resources:
  - { id: storage-vip, agent: "ocf:heartbeat:IPaddr2", params: { cidr_netmask: "24", ip: 198.18.0.100 },
      operations: { monitor: { timeout: 10000, interval: 5000 }, start: { timeout: 20s } } }
  - { id: storage-fs, agent: "ocf:heartbeat:Filesystem",
      params: { fstype: xfs, directory: /srv/storage, device: /dev/disk/by-label/storage },
      operations: { stop: { timeout: 1m }, start: { timeout: 60000 } } }
  - { id: storage-api, agent: "systemd:storage-api", meta: { failure-timeout: 600s, migration-threshold: 2, stickiness: 100 } }
properties: { resource-defaults: { stickiness: 100, on-fail: restart }, fencing: false }
constraints:
  location:
    - { id: storage-prefers-node1, resource: storage, node: node1, score: "50" }
    - { id: storage-needs-disk, resource: storage, score: -INFINITY, rules: [{ op: lt, attribute: disk_free_pct, value: 10 }] }
`;
  const fingerprint = configFingerprint(loadValid(original));
  t.is(configFingerprint(loadValid(rewritten)), fingerprint);
  const changed = original.replace('score: 50', 'score: 51');
  t.not(changed, original);
  t.not(configFingerprint(loadValid(changed)), fingerprint);
});
