// Helpers for the OCF resource-agent conformance tests: run an agent the way a cluster
// executor does (OCF environment, one action per process, bounded by a timeout), parse its
// meta-data, and walk the ocf-tester sequence against a real resource.
import type { ExecutionContext } from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** OCF exit codes. */
export const OCF = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
} as const;

/** The project's agents (provider `quorate`), relative to the compiled test under dist/. */
export const AGENTS_DIR = fileURLToPath(new URL('../../../resource-agents/', import.meta.url));

/** Debian's resource-agents package. */
export const HEARTBEAT_OCF_ROOT = '/usr/lib/ocf';
export const HEARTBEAT_DIR = join(HEARTBEAT_OCF_ROOT, 'resource.d', 'heartbeat');

/** The OCF RA API DTD shipped by resource-agents (used when present). */
export const RA_API_DTD = [
  '/usr/share/resource-agents/ra-api-1.dtd',
  '/usr/lib/ocf/ra-api-1.dtd',
].find((p) => existsSync(p));

export const IS_ROOT = process.getuid?.() === 0;
export const NEEDS_ROOT = 'needs root (network namespaces, loop devices, mounts)';

/** PATH for agents and tools: the caller's, plus the sbin directories root tools live in. */
export const TOOL_PATH = [
  ...(process.env.PATH ?? '').split(delimiter),
  '/usr/local/sbin',
  '/usr/sbin',
  '/sbin',
  '/usr/bin',
  '/bin',
]
  .filter((d, i, all) => d !== '' && all.indexOf(d) === i)
  .join(delimiter);

/** Absolute path of a command on TOOL_PATH, or undefined. */
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

/** A short random tag for names of namespaces, links and instances. */
export function tag(): string {
  return randomBytes(2).toString('hex');
}

/**
 * An OCF_ROOT whose resource.d/quorate is this repository's resource-agents/ (a symlink, or a
 * copy of the agents with `copy`), so that `ocf:quorate:vip` resolves the way it does on an
 * installed node.
 */
export function quorateOcfRoot(t: ExecutionContext, opts: { copy?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'qrt-ocfroot-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  // Readable by everyone, as an installed OCF root is.
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'resource.d'), { mode: 0o755 });
  const provider = join(root, 'resource.d', 'quorate');
  if (opts.copy === true) {
    mkdirSync(provider, { mode: 0o755 });
    for (const agent of readdirSync(AGENTS_DIR)) {
      copyFileSync(join(AGENTS_DIR, agent), join(provider, agent));
      chmodSync(join(provider, agent), 0o755);
    }
  } else {
    symlinkSync(AGENTS_DIR, provider);
  }
  return root;
}

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** `ocf-exit-reason:` lines from stderr, without the prefix. */
  reasons: string[];
  ms: number;
}

export interface AgentSpec {
  /** Shown in assertion messages. */
  label: string;
  /** OCF_ROOT given to the agent. */
  ocfRoot: string;
  /** Provider directory under resource.d (quorate, heartbeat). */
  provider: string;
  /** Agent (type) name. */
  type: string;
  /** OCF_RESKEY_* parameters. */
  params: Record<string, string>;
  /** Extra environment (HA_RSCTMP, OCF_CHECK_LEVEL...). */
  env?: Record<string, string>;
  /** Command prefix, e.g. ['ip', 'netns', 'exec', ns] to run inside a namespace. */
  wrap?: string[];
  instance?: string;
  timeoutMs?: number;
}

export function agentPath(spec: Pick<AgentSpec, 'ocfRoot' | 'provider' | 'type'>): string {
  return join(spec.ocfRoot, 'resource.d', spec.provider, spec.type);
}

/** The environment a cluster executor gives an agent. */
export function ocfEnv(spec: AgentSpec, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: TOOL_PATH,
    LANG: 'C',
    LC_ALL: 'C',
    OCF_ROOT: spec.ocfRoot,
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '0',
    OCF_RESOURCE_INSTANCE: spec.instance ?? spec.type,
    OCF_RESOURCE_TYPE: spec.type,
    OCF_RESOURCE_PROVIDER: spec.provider,
    ...spec.env,
    ...extra,
  };
  for (const [k, v] of Object.entries(spec.params)) env[`OCF_RESKEY_${k}`] = v;
  return env;
}

/** Runs one action, bounded by the spec's timeout (SIGKILL after it). Never rejects. */
export function runAgent(
  spec: AgentSpec,
  action: string,
  opts: { env?: Record<string, string>; params?: Record<string, string | undefined> } = {},
): Promise<RunResult> {
  const params: Record<string, string> = { ...spec.params };
  for (const [k, v] of Object.entries(opts.params ?? {})) {
    if (v === undefined) delete params[k];
    else params[k] = v;
  }
  const env = ocfEnv({ ...spec, params }, opts.env);
  const argv = [...(spec.wrap ?? []), agentPath(spec), action];
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { env, timeout: spec.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 4 << 20 },
      (err, stdout, stderr) => {
        let rc = 0;
        if (err !== null) {
          const code = (err as { code?: unknown }).code;
          rc = typeof code === 'number' ? code : -1; // -1: killed by the timeout or not run
        }
        resolve({
          rc,
          stdout: String(stdout),
          stderr: String(stderr),
          reasons: String(stderr)
            .split('\n')
            .filter((l) => l.startsWith('ocf-exit-reason:'))
            .map((l) => l.slice('ocf-exit-reason:'.length)),
          ms: Date.now() - started,
        });
      },
    );
  });
}

/** Assertion message with what the agent said. */
export function describe(spec: AgentSpec, action: string, r: RunResult): string {
  const err = r.stderr.trim().split('\n').slice(-6).join(' | ');
  return `${spec.label} ${action}: rc ${r.rc}${err === '' ? '' : ` — stderr: ${err}`}`;
}

/** Runs a tool synchronously (bounded); throws with its stderr if it fails. */
export function sh(cmd: string, args: string[], opts: { allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, PATH: TOOL_PATH, LC_ALL: 'C' },
  });
  if ((r.status !== 0 || r.error !== undefined) && opts.allowFail !== true) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}): ${r.stderr}`,
    );
  }
  return r.stdout ?? '';
}

/** Runs a tool synchronously (bounded); whether it succeeded. */
export function trySh(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, {
    stdio: 'ignore',
    timeout: 30_000,
    env: { ...process.env, PATH: TOOL_PATH, LC_ALL: 'C' },
  });
  return r.status === 0;
}

/** Polls `probe` every `intervalMs` until it returns a value or `timeoutMs` passes. */
export async function pollUntil<T>(
  timeoutMs: number,
  intervalMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------
// Meta-data

export interface MetaParameter {
  name: string;
  required: boolean;
  unique: boolean;
  longdesc: boolean;
  shortdesc: boolean;
  contentType: string | undefined;
}

export interface MetaAction {
  name: string;
  timeout: string | undefined;
  interval: string | undefined;
  depth: string | undefined;
}

export interface MetaData {
  name: string | undefined;
  parameters: MetaParameter[];
  actions: MetaAction[];
}

function attr(tagText: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tagText);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/**
 * A small well-formedness check (element nesting, quoted attributes, entity references) that
 * works without xmllint; returns the problems found.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  if (!/^\s*<\?xml[^>]*\?>/.test(body)) problems.push('no XML declaration');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<([^>]*)>/g)) {
    const inner = m[1]!;
    if (inner.startsWith('?') || inner.startsWith('!')) continue;
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim();
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const name = /^([A-Za-z_][\w.-]*)/.exec(inner)?.[1];
    if (name === undefined) {
      problems.push(`bad tag <${inner}>`);
      continue;
    }
    const attrs = inner.slice(name.length).replace(/\/$/, '');
    const leftover = attrs.replace(/\s+[\w:-]+\s*=\s*("[^"<]*"|'[^'<]*')/g, '').trim();
    if (leftover !== '') problems.push(`bad attributes in <${name}>: ${leftover}`);
    if (stack.length === 0) roots++;
    if (!inner.endsWith('/')) stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  const text = body.replace(/<[^>]*>/g, '');
  for (const m of text.matchAll(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/g))
    problems.push(`bare & at ${m.index}`);
  return problems;
}

export function parseMetaData(xml: string): MetaData {
  const name = attr(/<resource-agent\b[^>]*>/.exec(xml)?.[0] ?? '', 'name');
  const parameters: MetaParameter[] = [];
  for (const m of xml.matchAll(/<parameter\b([^>]*)>([\s\S]*?)<\/parameter>/g)) {
    const open = ` ${m[1]!}`;
    const inner = m[2]!;
    parameters.push({
      name: attr(open, 'name') ?? '',
      required: attr(open, 'required') === '1',
      unique: attr(open, 'unique') === '1',
      longdesc: /<longdesc\b[^>]*>[\s\S]*\S[\s\S]*<\/longdesc>/.test(inner),
      shortdesc: /<shortdesc\b[^>]*>[\s\S]*\S[\s\S]*<\/shortdesc>/.test(inner),
      contentType: attr(/<content\b[^>]*>/.exec(inner)?.[0] ?? '', 'type'),
    });
  }
  const actions: MetaAction[] = [];
  for (const m of xml.matchAll(/<action\b[^>]*>/g)) {
    actions.push({
      name: attr(m[0], 'name') ?? '',
      timeout: attr(m[0], 'timeout'),
      interval: attr(m[0], 'interval'),
      depth: attr(m[0], 'depth'),
    });
  }
  return { name, parameters, actions };
}

/** xmllint's verdict (against the RA API DTD when it is installed), or undefined without it. */
export function xmllint(xml: string): { ok: boolean; output: string; dtd: boolean } | undefined {
  const bin = which('xmllint');
  if (bin === undefined) return undefined;
  const args = ['--noout', '--nonet'];
  if (RA_API_DTD !== undefined) args.push('--dtdvalid', RA_API_DTD);
  args.push('-');
  const r = spawnSync(bin, args, { input: xml, encoding: 'utf8', timeout: 30_000 });
  // The DOCTYPE names the DTD by a relative SYSTEM id; xmllint warns it cannot load it, which
  // is harmless since --dtdvalid gives the real one.
  const output = (r.stderr ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '' && !/ra-api-1\.dtd|^\s*\^\s*$|^<!DOCTYPE/.test(l))
    .join('\n');
  return { ok: r.status === 0, output, dtd: RA_API_DTD !== undefined };
}

export const REQUIRED_ACTIONS = ['start', 'stop', 'monitor', 'meta-data', 'validate-all'];

/** Checks the meta-data document; returns it parsed. */
export async function checkMetaData(t: ExecutionContext, spec: AgentSpec): Promise<MetaData> {
  const r = await runAgent(spec, 'meta-data');
  t.is(r.rc, OCF.SUCCESS, describe(spec, 'meta-data', r));
  t.deepEqual(xmlProblems(r.stdout), [], `${spec.label} meta-data is well-formed`);
  const lint = xmllint(r.stdout);
  if (lint !== undefined) {
    t.true(
      lint.ok,
      `${spec.label} meta-data passes xmllint${lint.dtd ? ' --dtdvalid ra-api-1.dtd' : ''}: ${lint.output}`,
    );
  } else {
    t.log('xmllint not installed (libxml2-utils): checked well-formedness only');
  }
  const md = parseMetaData(r.stdout);
  t.is(md.name, spec.type, `${spec.label} meta-data names the agent`);
  const names = new Set(md.actions.map((a) => a.name));
  for (const a of REQUIRED_ACTIONS) t.true(names.has(a), `${spec.label} meta-data lists ${a}`);
  for (const a of md.actions)
    t.truthy(a.timeout, `${spec.label} action ${a.name} has a default timeout`);
  t.true(md.parameters.length > 0, `${spec.label} meta-data has parameters`);
  return md;
}

export interface Conformance {
  /** Observes the real resource (not through the agent). */
  isActive: () => boolean | Promise<boolean>;
  /** OCF_CHECK_LEVEL values to run monitor with (default: just 0). */
  depths?: number[];
  /**
   * Required parameters whose absence this agent is known not to reject with 6 (a third-party
   * agent's deviation, logged rather than asserted).
   */
  lenientRequired?: string[];
}

/**
 * The ocf-tester sequence: meta-data; validate-all (0, then 6 without each required
 * parameter); an unknown action (3); monitor → 7; start → 0; start → 0; monitor → 0; stop → 0;
 * stop → 0; monitor → 7 — checking the real resource after each step.
 */
export async function conformance(
  t: ExecutionContext,
  spec: AgentSpec,
  check: Conformance,
): Promise<void> {
  const md = await checkMetaData(t, spec);

  const ok = await runAgent(spec, 'validate-all');
  t.is(ok.rc, OCF.SUCCESS, describe(spec, 'validate-all', ok));
  for (const p of md.parameters.filter((p) => p.required)) {
    const r = await runAgent(spec, 'validate-all', { params: { [p.name]: undefined } });
    if (check.lenientRequired?.includes(p.name) === true && r.rc !== OCF.ERR_CONFIGURED)
      t.log(`known deviation: ${describe(spec, `validate-all without ${p.name}`, r)} (not 6)`);
    else t.is(r.rc, OCF.ERR_CONFIGURED, describe(spec, `validate-all without ${p.name}`, r));
  }
  const unknown = await runAgent(spec, 'no-such-action');
  t.is(unknown.rc, OCF.ERR_UNIMPLEMENTED, describe(spec, 'no-such-action', unknown));

  const depths = check.depths ?? [0];
  const monitorAll = async (want: number, when: string) => {
    for (const depth of depths) {
      const r = await runAgent(spec, 'monitor', { env: { OCF_CHECK_LEVEL: String(depth) } });
      t.is(r.rc, want, describe(spec, `monitor depth ${depth} ${when}`, r));
    }
  };

  await monitorAll(OCF.NOT_RUNNING, 'before start');
  t.false(await check.isActive(), `${spec.label}: not active before start`);

  for (const round of ['start', 'start again']) {
    const r = await runAgent(spec, 'start');
    t.is(r.rc, OCF.SUCCESS, describe(spec, round, r));
    t.true(await check.isActive(), `${spec.label}: active after ${round}`);
  }
  await monitorAll(OCF.SUCCESS, 'after start');

  for (const round of ['stop', 'stop again']) {
    const r = await runAgent(spec, 'stop');
    t.is(r.rc, OCF.SUCCESS, describe(spec, round, r));
    t.false(await check.isActive(), `${spec.label}: not active after ${round}`);
  }
  await monitorAll(OCF.NOT_RUNNING, 'after stop');
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, start time. */
export function procStat(
  pid: number,
): { state: string; ppid: number; pgrp: number; session: number; start: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: f[0]!,
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    start: Number(f[19]),
  };
}

/** Alive: exists and is not a zombie (an orphan nobody reaps is as dead as it gets). */
export function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

export function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/** Live processes whose environment holds `NAME=value` (inherited from an agent run). */
export function processesWithEnv(name: string, value: string): number[] {
  const needle = `\0${name}=${value}\0`;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(needle) && alive(pid);
      } catch {
        return false;
      }
    });
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}
