// A real ext4 filesystem for the filesystem-agent tests: a 32 MiB image, formatted, attached to
// a loop device, with a mount point beside it. Everything is undone when the test ends, also on
// failure: leftover processes are killed, mounts under the work directory unmounted, loop
// devices on the image detached, files removed.
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, sh, signal, TOOL_PATH, trySh } from './ocf.js';

export interface Ext4 {
  dir: string;
  image: string;
  /** The loop device the image is attached to ('' when not attached). */
  device: string;
  mnt: string;
}

export interface MountEntry {
  majmin: string;
  mountpoint: string;
  fstype: string;
  source: string;
  options: string;
}

const unescape = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

export function mountinfo(): MountEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const f = l.split(' ');
      const dash = f.indexOf('-');
      return {
        majmin: f[2]!,
        mountpoint: unescape(f[4]!),
        options: f[5]!,
        fstype: f[dash + 1]!,
        source: unescape(f[dash + 2]!),
      };
    });
}

export const mountedAt = (path: string) => mountinfo().filter((m) => m.mountpoint === path);

/** Loop devices whose backing file is `image`. */
export function loopsOf(image: string): string[] {
  return sh('losetup', ['-j', image, '-O', 'NAME', '-n'], { allowFail: true })
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Processes started by a test, killed at teardown if the agent did not. */
export class Spawned {
  private readonly children: ChildProcess[] = [];
  constructor(t: ExecutionContext) {
    t.teardown(() => {
      for (const c of this.children) if (c.pid !== undefined) signal(c.pid, 'SIGKILL');
    });
  }

  /** Starts `argv` in working directory `cwd`; resolves once `ready(pid)` holds. */
  async start(
    argv: string[],
    cwd: string,
    ready: (pid: number) => boolean,
  ): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> }> {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      stdio: 'ignore',
      env: { PATH: TOOL_PATH, LC_ALL: 'C' },
    });
    this.children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, sig) => resolve(sig ?? code)),
    );
    const ok = await pollUntil(10_000, 20, () =>
      child.pid !== undefined && ready(child.pid) ? true : undefined,
    );
    if (ok === undefined) throw new Error(`${argv.join(' ')} did not get ready`);
    return { child, exited };
  }
}

/** Where a process's working directory is, or undefined. */
export function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Whether `pid` has a file under `dir` open. */
export function holdsFileUnder(pid: number, dir: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${dir}/`);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function cleanup(fs: Ext4): void {
  // Deepest mounts first; lazily as a last resort (this is test cleanup, not the agent).
  for (let round = 0; round < 5; round++) {
    const mounts = mountinfo()
      .filter((m) => m.mountpoint === fs.dir || m.mountpoint.startsWith(`${fs.dir}/`))
      .sort((a, b) => b.mountpoint.length - a.mountpoint.length);
    if (mounts.length === 0) break;
    for (const m of mounts)
      if (!trySh('umount', [m.mountpoint])) trySh('umount', ['-l', m.mountpoint]);
  }
  // Loop devices on files inside the work directory (tests that pin a mount), then the image.
  for (const l of sh('losetup', ['-l', '-n', '-O', 'NAME,BACK-FILE'], { allowFail: true }).split(
    '\n',
  )) {
    const [name, back] = l.trim().split(/\s+/, 2);
    if (name !== undefined && back !== undefined && back.startsWith(`${fs.dir}/`))
      trySh('losetup', ['-d', name]);
  }
  for (const l of loopsOf(fs.image)) trySh('losetup', ['-d', l]);
  rmSync(fs.dir, { recursive: true, force: true });
}

/** A fresh ext4 image (attached to a loop device unless `attach` is false). */
export function makeExt4(t: ExecutionContext, opts: { attach?: boolean } = {}): Ext4 {
  const dir = mkdtempSync(join(tmpdir(), 'qrt-fs-'));
  const fs: Ext4 = { dir, image: join(dir, 'disk.img'), device: '', mnt: join(dir, 'mnt') };
  t.teardown(() => cleanup(fs));
  mkdirSync(join(dir, 'other'));
  sh('truncate', ['-s', '32M', fs.image]);
  sh('mkfs.ext4', ['-q', '-F', fs.image]);
  if (opts.attach !== false) fs.device = sh('losetup', ['-f', '--show', fs.image]).trim();
  return fs;
}
