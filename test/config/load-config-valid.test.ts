import test from 'ava';

import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  INFINITY,
  type AgentRef,
  type ClusterConfig,
  type ResourceDef,
  type ResourceMeta,
} from '../../agent/src/config/model.js';
import { formatErrors } from '../../agent/src/config/config-error.js';
import { configFingerprint } from '../../agent/src/config/config-fingerprint.js';
import { loadConfig } from '../../agent/src/config/load-config.js';
import { loadValid, readRepoFile } from './config-test-helpers.js';

const ocf = (provider: string, type: string): AgentRef => ({ class: 'ocf', provider, type });
const systemd = (type: string): AgentRef => ({ class: 'systemd', type });

/** A primitive with every default, then `overrides` (operations and meta merged one level deep). */
function primitive(
  id: string,
  agent: AgentRef,
  overrides: {
    params?: Record<string, string>;
    operations?: Partial<ResourceDef['operations']>;
    meta?: Partial<ResourceMeta>;
  } = {},
  defaults: ResourceMeta = DEFAULT_RESOURCE_META,
): ResourceDef {
  return {
    id,
    agent,
    params: overrides.params ?? {},
    operations: {
      start: { timeoutMs: 20_000, intervalMs: 0 },
      stop: { timeoutMs: 20_000, intervalMs: 0 },
      monitor: { timeoutMs: 20_000, intervalMs: 10_000 },
      ...overrides.operations,
    },
    meta: { ...defaults, ...overrides.meta },
  };
}

test('example: a storage group behind a virtual IP', (t) => {
  const config = loadValid(readRepoFile('examples/config/storage-group.yaml'));
  const expected: ClusterConfig = {
    properties: {
      noQuorumPolicy: 'stop',
      fencingEnabled: false,
      resourceDefaults: { ...DEFAULT_RESOURCE_META, stickiness: 100 },
    },
    resources: [
      primitive('storage-vip', ocf('heartbeat', 'IPaddr2'), {
        params: { ip: '198.18.0.100', cidr_netmask: '24' },
        operations: { monitor: { intervalMs: 5_000, timeoutMs: 10_000 } },
      }),
      primitive('storage-fs', ocf('heartbeat', 'Filesystem'), {
        params: { device: '/dev/disk/by-label/storage', directory: '/srv/storage', fstype: 'xfs' },
        operations: {
          start: { timeoutMs: 60_000, intervalMs: 0 },
          stop: { timeoutMs: 60_000, intervalMs: 0 },
        },
      }),
      primitive('storage-api', systemd('storage-api.service'), {
        meta: { migrationThreshold: 2, failureTimeoutMs: 600_000 },
      }),
    ],
    groups: [{ id: 'storage', members: ['storage-vip', 'storage-fs', 'storage-api'], meta: {} }],
    clones: [],
    locations: [
      { id: 'storage-prefers-node1', resource: 'storage', score: 50, node: 'node1', rules: [] },
      {
        id: 'storage-needs-disk',
        resource: 'storage',
        score: -INFINITY,
        node: null,
        rules: [{ attribute: 'disk_free_pct', op: 'lt', value: 10 }],
      },
    ],
    colocations: [],
    orders: [],
  };
  t.deepEqual(config, expected);
});

test('example: HAProxy on a virtual IP in front of a back-end clone', (t) => {
  const config = loadValid(readRepoFile('examples/config/haproxy-backends.yaml'));
  t.deepEqual(config, {
    properties: EMPTY_CLUSTER_CONFIG.properties,
    resources: [
      primitive('web-vip', ocf('heartbeat', 'IPaddr2'), {
        params: { ip: '198.18.0.80', cidr_netmask: '24' },
        operations: { monitor: { intervalMs: 2_000, timeoutMs: 5_000 } },
      }),
      primitive('haproxy', systemd('haproxy.service')),
      primitive('api', systemd('api.service'), {
        operations: { monitor: { intervalMs: 5_000, timeoutMs: 10_000 } },
        meta: { onFail: 'restart', failureTimeoutMs: 120_000 },
      }),
    ],
    groups: [{ id: 'frontend', members: ['web-vip', 'haproxy'], meta: {} }],
    clones: [{ id: 'api-clone', resource: 'api', maxInstances: 3, meta: {} }],
    locations: [],
    colocations: [
      { id: 'frontend-with-api', resource: 'frontend', with: 'api-clone', score: INFINITY },
    ],
    orders: [
      {
        id: 'api-before-frontend',
        first: 'api-clone',
        then: 'frontend',
        kind: 'optional',
        symmetrical: true,
      },
    ],
  });
});

test('example: singletons next to clones, with fencing and resource defaults', (t) => {
  const config = loadValid(readRepoFile('examples/config/singletons-and-clones.yaml'));
  const defaults: ResourceMeta = {
    ...DEFAULT_RESOURCE_META,
    migrationThreshold: 3,
    failureTimeoutMs: 300_000,
  };
  t.deepEqual(config, {
    properties: { noQuorumPolicy: 'stop', fencingEnabled: true, resourceDefaults: defaults },
    resources: [
      primitive(
        'db',
        ocf('heartbeat', 'pgsql'),
        {
          params: { pgdata: '/var/lib/pgsql/data' },
          operations: {
            start: { timeoutMs: 120_000, intervalMs: 0 },
            stop: { timeoutMs: 120_000, intervalMs: 0 },
            monitor: { timeoutMs: 30_000, intervalMs: 15_000 },
          },
          meta: { onFail: 'fence', priority: 10 },
        },
        defaults,
      ),
      primitive('scheduler', systemd('job-scheduler.service'), {}, defaults),
      primitive('metrics', systemd('node-exporter.service'), {}, defaults),
      primitive('app', systemd('app.service'), {}, defaults),
    ],
    groups: [],
    clones: [
      { id: 'metrics-everywhere', resource: 'metrics', maxInstances: null, meta: {} },
      { id: 'app-clone', resource: 'app', maxInstances: 2, meta: {} },
    ],
    locations: [],
    colocations: [{ id: 'scheduler-with-db', resource: 'scheduler', with: 'db', score: 500 }],
    orders: [
      { id: 'db-before-app', first: 'db', then: 'app-clone', kind: 'mandatory', symmetrical: true },
      {
        id: 'db-before-scheduler',
        first: 'db',
        then: 'scheduler',
        kind: 'mandatory',
        symmetrical: false,
      },
    ],
  });
});

test('example: shards kept apart', (t) => {
  const config = loadValid(readRepoFile('examples/config/shards-apart.yaml'));
  const shards = ['a', 'b', 'c'];
  t.deepEqual(config, {
    properties: EMPTY_CLUSTER_CONFIG.properties,
    resources: shards.map((s) => primitive(`shard-${s}`, systemd(`shard@${s}.service`))),
    groups: [],
    clones: [],
    locations: [
      ...shards.map((s, i) => ({
        id: `${s}-on-node${i + 1}`,
        resource: `shard-${s}`,
        score: 100,
        node: `node${i + 1}`,
        rules: [],
      })),
      ...shards.map((s) => ({
        id: `${s}-needs-disk`,
        resource: `shard-${s}`,
        score: -INFINITY,
        node: null,
        rules: [{ attribute: 'disk_free_pct', op: 'lt' as const, value: 5 }],
      })),
    ],
    colocations: [
      { id: 'a-apart-from-b', resource: 'shard-b', with: 'shard-a', score: -INFINITY },
      { id: 'a-apart-from-c', resource: 'shard-c', with: 'shard-a', score: -INFINITY },
      { id: 'b-apart-from-c', resource: 'shard-c', with: 'shard-b', score: -INFINITY },
    ],
    orders: [],
  });
});

/** The fenced blocks of a markdown text, with their language tag. */
function fencedBlocks(markdown: string): { lang: string; body: string }[] {
  return [...markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    body: m[2],
  }));
}

test('docs/configuration.md: its examples load, as the same configs as examples/config/', (t) => {
  const doc = readRepoFile('docs/configuration.md');
  const section = (title: string): string => doc.split(`## ${title}\n`)[1].split('\n## ')[0];
  const others = doc.replace(section('Error messages'), '');
  const complete = fencedBlocks(others).filter(
    (b) => b.lang === 'yaml' && b.body.startsWith('apiVersion:'),
  );
  t.is(complete.length, 5, 'the first file and one example per deployment kind');
  for (const [i, block] of complete.entries()) {
    t.notThrows(() => loadValid(block.body, `configuration.md example ${i + 1}`));
  }
  const deployments = fencedBlocks(section('Examples by deployment'));
  const files = ['storage-group', 'haproxy-backends', 'singletons-and-clones', 'shards-apart'];
  t.is(deployments.length, files.length);
  files.forEach((file, i) => {
    t.is(
      configFingerprint(loadValid(deployments[i].body)),
      configFingerprint(loadValid(readRepoFile(`examples/config/${file}.yaml`))),
      file,
    );
  });
});

test('docs/configuration.md: the error example prints exactly as shown', (t) => {
  const doc = readRepoFile('docs/configuration.md');
  const [input, output] = fencedBlocks(doc.split('## Error messages\n')[1]);
  const result = loadConfig(input.body, 'cluster.yaml');
  t.false(result.ok);
  if (!result.ok) t.is(`${formatErrors(result.errors)}\n`, output.body);
});

test('apiVersion alone is the empty configuration', (t) => {
  t.deepEqual(loadValid('apiVersion: quorate/v1\n'), EMPTY_CLUSTER_CONFIG);
  t.deepEqual(
    loadValid('apiVersion: quorate/v1\nproperties:\nresources:\ngroups:\nconstraints:\n  order:\n'),
    EMPTY_CLUSTER_CONFIG,
    'empty sections read as empty',
  );
});

test('meta comes from the resource, else resource-defaults, else the built-in defaults', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
properties:
  resource-defaults: { stickiness: 5, on-fail: stop }
resources:
  - id: a
    agent: systemd:a
    meta: { stickiness: 0, target-role: stopped, priority: -3 }
  - { id: b, agent: "systemd:b" }
groups:
  - { id: g, members: [a], meta: { migration-threshold: 0 } }
clones:
  - { id: c, resource: b, meta: { failure-timeout: 30s } }
`);
  t.deepEqual(config.resources[0].meta, {
    ...DEFAULT_RESOURCE_META,
    stickiness: 0,
    onFail: 'stop',
    targetRole: 'stopped',
    priority: -3,
  });
  t.deepEqual(config.resources[1].meta, {
    ...DEFAULT_RESOURCE_META,
    stickiness: 5,
    onFail: 'stop',
  });
  t.deepEqual(config.groups[0].meta, { migrationThreshold: 0 }, 'groups keep only what they set');
  t.deepEqual(config.clones[0].meta, { failureTimeoutMs: 30_000 });
  t.is(config.resources[0].agent.type, 'a.service', 'systemd:a means a.service, as systemctl');
});

test('operations default to monitor every 10s, 20s timeouts, start and stop not recurring', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
resources:
  - id: a
    agent: systemd:a.service
    operations: { monitor: { timeout: 1500 }, stop: { timeout: 1m30s } }
`);
  t.deepEqual(config.resources[0].operations, {
    start: { timeoutMs: 20_000, intervalMs: 0 },
    stop: { timeoutMs: 90_000, intervalMs: 0 },
    monitor: { timeoutMs: 1_500, intervalMs: 10_000 },
  });
});

test('parameter values are kept exactly as written', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
resources:
  - id: a
    agent: ocf:heartbeat:Dummy
    params:
      mode: 0755
      version: 1.10
      big: 1e3
      hex: 0x1F
      flag: true
      quoted: "007"
      empty: ""
      multi: |
        line one
        line two
`);
  t.deepEqual(config.resources[0].params, {
    mode: '0755',
    version: '1.10',
    big: '1e3',
    hex: '0x1F',
    flag: 'true',
    quoted: '007',
    empty: '',
    multi: 'line one\nline two\n',
  });
});

test('scores: integers, INFINITY forms, quoted integers; beyond INFINITY saturates', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
resources:
  - { id: a, agent: "systemd:a", meta: { stickiness: 2000000 } }
  - { id: b, agent: "systemd:b", meta: { stickiness: "-50" } }
  - { id: c, agent: "systemd:c", meta: { stickiness: -.inf } }
  - { id: d, agent: "systemd:d" }
constraints:
  colocation:
    - { id: x, resource: a, with: b, score: +INFINITY }
    - { id: y, resource: b, with: c, score: INFINITY }
    - { id: z, resource: c, with: d, score: -3000000 }
`);
  t.deepEqual(
    config.resources.map((r) => r.meta.stickiness),
    [INFINITY, -50, -INFINITY, DEFAULT_RESOURCE_META.stickiness],
  );
  t.deepEqual(
    config.colocations.map((c) => c.score),
    [INFINITY, INFINITY, -INFINITY],
  );
});

test('anchors and aliases share blocks between resources', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
resources:
  - id: a
    agent: systemd:a
    operations: &slow { start: { timeout: 2m }, stop: { timeout: 2m } }
  - id: b
    agent: systemd:b
    operations: *slow
`);
  t.deepEqual(config.resources[0].operations, config.resources[1].operations);
  t.is(config.resources[1].operations.start.timeoutMs, 120_000);
});

test('a byte order mark and Windows line endings are fine', (t) => {
  const config = loadValid(
    '\uFEFFapiVersion: quorate/v1\r\nresources:\r\n  - { id: a, agent: "systemd:a" }\r\n',
  );
  t.is(config.resources[0].id, 'a');
});

test('location rules keep the value type; defined takes none', (t) => {
  const config = loadValid(`
apiVersion: quorate/v1
resources: [{ id: a, agent: "systemd:a" }]
constraints:
  location:
    - id: l
      resource: a
      score: 10
      rules:
        - { attribute: zone, op: eq, value: "1" }
        - { attribute: load, op: lte, value: 0.5 }
        - { attribute: ssd, op: eq, value: true }
        - { attribute: maintenance, op: not-defined }
`);
  t.deepEqual(config.locations[0].rules, [
    { attribute: 'zone', op: 'eq', value: '1' },
    { attribute: 'load', op: 'lte', value: 0.5 },
    { attribute: 'ssd', op: 'eq', value: 'true' },
    { attribute: 'maintenance', op: 'not-defined' },
  ]);
});
