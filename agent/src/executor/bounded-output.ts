/**
 * The first `bytesMax` bytes of a stream, kept for diagnostics: an agent that writes without
 * end costs a known amount of memory. Later bytes are counted, not kept.
 */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  /** @param bytesMax most bytes kept (0 keeps nothing) */
  constructor(readonly bytesMax: number) {
    if (!Number.isSafeInteger(bytesMax) || bytesMax < 0) {
      throw new RangeError(`bytesMax must be a non-negative integer, got ${bytesMax}`);
    }
  }

  /** Keep as much of `chunk` as still fits; count the rest. */
  push(chunk: Buffer): void {
    const room = this.bytesMax - this.keptBytes;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.keptBytes += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.keptBytes += room;
    }
    this.droppedBytes += chunk.length - Math.max(room, 0);
  }

  /** Whether anything was dropped. */
  get truncated(): boolean {
    return this.droppedBytes > 0;
  }

  /** The kept bytes as UTF-8 (a character cut at the bound becomes U+FFFD). */
  text(): string {
    return Buffer.concat(this.chunks, this.keptBytes).toString('utf8');
  }
}
