// One clusterd inside a test host, controlled over the same Node IPC channel as the loopback
// harness (agent/src/control-channel.ts), through the same client (test/harness/
// control-client.ts). The process is started as
//   nsenter --target <host init> --mount --net -- node dist/agent/src/main.js ...
// with an 'ipc' stdio slot: nsenter execs node in place, so the channel's file descriptor
// (and NODE_CHANNEL_FD) reach the agent, and the child's pid is the agent's pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RaftStatus } from '../../agent/src/raft/raft-node.js';
import type { ClusterCommand } from '../../agent/src/state/cluster-commands.js';
import type { ClusterStateDoc } from '../../agent/src/state/cluster-state.js';
import { ControlClient, type ControlCall } from '../harness/control-client.js';
import { TOOL_ENV } from './sys.js';

/** The compiled agent entry point (this file runs from dist/test/netns/). */
export const AGENT_MAIN = fileURLToPath(new URL('../../agent/src/main.js', import.meta.url));

export type AgentStatus = RaftStatus & { lease: string };

export class HostAgent {
  private child: ChildProcess | null = null;
  private control: ControlClient | null = null;

  /** When the running agent process reported ready (Date.now()), or null before that. */
  get readyAtMs(): number | null {
    return this.control?.readyAtMs ?? null;
  }

  constructor(
    readonly id: string,
    /** The agent-to-agent address (host address and port). */
    readonly address: string,
    readonly dataDir: string,
    readonly args: string[],
    readonly logPath: string,
  ) {}

  /**
   * Start the agent inside the namespaces of `initPid` (the host's long-lived init) and wait
   * until it reports ready over IPC, at most `timeoutMs`.
   */
  async start(initPid: number, timeoutMs = 15_000): Promise<void> {
    if (this.child !== null) throw new Error(`${this.id}: agent already running`);
    const log = openSync(this.logPath, 'a');
    const child = spawn(
      'nsenter',
      [
        '--target',
        String(initPid),
        '--mount',
        '--net',
        '--',
        process.execPath,
        AGENT_MAIN,
        ...this.args,
      ],
      { stdio: ['ignore', log, log, 'ipc'], env: TOOL_ENV, serialization: 'json' },
    );
    closeSync(log);
    this.child = child;
    const control = new ControlClient(child, `${this.id}: agent`, timeoutMs, this.logPath);
    this.control = control;
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    try {
      await control.ready;
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw err;
    }
  }

  /** Whether the agent process is running (it may be stopped by SIGSTOP). */
  get running(): boolean {
    return this.child !== null;
  }

  /** The agent's pid (the child's own: nsenter execs node in place). */
  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`${this.id}: agent is not running`);
    return this.child.pid;
  }

  /** The pid, or undefined when not running. */
  get pidOrUndefined(): number | undefined {
    return this.child?.pid;
  }

  /** Send a control request; rejects on an error answer, exit, or after `timeoutMs`. */
  request<T>(req: ControlCall, timeoutMs = 10_000): Promise<T> {
    if (this.child === null || this.control === null)
      return Promise.reject(new Error(`${this.id}: agent is not running`));
    return this.control.request<T>(req, timeoutMs);
  }

  status(timeoutMs = 10_000): Promise<AgentStatus> {
    return this.request<AgentStatus>({ op: 'status' }, timeoutMs);
  }

  state(linearizable = false, timeoutMs = 10_000): Promise<ClusterStateDoc> {
    return this.request<ClusterStateDoc>({ op: 'state', linearizable }, timeoutMs);
  }

  propose(command: ClusterCommand, timeoutMs = 10_000): Promise<unknown> {
    return this.request({ op: 'propose', command }, timeoutMs);
  }

  /** Send `signal` (default SIGKILL) and wait for the exit, at most `timeoutMs`. */
  async kill(sig: NodeJS.Signals = 'SIGKILL', timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.child = null;
      return;
    }
    const exited = new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), timeoutMs);
      child.once('exit', () => (clearTimeout(timer), res(true)));
    });
    child.kill(sig);
    // A stopped process only acts on SIGKILL; other signals wait for SIGCONT.
    if (sig !== 'SIGKILL') child.kill('SIGCONT');
    if (!(await exited)) throw new Error(`${this.id}: agent did not exit on ${sig}`);
    this.child = null;
  }

  /** Wait for an exit caused from outside (a crash of the whole host), at most `timeoutMs`. */
  async waitExit(timeoutMs = 10_000): Promise<boolean> {
    const child = this.child;
    if (child === null) return true;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.child = null;
      return true;
    }
    const ok = await new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), timeoutMs);
      child.once('exit', () => (clearTimeout(timer), res(true)));
    });
    if (ok) this.child = null;
    return ok;
  }
}
