import anyTest, { type TestFn } from 'ava';
import { copyFile, chmod, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AgentRef, ResourceDef } from '../../agent/src/config/model.js';
import { DEFAULT_RESOURCE_META } from '../../agent/src/config/model.js';
import type { ManagerClock } from '../../agent/src/executor/manager-clock.js';
import type { RunOperationOptions } from '../../agent/src/executor/run-operation-options.js';

/** The test agents (shell scripts) next to these tests, found from the compiled test file. */
export const AGENTS_DIR = fileURLToPath(new URL('../../../test/executor/agents/', import.meta.url));

/** The provider under which the test agents are installed in a temporary OCF tree. */
export const TEST_PROVIDER = 'quorate-test';

/** A scratch directory with its own OCF tree holding the test agents. */
export interface Sandbox {
  dir: string;
  /** OCF_ROOT: the test agents are `ocf:quorate-test:<name>` here. */
  ocfRoot: string;
  /** Agents of provider `quorate`: holds a copy of `dummy` only. */
  quorateAgentsDir: string;
  /** A path inside the sandbox. */
  file(name: string): string;
  remove(): Promise<void>;
}

/**
 * A fresh sandbox. The agents are copied in with mode 755, so the tests do not depend on the
 * checkout keeping the executable bit.
 */
export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quorate-executor-'));
  const ocfRoot = path.join(dir, 'ocf');
  const providerDir = path.join(ocfRoot, 'resource.d', TEST_PROVIDER);
  const quorateAgentsDir = path.join(dir, 'quorate-agents');
  await mkdir(providerDir, { recursive: true });
  await mkdir(quorateAgentsDir, { recursive: true });
  for (const name of await readdir(AGENTS_DIR)) {
    await copyFile(path.join(AGENTS_DIR, name), path.join(providerDir, name));
    await chmod(path.join(providerDir, name), 0o755);
  }
  await copyFile(path.join(AGENTS_DIR, 'dummy'), path.join(quorateAgentsDir, 'dummy'));
  await chmod(path.join(quorateAgentsDir, 'dummy'), 0o755);
  return {
    dir,
    ocfRoot,
    quorateAgentsDir,
    file: (name) => path.join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What the tests of a file running real agent processes share: see {@link sandboxedTest}. */
export interface SandboxContext {
  sandbox: Sandbox;
  /** Run options pointing the executor at the sandbox's agents. */
  options: RunOperationOptions;
}

/**
 * ava's `test`, typed for a file whose tests run real agent processes in one sandbox: the
 * sandbox is made before the file's first test and removed after its last (even when one
 * fails), and `t.context.options` runs operations from it. The kill grace (1 s) is long enough
 * for a loaded machine to run an agent's TERM trap before SIGKILL; `killWaitMs` bounds the
 * wait for the process group after SIGKILL. Call once, at the top of the test file.
 */
export function sandboxedTest(killWaitMs = 10_000): TestFn<SandboxContext> {
  const test = anyTest as TestFn<SandboxContext>;
  test.before(async (t) => {
    const sandbox = await makeSandbox();
    t.context.sandbox = sandbox;
    t.context.options = {
      ocfRoot: sandbox.ocfRoot,
      quorateAgentsDir: sandbox.quorateAgentsDir,
      killGraceMs: 1_000,
      killWaitMs,
    };
  });
  test.after.always(async (t) => {
    await t.context.sandbox.remove();
  });
  return test;
}

/** `ocf:quorate-test:<type>`. */
export function testAgent(type: string): AgentRef {
  return { class: 'ocf', provider: TEST_PROVIDER, type };
}

/** Operation timing of a test resource. */
export interface TestTiming {
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  monitorTimeoutMs?: number;
  monitorIntervalMs?: number;
}

/** A resource definition with short, test-sized timeouts. */
export function resourceDef(
  id: string,
  agent: AgentRef,
  params: Record<string, string> = {},
  timing: TestTiming = {},
): ResourceDef {
  return {
    id,
    agent,
    params,
    operations: {
      start: { timeoutMs: timing.startTimeoutMs ?? 10_000, intervalMs: 0 },
      stop: { timeoutMs: timing.stopTimeoutMs ?? 10_000, intervalMs: 0 },
      monitor: {
        timeoutMs: timing.monitorTimeoutMs ?? 10_000,
        intervalMs: timing.monitorIntervalMs ?? 0,
      },
    },
    meta: DEFAULT_RESOURCE_META,
  };
}

/**
 * Whether `pid` is a live process. A zombie counts as dead: it has exited and only waits to be
 * reaped, which an init that does not reap orphans may never do.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is dead within `withinMs`. A process sent SIGKILL dies once the kernel next
 * schedules it, and nothing notifies an unrelated process of that: this checks every 10 ms
 * until then. The bound is generous; it is a failure bound, not a timing assertion.
 */
export async function becomesDead(pid: number, withinMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Send SIGKILL to `pid` if it is still there (test clean-up). */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** `name value` lines of a pid file written by the hang agent. */
export async function readPids(file: string): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const [name, pid] = line.split(' ');
    if (name && pid) pids[name] = Number(pid);
  }
  return pids;
}

/** An environment dumped by the dummy agent (NUL-separated, as the kernel holds it). */
export async function readEnvDump(file: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const entry of (await readFile(file, 'utf8')).split('\0')) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/**
 * A manual clock for the resource manager: time moves only in `advance`, which fires due
 * timers in time order and, after each, waits for `settle` (the manager's whenIdle) so that
 * the operations a timer caused have finished before time moves on.
 */
export class FakeClock implements ManagerClock {
  private now = 0;
  private seq = 0;
  private timers: { atMs: number; seq: number; callback: () => void; live: boolean }[] = [];
  settle: () => Promise<void> = () => Promise.resolve();

  nowMs(): number {
    return this.now;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    this.seq += 1;
    const timer = { atMs: this.now + Math.max(0, delayMs), seq: this.seq, callback, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((timer) => timer.live).length;
  }

  /** Move time forward by `ms`, firing due timers in order (a bounded number of them). */
  async advance(ms: number): Promise<void> {
    const targetMs = this.now + ms;
    for (let fired = 0; fired < 10_000; fired += 1) {
      this.timers = this.timers.filter((timer) => timer.live);
      const due = this.timers
        .filter((timer) => timer.atMs <= targetMs)
        .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.now = due.atMs;
      due.live = false;
      due.callback();
      await this.settle();
    }
    this.now = targetMs;
  }
}
