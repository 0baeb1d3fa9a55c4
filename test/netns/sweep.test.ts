import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NetnsCluster, RUN_DIR_PREFIX, sweep } from './netns-cluster.js';
import {
  harnessUnavailable,
  loopDevices,
  netnsList,
  netnsPids,
  pollUntil,
  procStat,
  sh,
  TOOL_ENV,
} from './sys.js';

// sweep() removes what a crashed run left (its owner process is dead): namespaces with their
// processes and private mounts, the loop device, the run directory. Live runs are left alone.

const SKIP = harnessUnavailable();
const hostTest = SKIP === undefined ? test.serial : test.skip;
const note = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;

/** Make the leftovers of a run whose owner died: what a SIGKILLed test process leaves. */
async function crashedRun(): Promise<{ tag: string; dir: string; device: string; ns: string[] }> {
  const tag = randomBytes(3).toString('hex');
  const dir = join(tmpdir(), RUN_DIR_PREFIX + tag);
  mkdirSync(join(dir, 'shared'), { recursive: true });
  // The run's owner: alive while the leftovers are made (so that a sweep by another test file
  // running now leaves them alone), killed at the end, as a crashed test process would be.
  const owner = spawn('sleep', ['600'], { stdio: 'ignore' });
  const ownerExit = new Promise((r) => owner.once('exit', r));
  const started = await pollUntil(5_000, 5, () => procStat(owner.pid!)?.startTime);
  writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: owner.pid, startTime: started }));
  const image = join(dir, 'disk.img');
  sh('truncate', ['-s', '16M', image]);
  sh('mkfs.ext4', ['-q', '-F', image]);
  const device = sh('losetup', ['-f', '--show', image]).trim();
  const ns = [`qrt-${tag}-sw`, `qrt-${tag}-h1`];
  for (const n of ns) sh('ip', ['netns', 'add', n]);
  // A host process holding a private mount of the disk, as a host init would.
  const init = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns[1]!,
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount ${device} ${join(dir, 'shared')} && exec sleep 300`,
    ],
    { stdio: 'ignore', env: TOOL_ENV, detached: true },
  );
  init.unref();
  const up = await pollUntil(10_000, 10, () =>
    readFileSync(`/proc/${init.pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined,
  );
  if (up === undefined) throw new Error('leftover host process did not start');
  owner.kill('SIGKILL');
  await ownerExit;
  return { tag, dir, device, ns };
}

hostTest(
  `sweep removes a dead run's namespaces, processes, mounts, loop device and directory, and leaves a live run alone${note}`,
  async (t) => {
    const live = await NetnsCluster.create({ size: 3, startAgents: false, watch: false });
    t.teardown(() => live.destroy());
    const dead = await crashedRun();
    t.teardown(() => sweep().then(() => undefined));
    t.true(netnsPids(dead.ns[1]!).length > 0);
    t.true(loopDevices().some((l) => l.name === dead.device));

    const r = await sweep();
    t.true(r.runs.includes(dead.tag), JSON.stringify(r));
    t.deepEqual(
      netnsList().filter((n) => n.startsWith(`qrt-${dead.tag}-`)),
      [],
      'namespaces gone',
    );
    t.false(
      loopDevices().some((l) => l.backFile.startsWith(dead.dir)),
      'loop device detached',
    );
    t.false(existsSync(dead.dir), 'run directory gone');
    // The live run is untouched.
    t.is(netnsList().filter((n) => n.startsWith(live.prefix)).length, 5);
    t.true(existsSync(live.runDir));
    t.true(loopDevices().some((l) => l.name === live.device));
    t.true(live.isOn('h1'));
  },
);
