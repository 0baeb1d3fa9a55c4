// Harness side of the client probe (client-probe.ts): starts it inside the client namespace
// with `ip netns exec`, follows its transitions as they happen, and returns its report.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeConfig, ProbeLine, ProbeReport, ProbeTransition } from './client-probe.js';
import { pollUntil, TOOL_ENV } from './sys.js';

export type { ProbeReport, ProbeTransition };

const PROBE_SCRIPT = fileURLToPath(new URL('./client-probe.js', import.meta.url));

export interface ProbeOptions {
  /** Time between two request starts (default 20 ms). */
  intervalMs?: number;
  /** Bound on one request (default 300 ms). */
  timeoutMs?: number;
  /** Bound on the whole run (default 120 s). */
  maxMs?: number;
  /** Bound on the number of requests (default maxMs / intervalMs). */
  maxCount?: number;
  /** Write instead of read: PUT new files `<url><putPrefix><seq>` (see client-probe.ts). */
  putPrefix?: string;
}

export class ClientProbe {
  readonly transitions: ProbeTransition[] = [];
  private report: ProbeReport | undefined;
  private startedAtMs: number | undefined;
  private stderr = '';
  private readonly ended: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) this.onLine(l);
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.ended = new Promise((res) => child.once('close', () => res()));
  }

  /** Start probing `url` from namespace `ns`; resolves once the probe runs. */
  static async start(ns: string, url: string, opts: ProbeOptions = {}): Promise<ClientProbe> {
    const intervalMs = opts.intervalMs ?? 20;
    const maxMs = opts.maxMs ?? 120_000;
    const cfg: ProbeConfig = {
      url,
      intervalMs,
      timeoutMs: opts.timeoutMs ?? 300,
      maxMs,
      maxCount: opts.maxCount ?? Math.ceil(maxMs / intervalMs),
      ...(opts.putPrefix === undefined ? {} : { putPrefix: opts.putPrefix }),
    };
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, process.execPath, PROBE_SCRIPT, JSON.stringify(cfg)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: TOOL_ENV },
    );
    const probe = new ClientProbe(child);
    const ok = await pollUntil(10_000, 10, () =>
      probe.startedAtMs !== undefined ? true : undefined,
    );
    if (ok === undefined) {
      child.kill('SIGKILL');
      throw new Error(`client probe did not start: ${probe.stderr}`);
    }
    return probe;
  }

  /** The probe's pid (inside the client namespace). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Up, down, or undefined before the first answer. */
  get up(): boolean | undefined {
    return this.transitions[this.transitions.length - 1]?.up;
  }

  /** Wait until the probe's state is `up`, at most `timeoutMs`; the transition, or undefined. */
  waitFor(up: boolean, timeoutMs: number): Promise<ProbeTransition | undefined> {
    return pollUntil(timeoutMs, 10, () =>
      this.up === up ? this.transitions[this.transitions.length - 1] : undefined,
    );
  }

  /** Stop the probe (SIGTERM, then SIGKILL after `timeoutMs`) and return its report. */
  async stop(timeoutMs = 5_000): Promise<ProbeReport> {
    if (this.report !== undefined) return this.report;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const done = await Promise.race([
      this.ended.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
    ]);
    if (!done) this.child.kill('SIGKILL');
    if (this.report === undefined)
      throw new Error(`client probe ended without a report: ${this.stderr}`);
    return this.report;
  }

  /** Kill without waiting for a report (clean-up). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private onLine(l: string): void {
    if (l.trim() === '') return;
    const msg = JSON.parse(l) as ProbeLine;
    if (msg.type === 'ready') this.startedAtMs = msg.startedAtMs;
    else if (msg.type === 'transition')
      this.transitions.push({ atMs: msg.atMs, up: msg.up, detail: msg.detail });
    else this.report = msg.report;
  }
}
