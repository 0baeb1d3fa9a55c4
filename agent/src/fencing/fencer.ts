import type { FenceDevice, FenceTopology } from './fence-device.js';
import { SILENT_FENCE_LOGGER, type FenceLogger } from './fence-logger.js';
import { fenceNode, type FenceNodeOptions } from './fence-node.js';
import type { FenceOutcome } from './fence-outcome.js';

/** Everything a {@link Fencer} runs with. */
export interface FencerOptions {
  topology: FenceTopology;
  devices: FenceDevice[];
  /** How nodes are fenced and agents run (mode, verification, timeouts' kill grace, ...). */
  fence?: FenceNodeOptions;
  /** Most finished fencing operations kept in {@link Fencer.history} (oldest dropped first). */
  historyMax?: number;
  /**
   * After a failed fencing operation, requests for that node within this long are answered
   * with the failure instead of starting again: the leader asks every round, and a device
   * that just failed every level would otherwise be hammered back to back.
   */
  retryAfterFailureMs?: number;
  /** Wall clock for the records (default Date.now). */
  nowMs?: () => number;
  /**
   * Called once per successful operation, after the node is recorded fenced: the coordinator
   * adds it to `fenced` for `decide()` (and forgets its lease). Exceptions are logged, not
   * propagated.
   */
  onFenced?: (node: string, outcome: FenceOutcome) => void;
  /** Requests and outcomes (secrets are never in them). Default: silent. */
  logger?: FenceLogger;
}

/** Defaults for the fencer's own bounds. */
export const FENCER_DEFAULTS = {
  historyMax: 100,
  retryAfterFailureMs: 5_000,
} as const;

/**
 * What became of a request:
 * - `started`: a fencing operation began.
 * - `in-progress`: one was already running for that node; the request joined it.
 * - `already-fenced`: the node was confirmed off and has not been seen alive since.
 * - `backing-off`: the last operation for the node failed less than `retryAfterFailureMs` ago.
 */
export type FenceRequestDisposition = 'started' | 'in-progress' | 'already-fenced' | 'backing-off';

/** A request's disposition and the outcome it resolves to (never rejects). */
export interface FenceRequest {
  node: string;
  disposition: FenceRequestDisposition;
  /** The running operation's outcome, or the earlier one that decided the disposition. */
  outcome: Promise<FenceOutcome>;
}

/** One finished fencing operation, for `clusterctl events`. */
export interface FenceRecord {
  node: string;
  /** Why it was requested (the policy's reason, e.g. `stop-failed`). */
  reason: string;
  requestedAtMs: number;
  finishedAtMs: number;
  outcome: FenceOutcome;
}

/**
 * The leader's fencer (Pacemaker's fencer, driven by the DC). It turns fencing requests into
 * fencing operations, at most one per node at a time, and remembers which nodes a fence device
 * confirmed off so that the coordinator can pass them to `decide()` as `fenced`.
 *
 * A node stays fenced until the coordinator reports it alive again ({@link nodeSeenAlive}):
 * until then a new request for it does nothing, since it is off. A failed operation leaves the
 * node unfenced (it may still run resources) and is retried by a later request once
 * `retryAfterFailureMs` has passed. Finished operations are kept in a bounded history.
 */
export class Fencer {
  private topology: FenceTopology;
  private devices: FenceDevice[];
  private readonly historyMax: number;
  private readonly retryAfterFailureMs: number;
  private readonly nowMs: () => number;
  private readonly logger: FenceLogger;
  private readonly running = new Map<string, Promise<FenceOutcome>>();
  private readonly fenced = new Map<string, { sinceMs: number; outcome: FenceOutcome }>();
  private readonly failed = new Map<string, { atMs: number; outcome: FenceOutcome }>();
  private readonly records: FenceRecord[] = [];

  constructor(private readonly options: FencerOptions) {
    this.topology = options.topology;
    this.devices = options.devices;
    this.historyMax = Math.max(1, Math.floor(options.historyMax ?? FENCER_DEFAULTS.historyMax));
    this.retryAfterFailureMs = Math.max(
      0,
      options.retryAfterFailureMs ?? FENCER_DEFAULTS.retryAfterFailureMs,
    );
    this.nowMs = options.nowMs ?? (() => Date.now());
    this.logger = options.logger ?? SILENT_FENCE_LOGGER;
  }

  /** Use a new topology and device list from the next operation on (running ones keep theirs). */
  configure(topology: FenceTopology, devices: FenceDevice[]): void {
    this.topology = topology;
    this.devices = devices;
  }

  /**
   * Ask for `node` to be fenced because of `reason`. Starts an operation unless one is running
   * for it, it is already fenced, or its last operation failed too recently (see
   * {@link FenceRequestDisposition}). Returns at once; the outcome follows.
   */
  request(node: string, reason: string): FenceRequest {
    const running = this.running.get(node);
    if (running !== undefined) return { node, disposition: 'in-progress', outcome: running };
    const fenced = this.fenced.get(node);
    if (fenced !== undefined) {
      return { node, disposition: 'already-fenced', outcome: Promise.resolve(fenced.outcome) };
    }
    const requestedAtMs = this.nowMs();
    const failed = this.failed.get(node);
    if (failed !== undefined && requestedAtMs - failed.atMs < this.retryAfterFailureMs) {
      return { node, disposition: 'backing-off', outcome: Promise.resolve(failed.outcome) };
    }
    this.logger.info({ target: node, reason }, 'fencing requested');
    const outcome = fenceNode(node, this.topology, this.devices, {
      ...this.options.fence,
      logger: this.options.fence?.logger ?? this.logger,
    }).then((result) => {
      this.finish(node, reason, requestedAtMs, result);
      return result;
    });
    this.running.set(node, outcome);
    return { node, disposition: 'started', outcome };
  }

  /**
   * When (wall clock) a fence device confirmed `node` off, if it did since the node was last
   * seen alive; null otherwise.
   */
  fencedSince(node: string): number | null {
    return this.fenced.get(node)?.sinceMs ?? null;
  }

  /** The nodes confirmed off and not seen alive since: `decide()`'s `fenced`. */
  fencedNodes(): string[] {
    return [...this.fenced.keys()];
  }

  /**
   * The node is alive again (it renewed its lease after a reboot or power-on): it is no longer
   * fenced, and a later request fences it anew. Also clears a failure backoff.
   */
  nodeSeenAlive(node: string): void {
    this.fenced.delete(node);
    this.failed.delete(node);
  }

  /** The nodes with a fencing operation running. */
  inProgress(): string[] {
    return [...this.running.keys()];
  }

  /** Finished operations, oldest first, at most `historyMax`. */
  history(): FenceRecord[] {
    return [...this.records];
  }

  /** Resolves once no operation is running (for shutdown and tests). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private finish(node: string, reason: string, requestedAtMs: number, outcome: FenceOutcome): void {
    this.running.delete(node);
    const finishedAtMs = this.nowMs();
    this.records.push({ node, reason, requestedAtMs, finishedAtMs, outcome });
    if (this.records.length > this.historyMax) {
      this.records.splice(0, this.records.length - this.historyMax);
    }
    if (!outcome.ok) {
      this.failed.set(node, { atMs: finishedAtMs, outcome });
      this.logger.warn({ target: node, reason: outcome.reason }, 'fencing request failed');
      return;
    }
    this.failed.delete(node);
    this.fenced.set(node, { sinceMs: finishedAtMs, outcome });
    try {
      this.options.onFenced?.(node, outcome);
    } catch (error) {
      this.logger.warn({ target: node, error: String(error) }, 'onFenced callback threw');
    }
  }
}
