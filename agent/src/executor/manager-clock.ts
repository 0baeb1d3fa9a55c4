/**
 * The time source of the resource manager: a monotonic "now" and one-shot timers. Injected,
 * so that tests drive monitor cadence and deadlines with a fake clock instead of sleeping.
 */
export interface ManagerClock {
  /** Milliseconds on a monotonic clock (only differences mean anything). */
  nowMs(): number;
  /**
   * Call `callback` once, `delayMs` from now. Returns a function that cancels the timer;
   * calling it after the timer fired does nothing.
   */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/** The real clock: performance.now() and setTimeout (delays capped at setTimeout's limit). */
export const systemManagerClock: ManagerClock = {
  nowMs: () => performance.now(),
  setTimer: (callback, delayMs) => {
    const timer = setTimeout(callback, Math.min(Math.max(delayMs, 0), 2_147_483_647));
    return () => clearTimeout(timer);
  },
};
