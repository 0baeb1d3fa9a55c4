/**
 * A FIFO queue bounded both in item count and in total size, so that a slow or dead peer costs
 * at most a known amount of memory. `push` refuses (returns false) instead of growing; the
 * caller drops and counts. Sizes are the caller's estimates (bytes, usually an upper bound).
 *
 * Amortised O(1) push and shift: items live in an array read from a moving head, compacted
 * once the consumed prefix outweighs the rest.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  /**
   * @param itemsMax most items held at once (at least 1)
   * @param bytesMax most total size held at once (at least 1); a single item larger than this
   *   is always refused
   */
  constructor(
    readonly itemsMax: number,
    readonly bytesMax: number,
  ) {
    if (!Number.isSafeInteger(itemsMax) || itemsMax < 1) {
      throw new RangeError(`itemsMax must be a positive integer, got ${itemsMax}`);
    }
    if (!Number.isSafeInteger(bytesMax) || bytesMax < 1) {
      throw new RangeError(`bytesMax must be a positive integer, got ${bytesMax}`);
    }
  }

  /** Number of items queued. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Total size of the items queued. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Append `item` of size `sizeBytes` if both bounds allow it; false (nothing changed) if not. */
  push(item: T, sizeBytes: number): boolean {
    if (this.length >= this.itemsMax || this.bytes + sizeBytes > this.bytesMax) return false;
    this.items.push(item);
    this.sizes.push(sizeBytes);
    this.bytes += sizeBytes;
    return true;
  }

  /**
   * Remove and return the oldest items, as many as fit in `countMax` items and `bytesMax`
   * total size, but always at least one when the queue is not empty (an item larger than the
   * batch limit travels alone rather than never).
   */
  takeBatch(countMax: number, bytesMax: number): T[] {
    const batch: T[] = [];
    let batchBytes = 0;
    while (this.length > 0 && batch.length < countMax) {
      const size = this.sizes[this.head]!;
      if (batch.length > 0 && batchBytes + size > bytesMax) break;
      batch.push(this.items[this.head]!);
      batchBytes += size;
      this.bytes -= size;
      this.head += 1;
    }
    this.compact();
    return batch;
  }

  /** Remove and return every queued item, oldest first. */
  clear(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.sizes = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }
}
