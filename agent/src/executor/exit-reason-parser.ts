import { OCF_EXIT_REASON_PREFIX } from './ocf-environment.js';

/** Longest exit reason kept (Pacemaker cuts them short too: they go into the cluster record). */
export const EXIT_REASON_CHARS_MAX = 256;

// Longest line prefix buffered while looking for a newline; the rest of a longer line is
// skipped, so a binary blob on stderr costs bounded memory.
const LINE_BYTES_MAX = 4096;

/**
 * Finds `ocf-exit-reason:<text>` lines in an agent's stderr as it streams (independently of
 * how much output is kept), and remembers the last one, as Pacemaker does: an agent that
 * prints several reasons means the final one.
 */
export class ExitReasonParser {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private overlong = false;
  private last: string | null = null;

  /** Feed the next chunk of stderr. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, newline));
      this.endLine();
      start = newline + 1;
    }
  }

  /**
   * The last exit reason seen, or null. Call once the stream has ended: a final line without
   * a newline counts.
   */
  reason(): string | null {
    if (this.partialBytes > 0) this.endLine();
    return this.last;
  }

  private append(bytes: Buffer): void {
    if (this.overlong || bytes.length === 0) return;
    const room = LINE_BYTES_MAX - this.partialBytes;
    if (bytes.length > room) {
      this.overlong = true;
      bytes = bytes.subarray(0, room);
    }
    this.partial.push(bytes);
    this.partialBytes += bytes.length;
  }

  private endLine(): void {
    const line = Buffer.concat(this.partial, this.partialBytes).toString('utf8');
    this.partial = [];
    this.partialBytes = 0;
    this.overlong = false;
    if (!line.startsWith(OCF_EXIT_REASON_PREFIX)) return;
    const text = line.slice(OCF_EXIT_REASON_PREFIX.length).trim();
    if (text.length > 0) this.last = text.slice(0, EXIT_REASON_CHARS_MAX);
  }
}
