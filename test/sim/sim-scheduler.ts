import { EventQueue } from './event-queue.js';

/** One scheduled action: what to run, and a lazily built trace label (null: not traced). */
export interface SimEvent {
  label: (() => string) | null;
  run: () => void;
}

/**
 * The simulated clock and its event queue: the only notion of time in the simulation. Time
 * advances by jumping to the next queued event (no real timers, no wall clock), so a run of
 * minutes of simulated time takes as long as its events take to compute.
 */
export class SimScheduler {
  /** The current simulated time in ms since the run started. */
  nowMs = 0;
  /** Events run so far. */
  eventsRun = 0;
  private readonly queue = new EventQueue<SimEvent>();

  /** Queues `run` at absolute simulated time `atMs` (clamped to now: no time travel). */
  at(atMs: number, label: (() => string) | null, run: () => void): void {
    this.queue.push(Math.max(atMs, this.nowMs), { label, run });
  }

  /** Queues `run` `delayMs` after now. */
  after(delayMs: number, label: (() => string) | null, run: () => void): void {
    this.at(this.nowMs + delayMs, label, run);
  }

  /** Time of the next event, or undefined when nothing is queued. */
  nextTimeMs(): number | undefined {
    return this.queue.peekTimeMs();
  }

  /**
   * Advances the clock to the next event and runs it, calling `beforeRun` first (tracing);
   * returns false when the queue is empty.
   */
  runNext(beforeRun?: (event: SimEvent) => void): boolean {
    const next = this.queue.pop();
    if (next === undefined) return false;
    this.nowMs = next.atMs;
    this.eventsRun++;
    beforeRun?.(next.item);
    next.item.run();
    return true;
  }
}
