import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeExt4, mountedAt } from './blockdev.js';
import { addrs, makeNet } from './netns.js';
import {
  conformance,
  HEARTBEAT_DIR,
  HEARTBEAT_OCF_ROOT,
  IS_ROOT,
  NEEDS_ROOT,
  tag,
  type AgentSpec,
} from './ocf.js';

// Debian's ocf:heartbeat:IPaddr2 and ocf:heartbeat:Filesystem through the same conformance
// helper as the project's agents, against the same kinds of real resources: a reference for what
// the helper expects, and a check that the project's agents behave like the established ones.

function skipReason(agent: string): string | undefined {
  if (!IS_ROOT) return NEEDS_ROOT;
  if (!existsSync(join(HEARTBEAT_DIR, agent)))
    return `Debian's resource-agents is not installed (${HEARTBEAT_DIR}/${agent} is missing)`;
  return undefined;
}

const ipSkip = skipReason('IPaddr2');
(ipSkip === undefined ? test : test.skip)(
  `conformance: ocf:heartbeat:IPaddr2 in a network namespace; the address appears on and leaves the veth (ip addr)${ipSkip === undefined ? '' : ` [skipped: ${ipSkip}]`}`,
  async (t) => {
    const net = await makeNet(t);
    const ip = `${net.prefix}.20`;
    const spec: AgentSpec = {
      label: 'IPaddr2',
      ocfRoot: HEARTBEAT_OCF_ROOT,
      provider: 'heartbeat',
      type: 'IPaddr2',
      instance: `ipaddr2-${net.tag}`,
      params: { ip, cidr_netmask: '24', nic: net.nicA },
      wrap: ['ip', 'netns', 'exec', net.nsA],
      timeoutMs: 60_000,
    };
    await conformance(t, spec, {
      isActive: () => addrs(net.nsA, net.nicA).includes(`${ip}/24`),
    });
  },
);

const fsSkip = skipReason('Filesystem');
(fsSkip === undefined ? test : test.skip)(
  `conformance: ocf:heartbeat:Filesystem on an ext4 loop device, monitor depths 0, 10, 20; mountinfo agrees${fsSkip === undefined ? '' : ` [skipped: ${fsSkip}]`}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec: AgentSpec = {
      label: 'Filesystem',
      ocfRoot: HEARTBEAT_OCF_ROOT,
      provider: 'heartbeat',
      type: 'Filesystem',
      instance: `fs-${tag()}`,
      params: { device: fs.device, directory: fs.mnt, fstype: 'ext4' },
      timeoutMs: 90_000,
    };
    await conformance(t, spec, {
      isActive: () => mountedAt(fs.mnt).some((m) => m.source === fs.device),
      depths: [0, 10, 20],
      // resource-agents 4.12's validate-all checks only device (directory and fstype are
      // looked at by start): logged as a deviation.
      lenientRequired: ['directory', 'fstype'],
    });
  },
);
