import { execa } from 'execa';
import type { AlertEvent, AlertKind } from './alert-event.js';

/** Where the runner reports (a pino logger fits). */
export interface AlertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How alert scripts run. */
export interface AlertRunnerOptions {
  /** Executable paths, each run once per event (like Pacemaker's alert agents). */
  scripts: string[];
  /** Kinds to run scripts for (default: all). */
  kinds?: readonly AlertKind[];
  /** A script still running after this long gets SIGTERM, then SIGKILL 2 s later. */
  timeoutMs: number;
  /** Most scripts running at once; more wait in the queue. */
  concurrencyMax: number;
  /** Most runs waiting; beyond, new runs are dropped (and counted, and logged). */
  queueMax: number;
  clusterId: string;
  /** The agent running the script. */
  localNode: string;
  logger: AlertLogger;
  /** Called when a run ends: `ok` false on a non-zero exit, a time-out or a failure to start. */
  onRunEnd?: (kind: AlertKind, ok: boolean) => void;
}

/**
 * The environment an alert script gets for `event` (all strings; empty when not applicable):
 * QUORATE_ALERT_KIND, _NODE, _RESOURCE, _FROM_NODE, _MESSAGE, _INDEX, _TIMESTAMP (ISO 8601),
 * _TIMESTAMP_MS, _CLUSTER and _LOCAL_NODE (the agent running the script).
 */
export function alertEnvironment(
  event: AlertEvent,
  clusterId: string,
  localNode: string,
): Record<string, string> {
  return {
    QUORATE_ALERT_KIND: event.kind,
    QUORATE_ALERT_NODE: event.node,
    QUORATE_ALERT_RESOURCE: event.resource,
    QUORATE_ALERT_FROM_NODE: event.fromNode,
    QUORATE_ALERT_MESSAGE: event.message,
    QUORATE_ALERT_INDEX: String(event.index),
    QUORATE_ALERT_TIMESTAMP: new Date(event.atMs).toISOString(),
    QUORATE_ALERT_TIMESTAMP_MS: String(event.atMs),
    QUORATE_ALERT_CLUSTER: clusterId,
    QUORATE_ALERT_LOCAL_NODE: localNode,
  };
}

interface Run {
  script: string;
  event: AlertEvent;
}

/**
 * Runs alert scripts for events without ever blocking the agent: `notify` only queues; at
 * most `concurrencyMax` scripts run at once, each bounded by `timeoutMs` (then killed), its
 * output kept to 4 KiB; a full queue drops runs. Every failed, timed-out
 * or dropped run is logged with the script, kind, node and resource.
 */
export class AlertRunner {
  private readonly queue: Run[] = [];
  private running = 0;
  private closed = false;
  /** Runs dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly o: AlertRunnerOptions) {}

  /** Queue one run per script for `event` (if its kind is selected). Returns at once. */
  notify(event: AlertEvent): void {
    if (this.closed || this.o.scripts.length === 0) return;
    if (this.o.kinds !== undefined && !this.o.kinds.includes(event.kind)) return;
    for (const script of this.o.scripts) {
      if (this.queue.length >= this.o.queueMax) {
        this.dropped += 1;
        this.o.logger.warn(
          { script, kind: event.kind, resource: event.resource, onNode: event.node },
          'alert dropped: too many alerts waiting',
        );
        this.o.onRunEnd?.(event.kind, false);
        continue;
      }
      this.queue.push({ script, event });
    }
    this.pump();
  }

  /** Start nothing more (running scripts finish or time out on their own). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (!this.closed && this.running < this.o.concurrencyMax && this.queue.length > 0) {
      const run = this.queue.shift()!;
      this.running += 1;
      void this.execute(run).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async execute({ script, event }: Run): Promise<void> {
    const fields = { script, kind: event.kind, resource: event.resource, onNode: event.node };
    const result = await execa(script, [], {
      env: alertEnvironment(event, this.o.clusterId, this.o.localNode),
      stdin: 'ignore',
      timeout: this.o.timeoutMs,
      forceKillAfterDelay: 2000,
      maxBuffer: 4096,
      reject: false,
      detached: true,
      cleanup: true,
    });
    const ok = result.exitCode === 0 && !result.timedOut;
    if (ok)
      this.o.logger.info({ ...fields, durationMs: Math.round(result.durationMs) }, 'alert run');
    else
      this.o.logger.warn(
        {
          ...fields,
          exitCode: result.exitCode ?? null,
          timedOut: result.timedOut,
          output: `${result.stdout}${result.stderr}`.slice(0, 1000),
          error: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
        },
        result.timedOut ? 'alert script timed out' : 'alert script failed',
      );
    this.o.onRunEnd?.(event.kind, ok);
  }
}
