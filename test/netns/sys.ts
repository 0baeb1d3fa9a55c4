// Small system helpers for the multi-host harness: bounded commands, polling with a deadline,
// and readers for what the kernel says about a namespace (pids, addresses, mounts).
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, readlinkSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * PATH for the tools the harness runs: the system directories first (under npx and ava,
 * node_modules/.bin leads the caller's PATH, and it has an unrelated `nft`), then the rest.
 */
export const TOOL_PATH = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
  ...(process.env.PATH ?? '').split(delimiter),
]
  .filter((d, i, all) => d !== '' && all.indexOf(d) === i)
  .join(delimiter);

/** Environment for child processes: the caller's, with {@link TOOL_PATH} and the C locale. */
export const TOOL_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: TOOL_PATH, LC_ALL: 'C' };

/** Absolute path of a command on {@link TOOL_PATH}, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of TOOL_PATH.split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Commands the harness needs (Debian: iproute2, nftables, util-linux, e2fsprogs, mount). */
export const REQUIRED_TOOLS = ['ip', 'nft', 'unshare', 'nsenter', 'losetup', 'mkfs.ext4', 'mount'];

/**
 * Why the harness cannot run here, or undefined when it can. Tests register as skipped with
 * this reason instead of failing.
 */
export function harnessUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces)';
  if (process.getuid?.() !== 0)
    return 'needs root (network namespaces, nftables, loop devices, mounts); run the suite as root';
  const missing = REQUIRED_TOOLS.filter((t) => which(t) === undefined);
  if (missing.length > 0)
    return `missing ${missing.join(', ')} (Debian: iproute2 nftables util-linux e2fsprogs mount)`;
  return undefined;
}

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly status: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')} failed (${status ?? 'killed'}): ${stderr.trim() || stdout.trim()}`);
  }
}

export interface ShOptions {
  /** Standard input. */
  input?: string;
  /** Bound in milliseconds (default 15 s): the command is killed after it. */
  timeoutMs?: number;
}

/** Run a command, return its stdout; throws {@link CommandError} on a non-zero exit. */
export function sh(cmd: string, args: string[], opts: ShOptions = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new CommandError([cmd, ...args], r.status, r.stdout, r.stderr);
  return r.stdout;
}

/** Run a command and report whether it exited 0 (errors swallowed: for clean-up). */
export function trySh(cmd: string, args: string[], opts: ShOptions = {}): boolean {
  return run(cmd, args, opts).status === 0;
}

/** Run a command, whatever its exit status. */
export function run(
  cmd: string,
  args: string[],
  opts: ShOptions = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 15_000,
    killSignal: 'SIGKILL',
    env: TOOL_ENV,
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

/** `execFileSync` with the harness environment, for JSON output. */
export function json<T>(cmd: string, args: string[]): T {
  const out = execFileSync(cmd, args, {
    encoding: 'utf8',
    env: TOOL_ENV,
    timeout: 15_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

/**
 * Call `probe` every `intervalMs` until it returns a value other than undefined; give up after
 * `timeoutMs` (returns undefined). A probe that throws counts as "not yet".
 */
export async function pollUntil<T>(
  timeoutMs: number,
  intervalMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Names of the network namespaces `ip netns` knows. */
export function netnsList(): string[] {
  return run('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Pids of every process in a named network namespace (none when it does not exist). */
export function netnsPids(ns: string): number[] {
  return run('ip', ['netns', 'pids', ns])
    .stdout.split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** Send a signal; false when the process is gone. */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** State letter and start time (clock ticks since boot) from /proc/PID/stat. */
export function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields resume after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, startTime: rest[19]! };
  } catch {
    return undefined;
  }
}

/** The namespace a process is in, as `type:[inode]`, or undefined. */
export function nsOf(pid: number | 'self', type: 'net' | 'mnt'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** The `net:[inode]` identity of a named network namespace. */
export function netnsIdentity(ns: string): string {
  return `net:[${statSync(`/run/netns/${ns}`).ino}]`;
}

export interface MountEntry {
  /** major:minor of the filesystem's device. */
  majmin: string;
  mountpoint: string;
  fstype: string;
  source: string;
}

const unescapeMount = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Parse a /proc/PID/mountinfo text. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const l of text.split('\n')) {
    if (l === '') continue;
    const f = l.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0) continue;
    out.push({
      majmin: f[2]!,
      mountpoint: unescapeMount(f[4]!),
      fstype: f[dash + 1]!,
      source: unescapeMount(f[dash + 2]!),
    });
  }
  return out;
}

/** The mount table of the mount namespace `pid` lives in (undefined when it is gone). */
export function mountsOfPid(pid: number | 'self'): MountEntry[] | undefined {
  try {
    return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The IPv4 addresses a network namespace's kernel treats as its own: the `host LOCAL` entries
 * of /proc/PID/net/fib_trie (one per address configured on any interface, up or down).
 */
export function parseFibTrieLocals(text: string): Set<string> {
  const locals = new Set<string>();
  let key: string | undefined;
  for (const line of text.split('\n')) {
    const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line);
    if (leaf !== null) {
      key = leaf[1];
      continue;
    }
    if (line.includes('+--')) {
      key = undefined;
      continue;
    }
    if (key !== undefined && /^\s+\/32 host LOCAL/.test(line)) locals.add(key);
  }
  return locals;
}

/** major:minor of a block device node, as mountinfo prints it. */
export function deviceMajMin(device: string): string {
  const rdev = statSync(device).rdev;
  // Linux dev_t: major in bits 8-19 (and 32+), minor in bits 0-7 and 20-31.
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & 0xfff00n));
  return `${major}:${minor}`;
}

/** Loop devices and their backing files, from `losetup -l`. */
export function loopDevices(): { name: string; backFile: string }[] {
  return run('losetup', ['-l', '-n', '--raw', '-O', 'NAME,BACK-FILE'])
    .stdout.split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const sp = l.indexOf(' ');
      return sp < 0
        ? { name: l, backFile: '' }
        : { name: l.slice(0, sp), backFile: l.slice(sp + 1).replace(/ \(deleted\)$/, '') };
    });
}
