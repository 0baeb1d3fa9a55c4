import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { HOST_LINK } from './netns-cluster.js';
import { clusterForFile } from './file-cluster.js';
import {
  json,
  loopDevices,
  mountsOfPid,
  netnsIdentity,
  netnsList,
  nsOf,
  pollUntil,
  run,
  TOOL_ENV,
} from './sys.js';

// A three-host cluster on real network namespaces: what gets built, where the agents run,
// that they elect a leader over the bridge, that each host has its own mount view of the
// shared disk, and that destroy() leaves nothing behind. One cluster for the file; the tests
// run in order and the last one destroys it.

const { hostTest, note, cluster: c } = clusterForFile({ size: 3 });

hostTest(
  `three hosts, a client and a switch namespace; addresses from 198.18.0.0/15 only, IPv4 only; the root namespace gets no link${note}`,
  (t) => {
    const cl = c();
    const mine = netnsList().filter((n) => n.startsWith(cl.prefix));
    t.deepEqual(mine.sort(), [cl.clientNs, ...cl.hosts.map((h) => h.ns), cl.switchNs].sort());
    t.regex(cl.tag, /^[0-9a-f]{6}$/);
    t.regex(cl.subnet, /^198\.1[89]\.\d{1,3}$/);
    for (const h of cl.hosts) {
      t.regex(h.ns, new RegExp(`^qrt-${cl.tag}-h${h.index}$`));
      const addrs = cl.addressesOf(h.name);
      t.deepEqual(
        addrs.map((a) => `${a.dev} ${a.address}/${a.prefixlen}`).sort(),
        [`${HOST_LINK} ${h.ip}/24`, 'lo 127.0.0.1/8'].sort(),
        `${h.name} addresses`,
      );
      t.true(
        addrs.every((a) => a.up && a.carrier),
        `${h.name}: links up with carrier`,
      );
      // No IPv6 at all (no link-local addresses either).
      const v6 = json<{ addr_info?: { family: string }[] }[]>('ip', ['-n', h.ns, '-j', 'addr']);
      t.false(
        v6.some((l) => (l.addr_info ?? []).some((a) => a.family === 'inet6')),
        `${h.name}: no IPv6`,
      );
    }
    // The bridge is in the switch namespace and has no address; its ports are the hosts'.
    const sw = json<{ ifname: string; master?: string; addr_info?: unknown[] }[]>('ip', [
      '-n',
      cl.switchNs,
      '-j',
      'addr',
    ]);
    const bridge = sw.find((l) => l.ifname === cl.bridge);
    t.truthy(bridge, 'bridge in the switch namespace');
    t.deepEqual(bridge?.addr_info ?? [], [], 'no address on the bridge');
    t.deepEqual(
      sw
        .filter((l) => l.master === cl.bridge)
        .map((l) => l.ifname)
        .sort(),
      [...cl.hosts.map((h) => h.switchPort), `${cl.prefix}pc`].sort(),
    );
    const rootLinks = json<{ ifname: string }[]>('ip', ['-j', 'link']).map((l) => l.ifname);
    t.false(
      rootLinks.some((n) => n.startsWith('qrt-') || n === cl.bridge),
      'nothing in the root namespace',
    );
    // The client reaches every host over the bridge.
    for (const h of cl.hosts) {
      const r = cl.runClient(['timeout', '2', 'bash', '-c', `</dev/tcp/${h.ip}/7400`]);
      t.is(r.status, 0, `client connects to ${h.name}'s agent port: ${r.stderr}`);
    }
  },
);

hostTest(
  `every agent runs inside its host (its network namespace, its init's mount namespace), answers over IPC, and all agree on one leader${note}`,
  async (t) => {
    const cl = c();
    for (const h of cl.hosts) {
      const pid = h.agent.pid;
      t.is(nsOf(pid, 'net'), netnsIdentity(h.ns), `${h.name}: agent in the host's netns`);
      t.is(nsOf(pid, 'mnt'), nsOf(h.initPid!, 'mnt'), `${h.name}: agent in the host's mount ns`);
      t.not(nsOf(pid, 'mnt'), nsOf('self', 'mnt'), `${h.name}: a private mount view`);
      t.true(cl.pidsOf(h.name).includes(pid), `${h.name}: ip netns pids lists the agent`);
      const st = await h.agent.status();
      t.is(st.id, h.name);
    }
    const { leader, term } = await cl.waitForLeader();
    t.true(
      cl.hosts.some((h) => h.name === leader),
      'the leader is one of the hosts',
    );
    t.true(term >= 1);
    // The agents talk over the bridge: every peer is connected to its host address.
    const ss = cl.exec(leader, ['ss', '-Htn', 'state', 'established']);
    const peers = cl.hosts.filter((h) => h.name !== leader).map((h) => h.ip);
    t.true(
      peers.every((ip) => ss.includes(ip)),
      `leader has TCP connections to ${peers.join(', ')}: ${ss}`,
    );
  },
);

hostTest(
  `a forked process keeps its IPC channel through ip netns exec and unshare (both exec in place)${note}`,
  async (t) => {
    const cl = c();
    const h = cl.host(2);
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        h.ns,
        'unshare',
        '--mount',
        '--propagation',
        'private',
        process.execPath,
        '-e',
        "process.send({ net: require('fs').readlinkSync('/proc/self/ns/net') }); process.disconnect();",
      ],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: TOOL_ENV },
    );
    const msg = await new Promise<{ net: string }>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('no IPC message within 10 s')), 10_000);
      child.once('message', (m) => (clearTimeout(timer), res(m as { net: string })));
      child.once('exit', (code) => rej(new Error(`exited ${code} without a message`)));
    });
    t.is(msg.net, netnsIdentity(h.ns));
  },
);

hostTest(
  `the shared disk mounted on h1 is visible in h1's view only: not in h2's, h3's or the root's; the watcher sees h1 hold it${note}`,
  async (t) => {
    const cl = c();
    t.true(statSync(cl.device).isBlockDevice());
    cl.mountShared('h1');
    t.teardown(() => {
      if (cl.isOn('h1')) cl.run('h1', ['umount', cl.mountPoint]);
    });
    t.deepEqual(cl.whoMounts(cl.mountPoint), ['h1']);
    t.deepEqual(cl.whoMounts(cl.device), ['h1']);
    t.true(cl.mountsOf('h1').some((m) => m.mountpoint === cl.mountPoint && m.fstype === 'ext4'));
    t.false(cl.mountsOf('h2').some((m) => m.mountpoint === cl.mountPoint));
    t.false(
      (mountsOfPid('self') ?? []).some((m) => m.mountpoint === cl.mountPoint),
      'root view',
    );
    // A file written through h1's mount is not under h2's (empty) directory.
    cl.exec('h1', ['sh', '-c', `echo hello > ${cl.mountPoint}/from-h1`]);
    t.is(cl.exec('h1', ['cat', `${cl.mountPoint}/from-h1`]).trim(), 'hello');
    t.is(cl.run('h2', ['test', '-e', `${cl.mountPoint}/from-h1`]).status, 1);
    t.false(existsSync(`${cl.mountPoint}/from-h1`), 'not in the root view either');
    // The device node is global: h2 sees the same loop device.
    t.is(cl.run('h2', ['test', '-b', cl.device]).status, 0);
    // The watcher's next sample sees it.
    const r = await pollUntil(5_000, 20, async () => {
      const rep = await cl.watcher!.report();
      return rep.last['h1']?.device === true ? rep : undefined;
    });
    t.truthy(r, 'watcher: h1 holds the device');
    if (r === undefined) return;
    t.false(r.last['h2']?.device);
    t.deepEqual(r.overlaps, [], 'no overlap so far');
    cl.umountShared('h1');
    t.deepEqual(cl.whoMounts(cl.device), []);
  },
);

hostTest(
  `each host has a /run of its own (OCF agents keep state there) that still lists this run's namespaces${note}`,
  (t) => {
    const cl = c();
    const marker = `/run/qrt-marker-${cl.tag}`;
    cl.exec('h1', ['touch', marker]);
    t.is(cl.run('h1', ['test', '-e', marker]).status, 0);
    t.is(cl.run('h2', ['test', '-e', marker]).status, 1, 'not on h2');
    t.false(existsSync(marker), 'not in the root view');
    const run1 = cl.mountsOf('h1').find((m) => m.mountpoint === '/run');
    t.is(run1?.fstype, 'tmpfs');
    const seen = cl.exec('h2', [
      'ip',
      '-n',
      cl.host('h3').ns,
      '-br',
      'addr',
      'show',
      'dev',
      HOST_LINK,
    ]);
    t.true(seen.includes(cl.host('h3').ip), 'h2 can reach h3 by namespace name');
  },
);

hostTest(
  `destroy() leaves nothing: no namespace, loop device, mount, nft table, link or file of the run${note}`,
  async (t) => {
    const cl = c();
    const image = cl.image;
    const device = cl.device;
    cl.isolate('h2', 'both'); // an nft table inside a host, to be gone too
    await cl.destroy();
    const left = cl.leftovers();
    t.deepEqual(left, {
      namespaces: [],
      loopDevices: [],
      mounts: [],
      runDir: false,
      rootLinks: [],
      rootNftTables: [],
    });
    t.false(
      netnsList().some((n) => n.startsWith(cl.prefix)),
      'ip netns list',
    );
    t.false(run('losetup', ['-a']).stdout.includes(image), 'losetup -a');
    t.false(
      loopDevices().some((l) => l.name === device && l.backFile === image),
      'loop device detached',
    );
    t.false(run('nft', ['list', 'tables']).stdout.includes('qrt_'), 'nft list tables (root)');
    t.false(existsSync(cl.runDir));
    for (const h of cl.hosts) t.false(h.agent.running);
  },
);
