import { existsSync } from 'node:fs';
import { FENCE_AGENT, HOST_LINK } from './netns-cluster.js';
import { clusterForFile } from './file-cluster.js';
import { alive, run, sh, trySh, which } from './sys.js';

// fence-agents/fence_netns against real test hosts: the stdin key=value protocol, the exit
// codes of fence-agents (0 success or on, 1 error, 2 off), verified power-off, power-on that
// starts nothing, and the safety rule that only qrt- namespaces can be fenced.

const { hostTest, note, cluster: c } = clusterForFile({ size: 3 }, { waitForLeader: true });

const fence = (input: string, args: string[] = []) =>
  run(FENCE_AGENT, args, { input, timeoutMs: 60_000 });

hostTest(`metadata is well-formed XML naming the actions and parameters${note}`, (t) => {
  const r = fence('action=metadata\n');
  t.is(r.status, 0);
  t.regex(r.stdout, /<resource-agent name="fence_netns"/);
  for (const a of ['on', 'off', 'reboot', 'status', 'list', 'monitor', 'metadata'])
    t.regex(r.stdout, new RegExp(`<action name="${a}"`), `action ${a}`);
  for (const p of ['action', 'plug', 'port', 'nodename'])
    t.regex(r.stdout, new RegExp(`<parameter name="${p}"`), `parameter ${p}`);
  if (which('xmllint') !== undefined) {
    const lint = run('xmllint', ['--noout', '-'], { input: r.stdout });
    t.is(lint.status, 0, lint.stderr);
  }
  t.is(fence('', ['-o', 'metadata']).status, 0, 'command-line form');
});

hostTest(
  `status says on (0) for a running host; monitor succeeds; list names this run's hosts; bad plugs are errors (1)${note}`,
  (t) => {
    const cl = c();
    const h1 = cl.host('h1');
    const st = fence(`action=status\nplug=${h1.ns}\n`);
    t.is(st.status, 0, st.stderr);
    t.regex(st.stdout, /ON/);
    t.is(fence('', ['-o', 'status', '-n', h1.ns]).status, 0, 'command-line form');
    t.is(fence('# a comment\n\naction=monitor\n').status, 0);
    const list = fence(`action=list\nnetns_prefix=${cl.prefix}\n`);
    t.is(list.status, 0);
    for (const h of cl.hosts) t.true(list.stdout.includes(`${h.ns},${h.name}`), list.stdout);
    // Aliases: port=, nodename= with netns_prefix.
    t.is(fence(`action=status\nport=${h1.ns}\n`).status, 0);
    t.is(fence(`action=status\nnodename=h1\nnetns_prefix=${cl.prefix}\n`).status, 0);
    // Errors: no plug, no such namespace, a namespace outside the qrt- prefix.
    t.is(fence('action=status\n').status, 1);
    t.is(fence(`action=status\nplug=${cl.prefix}h99\n`).status, 1);
    const outside = fence('action=off\nplug=default\n');
    t.is(outside.status, 1);
    t.regex(outside.stderr, /refusing/);
    t.is(fence(`action=status\nnodename=h1\nnetns_prefix=other-\n`).status, 1);
    t.is(fence(`action=dance\nplug=${h1.ns}\n`).status, 1);
  },
);

hostTest(
  `off kills every process of the host and takes its links down, verified; status then says off (2); the cluster goes on${note}`,
  async (t) => {
    const cl = c();
    const h = cl.host('h1');
    const resource = cl.spawnIn('h1', ['sleep', '300']);
    cl.exec('h1', ['ip', 'addr', 'add', `${cl.vip(3)}/24`, 'dev', HOST_LINK]);
    const agentPid = h.agent.pid;
    const initPid = h.initPid!;
    t.true(cl.pidsOf('h1').length >= 3, 'init, agent and a resource run');

    const off = fence(`action=off\nplug=${h.ns}\n`);
    t.is(off.status, 0, off.stderr);
    t.regex(off.stdout, /Success/);
    t.deepEqual(cl.pidsOf('h1'), [], 'no process left');
    for (const pid of [agentPid, initPid, resource.pid!]) t.false(alive(pid), `pid ${pid} gone`);
    t.false(cl.linkOf('h1').up, 'link down');
    const st = fence(`action=status\nplug=${h.ns}\n`);
    t.is(st.status, 2);
    t.regex(st.stdout, /OFF/);
    await cl.noteOff('h1');
    t.deepEqual(cl.whoHolds(cl.vip(3)), [], 'an address on a powered-off host is not held');
    const { leader } = await cl.waitForLeader();
    t.not(leader, 'h1');
    // Off again is still a success (idempotent).
    t.is(fence(`action=off\nplug=${h.ns}\n`).status, 0);
  },
);

hostTest(
  `on brings the links back and starts nothing (status 0); the harness boots the host and its agent rejoins${note}`,
  async (t) => {
    const cl = c();
    const h = cl.host('h1');
    const on = fence(`action=on\nplug=${h.ns}\n`);
    t.is(on.status, 0, on.stderr);
    t.true(cl.linkOf('h1').up, 'link up');
    t.deepEqual(cl.pidsOf('h1'), [], 'no process started');
    t.is(fence(`action=status\nplug=${h.ns}\n`).status, 0);
    await cl.powerOn('h1');
    t.is((await h.agent.status()).id, 'h1');
    await cl.waitForLeader();
  },
);

hostTest(
  `a host can fence a peer from inside (its private view has this run's namespaces); reboot ends with the host's links up and no processes${note}`,
  async (t) => {
    const cl = c();
    const target = cl.host('h3');
    const r = cl.run('h2', [FENCE_AGENT], {
      input: `action=reboot\nnodename=h3\nnetns_prefix=${cl.prefix}\n`,
      timeoutMs: 60_000,
    });
    t.is(r.status, 0, r.stderr);
    t.deepEqual(cl.pidsOf('h3'), []);
    t.true(cl.linkOf('h3').up);
    await cl.noteOff('h3');
    // Fencing itself would kill the fence agent before it could verify: refused.
    const self = cl.run('h2', [FENCE_AGENT], { input: `action=off\nplug=${cl.host('h2').ns}\n` });
    t.is(self.status, 1);
    t.regex(self.stderr, /runs inside it/);
    // A host's private view keeps only this run's namespaces mounted (other runs' names may
    // show under /run/netns as empty files, which neither ip nor the fence agent can enter).
    const nsMounts = cl
      .mountsOf('h2')
      .filter((m) => m.fstype === 'nsfs')
      .map((m) => m.mountpoint);
    t.true(nsMounts.length >= cl.hosts.length, nsMounts.join(' '));
    t.true(
      nsMounts.every((m) => m.startsWith(`/run/netns/${cl.prefix}`)),
      nsMounts.join(' '),
    );
    // A namespace made after h2 booted is only an empty name in h2's view: the fence agent
    // must say it cannot reach it, never "off".
    const late = `${cl.prefix}h9`;
    sh('ip', ['netns', 'add', late]);
    t.teardown(() => trySh('ip', ['netns', 'del', late]));
    for (const action of ['status', 'off']) {
      const r = cl.run('h2', [FENCE_AGENT], { input: `action=${action}\nplug=${late}\n` });
      t.is(r.status, 1, `${action} of an unreachable namespace: ${r.stdout}`);
    }
    await cl.powerOn('h3');
    t.true(existsSync(FENCE_AGENT));
    t.is((await target.agent.status()).id, 'h3');
  },
);
