import test from 'ava';

import { checkFenceConfig } from '../../agent/src/fencing/check-fence-config.js';
import type { FenceDevice } from '../../agent/src/fencing/fence-device.js';

const device = (id: string, overrides: Partial<FenceDevice> = {}): FenceDevice => ({
  id,
  agent: 'fence_ipmilan',
  params: { ip: '10.0.0.1', username: 'admin', password: 'hunter2-secret' },
  hostMap: { n1: '' },
  timeoutMs: 20_000,
  ...overrides,
});

test('a sound configuration has no problems', (t) => {
  const devices = [
    device('ipmi-n1'),
    device('pdu', { agent: '/opt/fence/fence_pdu', hostMap: { n1: '3' } }),
  ];
  t.deepEqual(
    checkFenceConfig(devices, {
      n1: [
        { index: 1, devices: ['ipmi-n1'] },
        { index: 2, devices: ['pdu'] },
      ],
    }),
    [],
  );
});

test('each problem is named, and no parameter value appears', (t) => {
  const devices = [
    device('a', { agent: '../bin/sh' }),
    device('a', { timeoutMs: 0 }),
    device('b', { params: { password: 'hunter2-secret\naction=on', plug: 'x' } }),
  ];
  const problems = checkFenceConfig(devices, {
    n1: [
      { index: 1, devices: ['a', 'ghost'] },
      { index: 1, devices: [] },
    ],
    n2: [{ index: 1, devices: ['b'] }],
  });
  t.deepEqual(problems, [
    'fence device "a": agent "../bin/sh" must be a program name or an absolute path',
    'fence device "a" is defined twice',
    'fence device "a": timeoutMs must be in (0, 2147483647], got 0',
    'fence device "b": value of parameter password contains a line break or NUL byte',
    'fencing level 1 of node n1 names unknown fence device ghost',
    'fencing level 1 of node n1 is defined twice',
    'fencing level 1 of node n1 lists no device',
    'fencing level 1 of node n2: fence device b has no plug for node n2 in its hostMap',
  ]);
  t.false(problems.join('\n').includes('hunter2'));
});
