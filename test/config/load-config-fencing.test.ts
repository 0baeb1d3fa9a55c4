import test from 'ava';
import { loadConfig } from '../../agent/src/config/load-config.js';

// The `fencing` section: fence devices and levels, as the leader's fencer will run them.

const head = 'apiVersion: quorate/v1\nproperties:\n  fencing: true\n';

test('fence devices and levels load into the model, secrets kept as parameters', (t) => {
  const text = `${head}fencing:
  devices:
    - id: pdu-a
      agent: fence_apc
      params: { ip: 198.18.0.9, username: admin, password: s3cret }
      host-map: { node1: "1", node2: "2" }
      timeout: 5s
    - id: ipmi-node1
      agent: /usr/sbin/fence_ipmilan
      params: { ip: 198.18.0.11, lanplus: 1 }
      host-map: { node1: "" }
      verify: agent
  levels:
    - { node: node1, index: 2, devices: [pdu-a] }
    - { node: node1, index: 1, devices: [ipmi-node1] }
`;
  const r = loadConfig(text, 'c.yaml');
  if (!r.ok) return t.fail(r.errors.map((e) => e.format()).join('\n'));
  t.deepEqual(r.config.fencing, {
    devices: [
      {
        id: 'pdu-a',
        agent: 'fence_apc',
        params: { ip: '198.18.0.9', username: 'admin', password: 's3cret' },
        hostMap: { node1: '1', node2: '2' },
        timeoutMs: 5000,
      },
      {
        id: 'ipmi-node1',
        agent: '/usr/sbin/fence_ipmilan',
        params: { ip: '198.18.0.11', lanplus: '1' },
        hostMap: { node1: '' },
        timeoutMs: 20_000,
        verify: 'agent',
      },
    ],
    topology: {
      node1: [
        { index: 1, devices: ['ipmi-node1'] },
        { index: 2, devices: ['pdu-a'] },
      ],
    },
  });
});

test('a bad fence device is refused at the device, and no message holds a secret', (t) => {
  const text = `${head}fencing:
  devices:
    - id: pdu-a
      agent: ../bin/evil
      params: { password: "s3cret\\nplug=9" }
      host-map: { node1: "1" }
  levels:
    - { node: node1, index: 12, devices: [] }
`;
  const r = loadConfig(text, 'c.yaml');
  t.false(r.ok);
  if (r.ok) return;
  t.deepEqual(
    r.errors.map((e) => e.format()),
    [
      'c.yaml:11:29: fencing.levels[0].index: expected a whole number from 1 to 9; got the number 12',
      'c.yaml:11:42: fencing.levels[0].devices: a fencing level needs at least one device',
    ],
  );
  // Once the types are right, the device itself is checked (agent path, parameter values).
  const typed = text.replace('index: 12, devices: []', 'index: 1, devices: [pdu-a]');
  const r2 = loadConfig(typed, 'c.yaml');
  t.false(r2.ok);
  if (r2.ok) return;
  const lines = r2.errors.map((e) => e.format());
  t.log(lines.join('\n'));
  t.true(
    lines.some(
      (l) =>
        l.startsWith('c.yaml:6:7: fencing.devices[0]: ') &&
        l.includes('must be a program name or an absolute path'),
    ),
  );
  t.true(
    lines.some((l) => l.startsWith('c.yaml:6:7: fencing.devices[0]: ') && l.includes('password')),
  );
  t.true(
    lines.every((l) => !l.includes('s3cret')),
    'no secret in any message',
  );
});

test('a fencing section with a level problem names the level', (t) => {
  const text = `${head}fencing:
  devices:
    - { id: pdu-a, agent: fence_apc, host-map: { node1: "1" } }
  levels:
    - { node: node2, index: 1, devices: [pdu-a] }
    - { node: node1, index: 1, devices: [nope] }
    - { node: node1, index: 1, devices: [pdu-a] }
`;
  const r = loadConfig(text, 'c.yaml');
  t.false(r.ok);
  if (r.ok) return;
  const lines = r.errors.map((e) => e.format());
  t.deepEqual(lines, [
    'c.yaml:8:41: fencing.levels[0].devices: fencing level 1 of node node2: fence device pdu-a has no plug for node node2 in its hostMap',
    'c.yaml:9:41: fencing.levels[1].devices: fencing level 1 of node node1 names unknown fence device nope',
    'c.yaml:10:29: fencing.levels[2].index: node node1 already has a fencing level 1; each level needs its own index (1-9)',
  ]);
});

test('verify is status or agent, and nothing else', (t) => {
  const text = `${head}fencing:
  devices:
    - id: pdu-a
      agent: fence_apc
      host-map: { node1: "1" }
      verify: trust-me
`;
  const r = loadConfig(text, 'v.yaml');
  if (r.ok) return t.fail('accepted verify: trust-me');
  t.deepEqual(
    r.errors.map((e) => e.format()),
    ['v.yaml:9:15: fencing.devices[0].verify: invalid value "trust-me"; allowed: status, agent'],
  );
});
