import type { ResourceDef } from '../config/model.js';
import type { AgentToGuard, GuardToAgent } from './guard-protocol.js';

/** What the guard needs from its surroundings. Times on the host's shared monotonic clock. */
export interface LeaseGuardOptions {
  /** The lease timing's stop budget: stops begin this long before the lease ends. */
  stopBudgetMs: number;
  /**
   * The guard acts only when the agent is gone or has been silent this long (it sends a
   * heartbeat every renewal round); a live agent stops its own resources.
   */
  silenceMs: number;
  /** With no agent connected and nothing left to guard for this long, the guard exits. */
  idleExitMs: number;
  nowMs: () => number;
  /** Stop every resource listed (in reverse) before `deadlineMs`; says what failed. */
  stopAll: (
    resources: ResourceDef[],
    deadlineMs: number,
  ) => Promise<{ ok: boolean; stopFailed: string[] }>;
  exit: () => void;
  logger: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

/**
 * The lease guard's rule, kept apart from sockets and processes.
 *
 * A node's agent promises to stop everything it runs before its lease ends (the leader may
 * then place those resources elsewhere). An agent that is killed (kill -9, a crash, the OOM
 * killer) or paused (SIGSTOP, a stall) cannot keep that promise, and the resource processes,
 * addresses and mounts it leaves behind would be active twice once the leader moves them. The
 * guard is a second, tiny process per node that keeps the promise for it: the agent tells it
 * its lease and what may run; when the lease is about to end and the agent is gone or silent,
 * the guard stops everything, exactly as the agent would have. A restarted agent connects to
 * the same guard and inherits the lease it left, so a quick agent restart does not bounce
 * healthy resources. What it cannot cover: the guard and the agent both killed at once (a
 * host crash takes the resources with it; a killed control group is systemd's stop, on
 * which the guard stops everything first). Fencing covers the rest (docs/safety.md).
 */
export class LeaseGuard {
  private expiresAtMs = Number.NEGATIVE_INFINITY;
  private resources: ResourceDef[] = [];
  private lastHeardMs = Number.NEGATIVE_INFINITY;
  private connected = 0;
  private idleSinceMs: number;
  /** Everything listed has been stopped since the lease last ended (or nothing was held). */
  private stoppedAll = true;
  private stopping: Promise<void> | null = null;
  private terminating = false;

  constructor(private readonly o: LeaseGuardOptions) {
    this.idleSinceMs = o.nowMs();
  }

  /** An agent connected: what it inherits. */
  agentConnected(): GuardToAgent {
    this.connected++;
    this.lastHeardMs = this.o.nowMs();
    const now = this.o.nowMs();
    return {
      type: 'hello',
      expiresAtMs: this.expiresAtMs > now ? this.expiresAtMs : null,
      stoppedAll: this.stoppedAll,
    };
  }

  /** An agent's connection closed (it exited or was killed). */
  agentDisconnected(): void {
    this.connected = Math.max(0, this.connected - 1);
    if (this.connected === 0) this.idleSinceMs = this.o.nowMs();
  }

  /** A message from the agent. */
  received(msg: AgentToGuard): void {
    const now = this.o.nowMs();
    this.lastHeardMs = now;
    switch (msg.type) {
      case 'lease': {
        const expiresAt = msg.expiresAtMs ?? Number.NEGATIVE_INFINITY;
        // A lease the agent holds beyond the stop point means it may run things again.
        if (expiresAt - this.o.stopBudgetMs > now) this.stoppedAll = false;
        this.expiresAtMs = expiresAt;
        return;
      }
      case 'resources':
        this.resources = msg.resources;
        return;
      case 'released':
        this.resources = [];
        this.expiresAtMs = Number.NEGATIVE_INFINITY;
        this.stoppedAll = true;
        this.o.logger.info({}, 'agent released everything: nothing left to guard');
        return;
    }
  }

  /**
   * Asked to exit (SIGTERM: systemd stopping the unit). A live agent is left to stop its own
   * resources and release them; without one, the guard stops everything at once, lease or
   * not. Either way it exits as soon as nothing is left to guard.
   */
  terminate(): void {
    this.terminating = true;
  }

  /** Run one check; call often (every few tens of milliseconds). */
  check(): void {
    const now = this.o.nowMs();
    const agentAway = this.connected === 0 || now - this.lastHeardMs >= this.o.silenceMs;
    const stopPoint = this.terminating ? now : this.expiresAtMs - this.o.stopBudgetMs;
    if (this.stopping === null && !this.stoppedAll && agentAway && now >= stopPoint) {
      this.stopEverything(now);
      return;
    }
    const idle = this.connected === 0 && this.stopping === null && this.stoppedAll;
    const idleExitMs = this.terminating ? 0 : this.o.idleExitMs;
    if (idle && now - this.idleSinceMs >= idleExitMs) {
      this.o.logger.info({}, 'no agent and nothing to guard: exiting');
      this.o.exit();
    }
  }

  private stopEverything(now: number): void {
    const resources = this.resources;
    const deadlineMs = Math.max(this.expiresAtMs, now + this.o.stopBudgetMs);
    this.o.logger.warn(
      {
        resources: resources.map((r) => r.id),
        agent: this.connected === 0 ? 'gone' : 'silent',
        leaseLeftMs: Math.round(this.expiresAtMs - now),
      },
      'agent cannot stop its resources before its lease ends: stopping everything',
    );
    this.stopping = this.o
      .stopAll(resources, deadlineMs)
      .then(
        (r) => {
          if (r.ok) this.o.logger.info({}, 'stopped everything');
          else
            this.o.logger.error(
              { stopFailed: r.stopFailed },
              'some resources could not be stopped: this node must be fenced',
            );
        },
        (err: unknown) => this.o.logger.error({ err: String(err) }, 'stopping everything failed'),
      )
      .finally(() => {
        this.stopping = null;
        // Still over unless the agent renewed meanwhile (then it runs things itself again).
        if (this.terminating || this.expiresAtMs - this.o.stopBudgetMs <= this.o.nowMs())
          this.stoppedAll = true;
        if (this.connected === 0) this.idleSinceMs = this.o.nowMs();
      });
  }
}
