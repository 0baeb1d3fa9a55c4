/**
 * At most one run per key at a time: a call for a key whose run is still going joins it (gets
 * the same promise) instead of starting another. Used so that one node is never fenced by two
 * operations at once (two callers powering one server off and on in interleaved order could
 * leave it on), while different nodes are fenced in parallel.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /**
   * The running promise for `key` (`joined: true`), or a new one from `start`. The key is
   * released when the run settles, before anyone awaiting it resumes, so a call made after a
   * run finished always starts afresh. `start` is called synchronously, at most once per run.
   */
  run(key: string, start: () => Promise<T>): { joined: boolean; promise: Promise<T> } {
    const current = this.running.get(key);
    if (current !== undefined) return { joined: true, promise: current };
    const promise = (async () => {
      try {
        return await start();
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, promise);
    return { joined: false, promise };
  }

  /** Whether a run for `key` is going. */
  has(key: string): boolean {
    return this.running.has(key);
  }

  /** The keys with a run going. */
  keys(): string[] {
    return [...this.running.keys()];
  }
}
