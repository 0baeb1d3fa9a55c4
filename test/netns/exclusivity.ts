// The "never active twice" check, made by reading the hosts: a worker thread samples every
// host's addresses and mount table every ~20 ms for as long as the watcher runs, and records
// any sample in which an address or the shared device is held by two hosts at once.
// See exclusivity-worker.ts for what each reading is.
import { Worker } from 'node:worker_threads';
import type {
  Overlap,
  WatchConfig,
  WatchedHost,
  WatchReport,
  WorkerRequest,
} from './exclusivity-worker.js';

export type { Overlap, WatchReport, WatchedHost };

export class ExclusivityWatcher {
  private seq = 1;
  private readonly pending = new Map<number, (r: WatchReport) => void>();
  private final: WatchReport | undefined;
  private stopping: Promise<WatchReport> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { seq: number; report: WatchReport }) => {
      const r = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      r?.(m.report);
    });
  }

  /** Start sampling now. */
  static start(config: WatchConfig): ExclusivityWatcher {
    const worker = new Worker(new URL('./exclusivity-worker.js', import.meta.url), {
      workerData: config,
    });
    worker.unref();
    return new ExclusivityWatcher(worker);
  }

  /** Tell the sampler about a host's new processes (after a restart or a power-on). */
  updateHosts(hosts: WatchedHost[]): void {
    if (this.final === undefined) this.post({ op: 'hosts', hosts });
  }

  /** The record so far (the watcher keeps running). */
  report(timeoutMs = 5_000): Promise<WatchReport> {
    if (this.final !== undefined) return Promise.resolve(this.final);
    return this.ask((seq) => ({ op: 'report', seq }), timeoutMs);
  }

  /** Take one last sample, stop, and return the whole record. Idempotent. */
  stop(timeoutMs = 5_000): Promise<WatchReport> {
    if (this.final !== undefined) return Promise.resolve(this.final);
    this.stopping ??= this.ask((seq) => ({ op: 'stop', seq }), timeoutMs)
      .then((r) => {
        this.final = r;
        return r;
      })
      .finally(() => void this.worker.terminate());
    return this.stopping;
  }

  private ask(make: (seq: number) => WorkerRequest, timeoutMs: number): Promise<WatchReport> {
    const seq = this.seq++;
    return new Promise<WatchReport>((res, rej) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        rej(new Error(`exclusivity watcher did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, (r) => (clearTimeout(timer), res(r)));
      this.post(make(seq));
    });
  }

  private post(msg: WorkerRequest): void {
    this.worker.postMessage(msg);
  }
}

/** One line per overlap, for assertion messages. */
export function describeOverlaps(overlaps: Overlap[]): string {
  return overlaps
    .map(
      (o) =>
        `${o.kind} ${o.what} on ${o.hosts.join(' and ')} from ${o.fromMs.toFixed(0)} to ${o.toMs.toFixed(0)} ms (${o.samples} samples)`,
    )
    .join('; ');
}
