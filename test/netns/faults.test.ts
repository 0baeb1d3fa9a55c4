import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { HOST_LINK, type HostRef } from './netns-cluster.js';
import { clusterForFile } from './file-cluster.js';
import { alive, pollUntil, procStat, which } from './sys.js';

// Each fault method does what it says, checked from outside the agents: connections, datagrams,
// ARP, process states and the kernel's view of each host. One cluster for the file; every test
// leaves it healed, with all hosts on and all agents running.

const { hostTest, note, cluster: c } = clusterForFile({ size: 3 }, { waitForLeader: true });

/** Whether `from` completes a TCP connection to `ip:port` within 1 s. */
function tcpConnects(from: HostRef, ip: string, port = 7400): boolean {
  return c().run(from, ['timeout', '1', 'bash', '-c', `</dev/tcp/${ip}/${port}`]).status === 0;
}

const UDP_PORT = 9999;

/** A UDP listener inside a host that collects what it receives. */
async function udpListener(host: HostRef): Promise<{ got: string[]; stop: () => void }> {
  const child: ChildProcess = c().spawnIn(host, [
    process.execPath,
    '-e',
    `const s = require('dgram').createSocket('udp4');
     s.on('message', (m) => process.stdout.write(m.toString() + '\\n'));
     s.bind(${UDP_PORT}, '0.0.0.0', () => process.stdout.write('READY\\n'));`,
  ]);
  const got: string[] = [];
  child.stdout!.on('data', (d: Buffer) => got.push(...d.toString().split('\n').filter(Boolean)));
  const ready = await pollUntil(10_000, 10, () => (got.includes('READY') ? true : undefined));
  if (ready === undefined) throw new Error('UDP listener did not start');
  return { got, stop: () => void child.kill('SIGKILL') };
}

/** Send `count` datagrams from a host; report how many of them the listener got. */
async function udpDelivered(
  from: HostRef,
  to: { got: string[] },
  toIp: string,
  label: string,
  count = 5,
): Promise<number> {
  for (let i = 0; i < count; i++)
    c().run(from, ['bash', '-c', `echo ${label}-${i} > /dev/udp/${toIp}/${UDP_PORT}`]);
  // Delivery on a bridge takes well under a millisecond; wait a little for stragglers.
  await pollUntil(300, 20, () =>
    to.got.filter((g) => g.startsWith(`${label}-`)).length === count ? true : undefined,
  );
  return to.got.filter((g) => g.startsWith(`${label}-`)).length;
}

hostTest(
  `linkDown pulls the host's cable (carrier gone, address kept, unreachable by TCP and ARP); linkUp puts it back${note}`,
  async (t) => {
    const cl = c();
    const h1 = cl.host('h1');
    t.true(tcpConnects('h2', h1.ip), 'reachable before');
    await cl.linkDown('h1');
    const link = cl.linkOf('h1');
    t.true(link.up, 'still administratively up on the host');
    t.false(link.carrier, 'no carrier');
    t.deepEqual(cl.whoHolds(h1.ip), ['h1'], 'the host keeps its address');
    t.false(tcpConnects('h2', h1.ip), 'h2 cannot connect to h1');
    t.false(tcpConnects('h1', cl.host('h2').ip), 'h1 cannot connect to h2');
    if (which('arping') !== undefined) {
      const arp = cl.runClient(['arping', '-c', '1', '-w', '1', '-I', HOST_LINK, h1.ip]);
      t.not(arp.status, 0, 'no ARP answer from h1');
    }
    await cl.linkUp('h1');
    t.true(cl.linkOf('h1').carrier);
    const back = await pollUntil(5_000, 50, () => (tcpConnects('h2', h1.ip) ? true : undefined));
    t.true(back, 'reachable again');
    if (which('arping') !== undefined) {
      const arp = cl.runClient(['arping', '-c', '1', '-w', '2', '-I', HOST_LINK, h1.ip]);
      t.is(arp.status, 0, `ARP answer from h1: ${arp.stdout}`);
    }
  },
);

hostTest(
  `isolate(h, 'in'|'out'|'both') drops IP one way or both at the host's link, checked with datagrams; heal() restores both ways${note}`,
  async (t) => {
    const cl = c();
    const [h1, h2] = [cl.host('h1'), cl.host('h2')];
    const on1 = await udpListener('h1');
    const on2 = await udpListener('h2');
    t.teardown(() => (on1.stop(), on2.stop()));
    t.is(await udpDelivered('h1', on2, h2.ip, 'base12'), 5, 'h1 -> h2 before');
    t.is(await udpDelivered('h2', on1, h1.ip, 'base21'), 5, 'h2 -> h1 before');

    cl.isolate('h1', 'in');
    t.is(await udpDelivered('h1', on2, h2.ip, 'in12'), 5, "'in': h1 can send");
    t.is(await udpDelivered('h2', on1, h1.ip, 'in21'), 0, "'in': h1 receives nothing");

    cl.isolate('h1', 'out');
    t.is(await udpDelivered('h1', on2, h2.ip, 'out12'), 0, "'out': nothing leaves h1");
    t.is(await udpDelivered('h2', on1, h1.ip, 'out21'), 5, "'out': h1 still receives");

    cl.isolate('h1', 'both');
    t.is(await udpDelivered('h1', on2, h2.ip, 'both12'), 0, "'both': nothing leaves");
    t.is(await udpDelivered('h2', on1, h1.ip, 'both21'), 0, "'both': nothing arrives");
    t.false(tcpConnects('h2', h1.ip), "'both': no TCP either");
    // The rest of the cluster goes on without h1.
    const { leader } = await cl.waitForLeader({ among: ['h2', 'h3'] });
    t.not(leader, 'h1');

    await cl.heal();
    t.is(await udpDelivered('h1', on2, h2.ip, 'healed12'), 5, 'healed: h1 -> h2');
    t.is(await udpDelivered('h2', on1, h1.ip, 'healed21'), 5, 'healed: h2 -> h1');
    await cl.waitForLeader();
  },
);

hostTest(
  `pauseAgent freezes the agent (state T, no answers, others elect without it); resumeAgent thaws it${note}`,
  async (t) => {
    const cl = c();
    const { leader } = await cl.waitForLeader();
    const a = cl.host(leader).agent;
    await cl.pauseAgent(leader);
    t.is(procStat(a.pid)?.state, 'T');
    await t.throwsAsync(a.status(500), { message: /no answer/ });
    const others = cl.hosts.filter((h) => h.name !== leader).map((h) => h.name);
    const second = await cl.waitForLeader({ among: others });
    t.not(second.leader, leader, 'a new leader among the others');
    await cl.resumeAgent(leader);
    t.not(procStat(a.pid)?.state, 'T');
    const st = await a.status(5_000);
    t.is(st.id, leader, 'answers again');
    const third = await cl.waitForLeader();
    t.true(third.term >= second.term, 'rejoined the current term');
  },
);

hostTest(
  `killAgent kills the agent alone: what runs on the host and its addresses stay; restartAgent brings it back from its data${note}`,
  async (t) => {
    const cl = c();
    const h = cl.host('h3');
    const oldPid = h.agent.pid;
    const resource = cl.spawnIn('h3', ['sleep', '300']);
    await pollUntil(5_000, 10, () => (cl.pidsOf('h3').includes(resource.pid!) ? true : undefined));
    const vip = cl.vip(1);
    cl.exec('h3', ['ip', 'addr', 'add', `${vip}/24`, 'dev', HOST_LINK]);
    t.teardown(() => {
      resource.kill('SIGKILL');
      if (cl.isOn('h3')) cl.run('h3', ['ip', 'addr', 'del', `${vip}/24`, 'dev', HOST_LINK]);
    });

    await cl.killAgent('h3');
    t.false(alive(oldPid), 'agent gone');
    t.false(h.agent.running);
    t.true(alive(resource.pid!), 'the resource process still runs');
    t.true(cl.pidsOf('h3').includes(resource.pid!));
    t.deepEqual(cl.whoHolds(vip), ['h3'], 'the address stays');
    t.true(cl.isOn('h3'), 'the host is still on');

    await cl.restartAgent('h3');
    t.not(h.agent.pid, oldPid);
    t.is((await h.agent.status()).id, 'h3');
    await cl.waitForLeader();
    t.true(alive(resource.pid!));
  },
);

hostTest(
  `crashHost kills every process of the host and takes its link down: no pid, no mount, no reachable address; powerOn boots it clean${note}`,
  async (t) => {
    const cl = c();
    const h = cl.host('h2');
    const resource = cl.spawnIn('h2', ['sleep', '300']);
    const vip = cl.vip(2);
    cl.exec('h2', ['ip', 'addr', 'add', `${vip}/24`, 'dev', HOST_LINK]);
    cl.mountShared('h2');
    t.deepEqual(cl.whoMounts(cl.device), ['h2']);
    t.deepEqual(cl.whoHolds(vip), ['h2']);
    const agentPid = h.agent.pid;
    const initPid = h.initPid!;

    const exited = once(resource, 'exit');
    await cl.crashHost('h2');
    await exited;
    t.deepEqual(cl.pidsOf('h2'), [], 'ip netns pids: nothing left');
    t.false(alive(agentPid));
    t.false(alive(initPid));
    t.false(cl.isOn('h2'));
    t.false(cl.linkOf('h2').up, 'link administratively down');
    t.deepEqual(cl.whoMounts(cl.device), [], 'the mount died with the host');
    t.deepEqual(cl.whoHolds(vip), [], 'nothing held while off');
    t.true(
      cl.addressesOf('h2').some((a) => a.address === vip),
      'the address is still configured in the namespace (inert)',
    );
    t.false(tcpConnects('h1', h.ip), 'unreachable');
    const { leader } = await cl.waitForLeader();
    t.not(leader, 'h2');
    t.throws(() => cl.exec('h2', ['true']), { message: /off/ });

    await cl.powerOn('h2');
    t.true(cl.isOn('h2'));
    t.deepEqual(
      cl
        .addressesOf('h2')
        .map((a) => a.address)
        .sort(),
      ['127.0.0.1', h.ip].sort(),
      'booted with its own address only',
    );
    t.deepEqual(
      cl.mountsOf('h2').filter((m) => m.mountpoint === cl.mountPoint),
      [],
    );
    t.true(tcpConnects('h1', h.ip), 'reachable again');
    t.is((await h.agent.status()).id, 'h2');
    await cl.waitForLeader();
  },
);
