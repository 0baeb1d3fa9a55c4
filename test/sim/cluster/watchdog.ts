import type { SimScheduler } from '../sim-scheduler.js';
import type { HostClock } from './host-clock.js';

/**
 * A host's hardware watchdog (or softdog), as sbd uses it: once armed by the agent's first
 * feed, it resets the host unless fed again within `timeoutMs` of its own clock. The agent
 * feeds it only while its lease is valid or nothing may run on the host, so a stalled or
 * crashed agent whose host still runs resources is reset before its lease ends. It keeps
 * counting across an agent crash (no clean close), and is disarmed only by the host losing
 * power. Its clock drifts on its own, within the same bound as the host's.
 */
export class Watchdog {
  /** Resets fired so far. */
  resets = 0;
  private readonly scheduler: SimScheduler;
  private readonly clock: HostClock;
  private readonly timeoutMs: number;
  private readonly onExpire: () => void;
  /** Real time the host is reset unless fed before (Infinity: disarmed). */
  private deadlineMs = Infinity;
  /** A check is queued at this real time (Infinity: none). */
  private checkAtMs = Infinity;

  constructor(scheduler: SimScheduler, clock: HostClock, timeoutMs: number, onExpire: () => void) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.onExpire = onExpire;
  }

  /** Whether it is armed. */
  get armed(): boolean {
    return this.deadlineMs !== Infinity;
  }

  /** Feeds (and arms) it now. */
  feed(): void {
    this.deadlineMs = this.scheduler.nowMs + this.clock.realSpanMs(this.timeoutMs);
    if (this.checkAtMs === Infinity) this.queueCheck(this.deadlineMs);
  }

  /** Disarms it (the host lost power). */
  disarm(): void {
    this.deadlineMs = Infinity;
  }

  private queueCheck(atMs: number): void {
    this.checkAtMs = atMs;
    this.scheduler.at(atMs, null, () => {
      this.checkAtMs = Infinity;
      if (this.deadlineMs === Infinity) return;
      if (this.deadlineMs > this.scheduler.nowMs) {
        this.queueCheck(this.deadlineMs);
        return;
      }
      this.deadlineMs = Infinity;
      this.resets++;
      this.onExpire();
    });
  }
}
