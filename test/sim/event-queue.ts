/**
 * A min-priority queue of timed items: earliest `atMs` first, ties broken by insertion order
 * (a sequence number), so two events scheduled for the same simulated instant always run in
 * the order they were scheduled. That tie-break is what keeps a run deterministic.
 */
export class EventQueue<T> {
  private readonly heap: { atMs: number; seq: number; item: T }[] = [];
  private nextSeq = 0;

  /** Number of queued items. */
  get size(): number {
    return this.heap.length;
  }

  /** Queues `item` at simulated time `atMs`; returns its sequence number. */
  push(atMs: number, item: T): number {
    const seq = this.nextSeq++;
    const heap = this.heap;
    heap.push({ atMs, seq, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return seq;
  }

  /** The time of the earliest item, or undefined when empty. */
  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  /** Removes and returns the earliest item (with its time), or undefined when empty. */
  pop(): { atMs: number; item: T } | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.less(l, m)) m = l;
        if (r < heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return { atMs: top.atMs, item: top.item };
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }
}
