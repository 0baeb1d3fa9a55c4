import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig } from '../../agent/src/config/model.js';
import type { RaftStatus } from '../../agent/src/raft/raft-node.js';
import type { ClusterCommand } from '../../agent/src/state/cluster-commands.js';
import type { ClusterStateDoc } from '../../agent/src/state/cluster-state.js';
import { ControlClient, type ControlCall } from './control-client.js';

/** Path of the compiled agent entry point (tests run from the project root after tsc). */
const AGENT_MAIN = resolve('dist/agent/src/main.js');

/** One clusterd process started by the harness, controlled over its IPC channel. */
export class AgentProcess {
  private child: ChildProcess | null = null;
  private control: ControlClient | null = null;

  constructor(
    readonly id: string,
    readonly address: string,
    readonly dataDir: string,
    private readonly args: string[],
    private readonly logPath: string,
  ) {}

  /** Start the process and wait until it reports ready (or `timeoutMs` passes). */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.child !== null) throw new Error(`${this.id} is already running`);
    const log = openSync(this.logPath, 'a');
    const child = fork(AGENT_MAIN, this.args, { stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    this.child = child;
    const control = new ControlClient(child, this.id, timeoutMs, this.logPath);
    this.control = control;
    child.on('exit', () => {
      if (this.child !== child) return;
      this.child = null;
      this.control = null;
    });
    await control.ready;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.child !== null;
  }

  /** Process id (for signals). */
  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`${this.id} is not running`);
    return this.child.pid;
  }

  /** Send a control request; rejects on an error answer, exit, or after `timeoutMs`. */
  request<T>(req: ControlCall, timeoutMs = 10_000): Promise<T> {
    if (this.control === null) return Promise.reject(new Error(`${this.id} is not running`));
    return this.control.request<T>(req, timeoutMs);
  }

  status(): Promise<RaftStatus & { lease: string }> {
    return this.request<RaftStatus & { lease: string }>({ op: 'status' });
  }

  /**
   * Replicate a small write through the log and wait until it is applied here: a
   * `set-node-attributes` command on a record named `key` (harness data, not a real node).
   */
  async write(key: string, value: string, timeoutMs = 10_000): Promise<void> {
    const command: ClusterCommand = {
      type: 'set-node-attributes',
      node: key,
      attributes: { value },
      atMs: 0,
    };
    await this.request({ op: 'propose', command }, timeoutMs);
  }

  /** Read back a {@link write}; linearizable reads confirm leadership first (ReadIndex). */
  async read(key: string, linearizable: boolean): Promise<string | null> {
    const doc = await this.request<ClusterStateDoc>({ op: 'state', linearizable });
    const value = doc.nodes[key]?.attributes['value'];
    return value === undefined ? null : String(value);
  }

  /** The replicated cluster state as this node has applied it. */
  state(linearizable = false): Promise<ClusterStateDoc> {
    return this.request<ClusterStateDoc>({ op: 'state', linearizable });
  }

  /** Send `signal` without waiting for anything (SIGSTOP / SIGCONT to pause and resume). */
  signal(signal: NodeJS.Signals): void {
    if (this.child === null) throw new Error(`${this.id} is not running`);
    this.child.kill(signal);
  }

  /**
   * Kill this node's lease guard (the detached helper clusterd starts; see
   * agent/src/guard/) if one runs: a host crash takes it down with the agent.
   */
  killGuard(): void {
    let pid: number;
    try {
      pid = Number(readFileSync(join(this.dataDir, 'guard.pid'), 'utf8').trim());
      // Only a process that is this node's guard (pids are reused).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('guard-main') || !cmdline.includes(this.dataDir)) return;
    } catch {
      return; // no guard
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Kill with `signal` (default SIGKILL: a crash) and wait for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill(signal);
    await exited;
    this.child = null;
    this.control = null;
  }
}

/** A cluster of agent processes on loopback, each with its own data directory. */
export class AgentCluster {
  private constructor(
    readonly agents: AgentProcess[],
    readonly root: string,
    private readonly extraArgs: string[],
  ) {}

  /**
   * Start `size` founding agents on 127.0.0.1 with free ports. `extraArgs` go to every agent
   * (e.g. tick length); `argsFor(id)` go to that agent only, after them (a later option
   * overrides an earlier one: e.g. another `--ocf-root` on one node). Call `destroy()` in a
   * teardown, even when the test fails.
   */
  static async start(
    size: number,
    extraArgs: string[] = [],
    argsFor: (id: string) => string[] = () => [],
  ): Promise<AgentCluster> {
    const root = mkdtempSync(join(tmpdir(), 'quorate-agents-'));
    const ids = Array.from({ length: size }, (_, i) => `node${i + 1}`);
    const ports = await Promise.all(ids.map(() => freePort()));
    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    // Plaintext unless the test brings TLS material (--tls-dir): see docs/security.md.
    if (!extraArgs.includes('--tls-dir')) extraArgs = [...extraArgs, '--insecure'];
    const agents = ids.map((id, i) => {
      const peers = ids.flatMap((other, j) =>
        j === i ? [] : ['--peer', `${other}=${addresses[j]}`],
      );
      const dataDir = join(root, id);
      const args = [
        '--id',
        id,
        '--listen',
        addresses[i]!,
        '--data-dir',
        dataDir,
        '--founders',
        ids.join(','),
        ...peers,
        ...extraArgs,
        ...argsFor(id),
      ];
      return new AgentProcess(id, addresses[i]!, dataDir, args, join(root, `${id}.log`));
    });
    const cluster = new AgentCluster(agents, root, extraArgs);
    try {
      await Promise.all(agents.map((a) => a.start()));
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /**
   * Start one more agent, `id`, on a free port as a node joining this cluster: it knows every
   * existing agent's address (--peer) but founds nothing (no --founders), so it stays idle
   * until a member adds it (clusterctl member add). The existing agents do not know its
   * address. Started with the cluster's extra arguments; destroyed with the cluster.
   */
  async addAgent(id: string): Promise<AgentProcess> {
    const address = `127.0.0.1:${await freePort()}`;
    const peers = this.agents.flatMap((a) => ['--peer', `${a.id}=${a.address}`]);
    const dataDir = join(this.root, id);
    const args = [
      '--id',
      id,
      '--listen',
      address,
      '--data-dir',
      dataDir,
      ...peers,
      ...this.extraArgs,
    ];
    const agent = new AgentProcess(id, address, dataDir, args, join(this.root, `${id}.log`));
    this.agents.push(agent);
    await agent.start();
    return agent;
  }

  /** Each agent's address ("host:port": its Raft, liveness and admin API port), by id. */
  addresses(): Record<string, string> {
    return Object.fromEntries(this.agents.map((a) => [a.id, a.address]));
  }

  agent(id: string): AgentProcess {
    const a = this.agents.find((x) => x.id === id);
    if (a === undefined) throw new Error(`no agent ${id}`);
    return a;
  }

  /**
   * Wait until every running agent names the same leader in the same term, and return it.
   * Polls every `intervalMs`, at most until `timeoutMs`.
   */
  async waitForLeader(
    timeoutMs = 15_000,
    intervalMs = 50,
  ): Promise<{ leader: string; term: number }> {
    let last = 'no answer yet';
    const found = await pollUntil(timeoutMs, intervalMs, async () => {
      const statuses = await Promise.all(
        this.agents.filter((a) => a.running).map((a) => a.status()),
      );
      const leaders = new Set(statuses.map((s) => `${s.leader}@${s.term}`));
      last = [...leaders].join(' ');
      const s0 = statuses[0];
      if (leaders.size !== 1 || s0 === undefined || s0.leader === null) return undefined;
      const leaderStatus = statuses.find((s) => s.id === s0.leader);
      return leaderStatus?.role === 'leader' ? { leader: s0.leader, term: s0.term } : undefined;
    });
    if (found === undefined)
      throw new Error(`no agreed leader within ${timeoutMs} ms (saw: ${last})`);
    return found;
  }

  /**
   * Replace the cluster's configuration as clusterctl would: wait for an agreed leader, propose
   * `apply-config` of `config` (named by `fingerprint`) there, and return that leader's id.
   * Resolves on the leader's answer to the proposal, not once resources have moved.
   */
  async applyConfig(config: ClusterConfig, fingerprint: string): Promise<string> {
    const { leader } = await this.waitForLeader();
    await this.agent(leader).request({
      op: 'propose',
      command: { type: 'apply-config', config, fingerprint, atMs: Date.now() },
    });
    return leader;
  }

  /** Kill every agent and its lease guard, and remove the data directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.kill('SIGKILL')));
    for (const a of this.agents) a.killGuard();
    // QUORATE_KEEP_AGENT_LOGS=1 keeps the agents' logs and data for a post-mortem.
    if (process.env['QUORATE_KEEP_AGENT_LOGS'] === '1')
      console.error(`agent logs kept in ${this.root}`);
    else rmSync(this.root, { recursive: true, force: true });
  }
}

/** Poll `probe` until it returns a value, at most `timeoutMs`; undefined on time-out. */
export async function pollUntil<T>(
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / intervalMs) + 1; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // an agent may be restarting; try again
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null ? res(addr.port) : rej(new Error('no port')),
      );
    });
  });
}
