/** Views handed out per chunk: one backing buffer serves this many units or instances. */
const VIEWS_PER_CHUNK = 1024;

/**
 * Fixed-length typed-array views carved out of large shared buffers. A plan for 10,000
 * resources needs tens of thousands of small per-node arrays; allocating each separately puts
 * every one off-heap (with its own backing store for the garbage collector to track), which
 * made the collector the largest cost of a node-loss plan. Views of one chunk cost a small
 * object each. Views are zero-filled (or `fill`-filled) and never overlap.
 */
export class TypedSlab<T extends Float64Array | Int8Array> {
  private chunk: T | null = null;
  private used = 0;

  constructor(
    private readonly make: (length: number) => T,
    private readonly viewLength: number,
    private readonly fill: number = 0,
  ) {}

  /** A fresh view of `viewLength` elements. */
  take(): T {
    if (this.chunk === null || this.used === VIEWS_PER_CHUNK) {
      this.chunk = this.make(this.viewLength * VIEWS_PER_CHUNK);
      if (this.fill !== 0) this.chunk.fill(this.fill);
      this.used = 0;
    }
    const start = this.used * this.viewLength;
    this.used++;
    return this.chunk.subarray(start, start + this.viewLength) as T;
  }
}
