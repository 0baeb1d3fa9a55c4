import test, { type ExecutionContext } from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  cwdOf,
  holdsFileUnder,
  loopsOf,
  makeExt4,
  mountedAt,
  Spawned,
  type Ext4,
} from './blockdev.js';
import {
  cmdline,
  conformance,
  describe,
  IS_ROOT,
  NEEDS_ROOT,
  OCF,
  pollUntil,
  quorateOcfRoot,
  runAgent,
  sh,
  tag,
  trySh,
  type AgentSpec,
  which,
} from './ocf.js';

// ocf:quorate:filesystem on a real ext4 image attached to a loop device. Mount state is read
// from /proc/self/mountinfo by the test itself, never through the agent.

const SKIP = !IS_ROOT
  ? NEEDS_ROOT
  : which('mkfs.ext4') === undefined || which('losetup') === undefined
    ? 'needs e2fsprogs and util-linux'
    : undefined;
const rootTest = SKIP === undefined ? test : test.skip;
const skipNote = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;

function fsSpec(t: ExecutionContext, fs: Ext4, params: Record<string, string> = {}): AgentSpec {
  return {
    label: 'filesystem',
    ocfRoot: quorateOcfRoot(t),
    provider: 'quorate',
    type: 'filesystem',
    instance: `fs-${tag()}`,
    params: { device: fs.device, directory: fs.mnt, fstype: 'ext4', term_timeout: '2', ...params },
    timeoutMs: 60_000,
  };
}

const mounted = (fs: Ext4) => mountedAt(fs.mnt).length > 0;

rootTest(
  `conformance: ext4 on a loop device, monitor at depths 0, 10 and 20; mountinfo shows it after start and not after stop${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec = fsSpec(t, fs);
    await conformance(t, spec, {
      isActive: () => mountedAt(fs.mnt).some((m) => m.source === fs.device && m.fstype === 'ext4'),
      depths: [0, 10, 20],
    });
    // Depth 20 leaves no status file behind.
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);
    const r = await runAgent(spec, 'monitor', { env: { OCF_CHECK_LEVEL: '20' } });
    t.is(r.rc, OCF.SUCCESS, describe(spec, 'monitor 20', r));
    t.deepEqual(sh('ls', ['-A', fs.mnt]).split('\n').filter(Boolean), ['lost+found']);
    t.is((await runAgent(spec, 'stop')).rc, OCF.SUCCESS);
  },
);

rootTest(
  `stop while busy: a process with its cwd in the mount and one holding a file open there get TERM, exit, and the filesystem is unmounted${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const procs = new Spawned(t);
    const spec = fsSpec(t, fs);
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);

    const inCwd = await procs.start(['sleep', '300'], fs.mnt, (pid) => cwdOf(pid) === fs.mnt);
    const holder = await procs.start(
      ['sh', '-c', `exec 3>'${fs.mnt}/held'; exec sleep 300`],
      fs.dir,
      (pid) => cmdline(pid)?.[0] === 'sleep' && holdsFileUnder(pid, fs.mnt),
    );
    t.false(trySh('umount', [fs.mnt]), 'precondition: the mount is busy');

    const stop = await runAgent(spec, 'stop');
    t.is(stop.rc, OCF.SUCCESS, describe(spec, 'stop', stop));
    t.is(await inCwd.exited, 'SIGTERM');
    t.is(await holder.exited, 'SIGTERM');
    t.false(mounted(fs), 'unmounted');
    t.is((await runAgent(spec, 'monitor')).rc, OCF.NOT_RUNNING);
  },
);

rootTest(
  `stop escalates: a user of the mount that ignores TERM gets KILL after term_timeout, then the unmount succeeds${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const procs = new Spawned(t);
    const spec = fsSpec(t, fs, { term_timeout: '1' });
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);

    const stubborn = await procs.start(
      ['sh', '-c', 'trap "" TERM; exec sleep 300'],
      fs.mnt,
      (pid) => cmdline(pid)?.[0] === 'sleep',
    );
    const stop = await runAgent(spec, 'stop');
    t.is(stop.rc, OCF.SUCCESS, describe(spec, 'stop', stop));
    t.regex(stop.stderr, /sending TERM/);
    t.regex(stop.stderr, /sending KILL/);
    t.is(await stubborn.exited, 'SIGKILL');
    t.false(mounted(fs));
  },
);

rootTest(
  `monitor depth 20 fails (1) on a read-only mount while depths 0 and 10 pass${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec = fsSpec(t, fs, { options: 'ro' });
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);
    t.true(mountedAt(fs.mnt).some((m) => m.options.split(',').includes('ro')));
    for (const [depth, want] of [
      ['0', OCF.SUCCESS],
      ['10', OCF.SUCCESS],
      ['20', OCF.ERR_GENERIC],
    ] as const) {
      const r = await runAgent(spec, 'monitor', { env: { OCF_CHECK_LEVEL: depth } });
      t.is(r.rc, want, describe(spec, `monitor ${depth}`, r));
    }
    t.is((await runAgent(spec, 'stop')).rc, OCF.SUCCESS);
  },
);

rootTest(
  `a mount pinned by no process (a loop device backed by a file in it): stop fails (1) and leaves it mounted; with lazy_unmount=true stop returns 0 although the detached filesystem can still be written${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec = fsSpec(t, fs);
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);
    const inner = join(fs.mnt, 'inner.img');
    sh('truncate', ['-s', '1M', inner]);
    const innerDev = sh('losetup', ['-f', '--show', inner]).trim();
    t.teardown(() => trySh('losetup', ['-d', innerDev]));

    const stop = await runAgent(spec, 'stop');
    t.is(stop.rc, OCF.ERR_GENERIC, describe(spec, 'stop (pinned)', stop));
    t.regex(stop.reasons.join(' '), /cannot unmount/);
    t.true(mounted(fs), 'a failed stop leaves the mount visible (the cluster fences)');
    t.is((await runAgent(spec, 'monitor')).rc, OCF.SUCCESS);

    const lazy = await runAgent(spec, 'stop', { params: { lazy_unmount: 'true' } });
    t.is(lazy.rc, OCF.SUCCESS, describe(spec, 'stop with lazy_unmount', lazy));
    t.regex(lazy.stderr, /lazy unmount/);
    t.false(mounted(fs));
    t.is((await runAgent(spec, 'monitor')).rc, OCF.NOT_RUNNING);
    // Yet the filesystem is alive: a write through the inner loop device lands in a file on it.
    t.true(
      trySh('dd', [
        'if=/dev/zero',
        `of=${innerDev}`,
        'bs=4096',
        'count=1',
        'oflag=direct',
        'conv=fsync',
      ]),
      'the "stopped" filesystem still takes writes',
    );
  },
);

rootTest(
  `an image file as device: mounted through a loop device, recognised by its backing file, and the loop device is released on stop${skipNote}`,
  async (t) => {
    const fs = makeExt4(t, { attach: false });
    const spec = fsSpec(t, fs, { device: fs.image });
    t.deepEqual(loopsOf(fs.image), []);
    await conformance(t, spec, {
      isActive: () => mountedAt(fs.mnt).some((m) => loopsOf(fs.image).includes(m.source)),
      depths: [0, 10, 20],
    });
    // The kernel detaches an auto-clear loop device asynchronously after the last close.
    const released = await pollUntil(10_000, 50, () =>
      loopsOf(fs.image).length === 0 ? true : undefined,
    );
    t.truthy(released, `no loop device left on the image: ${loopsOf(fs.image).join(' ')}`);
  },
);

rootTest(`stop unmounts what is mounted below the directory first${skipNote}`, async (t) => {
  const fs = makeExt4(t);
  const spec = fsSpec(t, fs);
  t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);
  const sub = join(fs.mnt, 'sub dir');
  mkdirSync(sub);
  sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'qrt-tmpfs', sub]);
  t.is(mountedAt(sub).length, 1);
  const stop = await runAgent(spec, 'stop');
  t.is(stop.rc, OCF.SUCCESS, describe(spec, 'stop', stop));
  t.is(mountedAt(sub).length, 0);
  t.false(mounted(fs));
});

rootTest(
  `stop fails (1) while the device stays mounted elsewhere on this node (a bind mount of it)${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec = fsSpec(t, fs);
    t.is((await runAgent(spec, 'start')).rc, OCF.SUCCESS);
    const other = join(fs.dir, 'other');
    sh('mount', ['--bind', fs.mnt, other]);
    const stop = await runAgent(spec, 'stop');
    t.is(stop.rc, OCF.ERR_GENERIC, describe(spec, 'stop', stop));
    t.regex(stop.reasons.join(' '), /still mounted on this node/);
    sh('umount', [other]);
    t.is((await runAgent(spec, 'stop')).rc, OCF.SUCCESS);
  },
);

rootTest(
  `start refuses (1) a directory where another filesystem is mounted; validate-all: 6 for relative or root directory and bad booleans, 5 for a missing device or an unknown fstype; monitor 6 for a non-numeric OCF_CHECK_LEVEL${skipNote}`,
  async (t) => {
    const fs = makeExt4(t);
    const spec = fsSpec(t, fs);
    const cases: [Record<string, string | undefined>, number][] = [
      [{}, OCF.SUCCESS],
      [{ directory: 'relative/mnt' }, OCF.ERR_CONFIGURED],
      [{ directory: '//' }, OCF.ERR_CONFIGURED],
      [{ force_unmount: 'maybe' }, OCF.ERR_CONFIGURED],
      [{ lazy_unmount: 'sometimes' }, OCF.ERR_CONFIGURED],
      [{ term_timeout: '1s' }, OCF.ERR_CONFIGURED],
      [{ device: join(fs.dir, 'no-such-device') }, OCF.ERR_INSTALLED],
      [{ fstype: 'qrtnosuchfs' }, OCF.ERR_INSTALLED],
    ];
    for (const [params, want] of cases) {
      const r = await runAgent(spec, 'validate-all', { params });
      t.is(r.rc, want, describe(spec, `validate-all ${JSON.stringify(params)}`, r));
    }
    const level = await runAgent(spec, 'monitor', { env: { OCF_CHECK_LEVEL: 'deep' } });
    t.is(level.rc, OCF.ERR_CONFIGURED);
    // On a node without the device, monitor and stop say "not running" rather than fail.
    const missing = { device: join(fs.dir, 'no-such-device') };
    t.is((await runAgent(spec, 'monitor', { params: missing })).rc, OCF.NOT_RUNNING);
    t.is((await runAgent(spec, 'stop', { params: missing })).rc, OCF.SUCCESS);

    mkdirSync(fs.mnt);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'qrt-tmpfs', fs.mnt]);
    const start = await runAgent(spec, 'start');
    t.is(start.rc, OCF.ERR_GENERIC, describe(spec, 'start over tmpfs', start));
    t.regex(start.reasons.join(' '), /another filesystem/);
    t.is((await runAgent(spec, 'monitor')).rc, OCF.NOT_RUNNING);
  },
);
