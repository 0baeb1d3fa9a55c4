import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ResourceDef } from '../config/model.js';
import {
  encodeGuardMessage,
  lineDecoder,
  type AgentToGuard,
  type GuardToAgent,
} from './guard-protocol.js';
import { fromMonotonicMs, toMonotonicMs } from './monotonic-time.js';

const GUARD_MAIN = fileURLToPath(new URL('./guard-main.js', import.meta.url));

/** How to find or start this node's lease guard. */
export interface GuardLinkOptions {
  socketPath: string;
  node: string;
  ocfRoot: string;
  stopBudgetMs: number;
  /** The agent's renewal interval: the guard acts after three rounds of silence. */
  renewIntervalMs: number;
  /** Most time to wait for a started guard to say it is ready. */
  startTimeoutMs: number;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** What a previous agent process left with the guard (see GuardToAgent). */
export interface Inheritance {
  /** The lease it held, on this process's `performance.now()` clock; null if none. */
  leaseUntilMs: number | null;
  stoppedAll: boolean;
}

/**
 * The agent's end of its lease guard (lease-guard.ts): connects to the guard already
 * serving this node, or starts one (detached, in its own process group, so killing the
 * agent leaves it running), and feeds it the lease and the resources. If the guard goes
 * away, the next message starts a new one. Sending never blocks and never throws: a guard
 * that cannot be reached is logged, and the agent goes on keeping its own promise.
 */
export class GuardLink {
  private socket: Socket | null = null;
  private connecting: Promise<GuardToAgent | null> | null = null;
  private lastResources: ResourceDef[] | null = null;
  private closed = false;
  /** A lease message went over the current connection (so the guard knows what to guard). */
  private leaseSent = false;

  constructor(private readonly o: GuardLinkOptions) {}

  /**
   * Connect to the guard serving this node and return what a previous agent process left.
   * When none serves it, one is started in the background (the agent need not wait: there is
   * nothing to inherit) and null is returned.
   */
  async open(): Promise<Inheritance | null> {
    const hello = await this.tryConnect();
    if (hello === null) {
      void this.ensureConnected();
      return null;
    }
    return {
      leaseUntilMs: hello.expiresAtMs === null ? null : fromMonotonicMs(hello.expiresAtMs),
      stoppedAll: hello.stoppedAll,
    };
  }

  /** Heartbeat with the lease's end on this process's clock (-Infinity: no lease). */
  sendLease(leaseUntilMs: number): void {
    const expiresAtMs = Number.isFinite(leaseUntilMs) ? toMonotonicMs(leaseUntilMs) : null;
    if (this.send({ type: 'lease', expiresAtMs })) this.leaseSent = true;
  }

  /**
   * Whether the guard is watching: connected, told what may run here and told the lease. The
   * agent starts nothing until then (a resource started before its guard knew of it would
   * be left running if the agent were killed or paused at once).
   */
  watching(): boolean {
    return this.socket !== null && this.leaseSent && this.lastResources !== null;
  }

  /** What may run here, in start order; sent again only when the list changes. */
  sendResources(resources: ResourceDef[]): void {
    if (this.lastResources === resources) return;
    this.lastResources = resources;
    this.send({ type: 'resources', resources });
  }

  /** Everything is stopped and the agent is exiting on purpose; resolves once written. */
  release(): Promise<void> {
    const socket = this.socket;
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) =>
      socket.write(encodeGuardMessage({ type: 'released' }), () => resolve()),
    );
  }

  /** Disconnect (the guard keeps guarding what it was last told). */
  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = null;
  }

  /** Write `msg` to the guard; false when not connected (a connection is then started). */
  private send(msg: AgentToGuard): boolean {
    if (this.closed) return false;
    if (this.socket === null) {
      void this.ensureConnected();
      return false;
    }
    this.socket.write(encodeGuardMessage(msg));
    return true;
  }

  private ensureConnected(): Promise<GuardToAgent | null> {
    if (this.connecting === null) {
      this.connecting = this.connect().finally(() => (this.connecting = null));
    }
    return this.connecting;
  }

  private async connect(): Promise<GuardToAgent | null> {
    let hello = await this.tryConnect();
    if (hello === null) {
      if (!(await this.startGuard())) return null;
      hello = await this.tryConnect();
    }
    if (hello === null)
      this.o.logger.warn({ socket: this.o.socketPath }, 'lease guard unreachable');
    return hello;
  }

  /** Connect and read the hello; null if nobody answers. */
  private tryConnect(): Promise<GuardToAgent | null> {
    return new Promise((resolve) => {
      const socket = createConnection(this.o.socketPath);
      let settled = false;
      const settle = (v: GuardToAgent | null) => {
        if (settled) return;
        settled = true;
        resolve(v);
      };
      socket.once('error', () => settle(null));
      socket.on(
        'data',
        lineDecoder<GuardToAgent>(
          (msg) => {
            if (msg.type !== 'hello' || settled) return;
            if (this.closed) {
              socket.destroy();
              return settle(null);
            }
            this.socket = socket;
            this.leaseSent = false;
            // A new guard (or a new connection) must hear the resources again.
            if (this.lastResources !== null)
              socket.write(
                encodeGuardMessage({ type: 'resources', resources: this.lastResources }),
              );
            settle(msg);
          },
          () => undefined,
        ),
      );
      socket.once('close', () => {
        if (this.socket === socket) {
          this.socket = null;
          if (!this.closed) this.o.logger.warn({}, 'lease guard connection lost; reconnecting');
        }
        settle(null);
      });
    });
  }

  /** Start a guard and wait (bounded) for its `ready` on fd 3. */
  private startGuard(): Promise<boolean> {
    const child = spawn(
      process.execPath,
      [
        GUARD_MAIN,
        '--socket',
        this.o.socketPath,
        '--node',
        this.o.node,
        '--ocf-root',
        this.o.ocfRoot,
        '--stop-budget-ms',
        String(this.o.stopBudgetMs),
        '--silence-ms',
        String(this.o.renewIntervalMs * 3),
      ],
      { detached: true, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] },
    );
    child.unref();
    return new Promise((resolve) => {
      const ready = child.stdio[3] as NodeJS.ReadableStream & {
        destroy(): void;
        unref?: () => void;
      };
      let text = '';
      let finished = false;
      const done = (ok: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        ready.destroy();
        if (!ok) this.o.logger.warn({ socket: this.o.socketPath }, 'lease guard did not start');
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), this.o.startTimeoutMs);
      ready.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('ready')) done(true);
      });
      ready.on('error', () => undefined);
      ready.on('end', () => done(text.includes('ready')));
      child.once('error', () => done(false));
    });
  }
}
