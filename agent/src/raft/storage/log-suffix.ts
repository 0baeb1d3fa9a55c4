/**
 * The part of a Raft log that storage still holds: a base point (the snapshot's index and
 * term, or 0/0 before any snapshot) and one item for each index after it, consecutive. The
 * item is whatever the holder needs per entry: whole entries for `MemoryStorage` and WAL
 * replay, just terms for `DiskStorage`'s bookkeeping. Keeping the append/overwrite/compact
 * rules in one place makes every implementation agree on them.
 */
export class LogSuffix<T> {
  private items: T[] = [];

  constructor(
    private base: number,
    private baseTermValue: number,
    private readonly termOf: (item: T) => number,
  ) {}

  /** Index of the snapshot the log continues from (0: none). */
  get baseIndex(): number {
    return this.base;
  }

  /** Term of the snapshot the log continues from (0: none). */
  get baseTerm(): number {
    return this.baseTermValue;
  }

  /** Index of the newest item, or the base index when there is none. */
  get lastIndex(): number {
    return this.base + this.items.length;
  }

  /** The items after the base, oldest first. A live view: do not modify. */
  get entries(): readonly T[] {
    return this.items;
  }

  /** Term at `index`: the base term at the base, an item's term after it, else undefined. */
  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTermValue;
    if (index < this.base || index > this.lastIndex) return undefined;
    return this.termOf(this.items[index - this.base - 1]!);
  }

  /** Whether the log holds `index` with `term` (Raft's log matching test). */
  matches(index: number, term: number): boolean {
    return this.termAt(index) === term;
  }

  /**
   * Store `items` at `firstIndex`, `firstIndex + 1`, ...: items at or below the base are
   * dropped (already compacted) and the log from the first remaining index on is replaced.
   * Returns false, changing nothing, when that index would leave a gap after the last one.
   */
  append(firstIndex: number, items: readonly T[]): boolean {
    const skip = Math.max(0, this.base + 1 - firstIndex);
    if (skip >= items.length) return true;
    const from = firstIndex + skip;
    if (from > this.lastIndex + 1) return false;
    this.items.length = from - this.base - 1;
    for (let i = skip; i < items.length; i++) this.items.push(items[i]!);
    return true;
  }

  /** Drop every item after `index` (clamped to the base). */
  truncateAfter(index: number): void {
    this.items.length = Math.max(0, Math.min(this.items.length, index - this.base));
  }

  /**
   * Make (`index`, `term`) the new base, keeping the items after it. The caller has checked
   * {@link matches}; the items at or below `index` are dropped.
   */
  compactTo(index: number, term: number): void {
    this.items = this.items.slice(Math.max(0, index - this.base));
    this.base = index;
    this.baseTermValue = term;
  }

  /** Make (`index`, `term`) the new base with no items after it. */
  reset(index: number, term: number): void {
    this.items = [];
    this.base = index;
    this.baseTermValue = term;
  }
}
