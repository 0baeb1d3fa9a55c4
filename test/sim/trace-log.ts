/** A trace line, built only when someone reads it (most runs never print their trace). */
export type TraceText = string | (() => string);

/** Where a run prints every trace line as it happens (`--trace`); null keeps only the last few. */
export type TraceSink = (line: string) => void;

/**
 * The event log of a run. With a sink (`--trace`) every line is printed as it happens; without
 * one, only the last `keepLines` are kept (unformatted) so a failing run can still show the
 * events leading up to the violation at almost no cost to passing runs.
 */
export class TraceLog {
  private readonly sink: TraceSink | null;
  private readonly keepLines: number;
  private readonly ring: { atMs: number; text: TraceText }[] = [];
  private next = 0;
  private readonly now: () => number;

  /**
   * @param now the simulated clock, stamped on every line
   * @param sink prints each line immediately when given
   * @param keepLines how many recent lines to keep for {@link recent}
   */
  constructor(now: () => number, sink: TraceSink | null, keepLines = 200) {
    this.now = now;
    this.sink = sink;
    this.keepLines = keepLines;
  }

  /** Whether every line is printed (callers may skip building expensive detail otherwise). */
  get verbose(): boolean {
    return this.sink !== null;
  }

  /** Records one line at the current simulated time. */
  log(text: TraceText): void {
    const atMs = this.now();
    if (this.sink !== null) {
      this.sink(formatLine(atMs, text));
      return;
    }
    if (this.ring.length < this.keepLines) this.ring.push({ atMs, text });
    else this.ring[this.next] = { atMs, text };
    this.next = (this.next + 1) % this.keepLines;
  }

  /** The kept lines, oldest first, formatted (empty in verbose mode: they were printed). */
  recent(): string[] {
    const ordered =
      this.ring.length < this.keepLines
        ? this.ring
        : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ordered.map((l) => formatLine(l.atMs, l.text));
  }
}

function formatLine(atMs: number, text: TraceText): string {
  const body = typeof text === 'string' ? text : text();
  return `${atMs.toFixed(3).padStart(11)}ms  ${body}`;
}
