import type { ResourceDef } from '../config/model.js';
import type { ResourceState } from '../scheduler/types.js';
import { systemManagerClock, type ManagerClock } from './manager-clock.js';
import { mapOutcome } from './map-outcome.js';
import type { ExecutorResult, OperationExecutor } from './operation-executor.js';
import type { ExecutionStatus, OperationOutcome } from './operation-result.js';
import { resourceStateAfter } from './resource-state-after.js';

/** The operations the manager runs: start, stop and probe on command, monitor on its own. */
export type ManagedAction = 'start' | 'stop' | 'monitor' | 'probe';

/** One finished operation, as told to the cluster (which records it). */
export interface OperationReport {
  resourceId: string;
  action: ManagedAction;
  /**
   * The generation of the command behind it (for a monitor: of the start or probe that began
   * the monitoring), so the recorder can tell results of an old plan from current ones.
   */
  generation: number;
  status: ExecutionStatus;
  /** The agent's exit code when `status` is `done`, else null. */
  rc: number | null;
  outcome: OperationOutcome;
  reason: string | null;
  durationMs: number;
}

/**
 * Why a command was not carried out:
 * - `stale-generation`: a command of a newer generation was already accepted.
 * - `queue-full`: the resource has `queueMaxPerResource` operations waiting.
 * - `stopping-all`: starts are refused while stopAll runs.
 * - `not-probed`: a start reached its turn while the resource's state on this node was still
 *   unknown (never probed, started or stopped here): probe first.
 * - `superseded`: dropped from the queue by stopAll before it ran.
 * - `closed`: the manager was closed.
 */
export type CommandRefusal =
  'stale-generation' | 'queue-full' | 'stopping-all' | 'not-probed' | 'superseded' | 'closed';

/** What a start, stop or probe command came to: the report of its operation, or a refusal. */
export type CommandResult =
  { ok: true; report: OperationReport } | { ok: false; refusal: CommandRefusal; reason: string };

/** What probeAll found: one report per probe that ran, and the refused ones. */
export interface ProbeAllResult {
  reports: OperationReport[];
  refused: { resourceId: string; refusal: CommandRefusal; reason: string }[];
}

/**
 * What stopAll came to: every stop report, in the order the stops ran; `stopFailed` lists the
 * resources that may still be running (the caller must fence or block this node).
 */
export type StopAllResult =
  | { ok: true; reports: OperationReport[] }
  | { ok: false; stopFailed: string[]; reports: OperationReport[] };

/** The manager's collaborators and bounds. */
export interface ResourceManagerOptions {
  /** Runs one operation (createOperationExecutor() for real processes; a fake in tests). */
  execute: OperationExecutor;
  /**
   * Told every finished operation, including monitors and cancelled ones, before the command
   * that caused it resolves. Must not throw (a throw is caught and dropped, so one faulty
   * listener cannot wedge the manager).
   */
  report: (report: OperationReport) => void;
  /** Time source for monitor intervals and the stopAll deadline (default: the real clock). */
  clock?: ManagerClock;
  /** Most operations running at once on this node, all resources together (default 4). */
  concurrencyMax?: number;
  /** Most operations waiting per resource (default 8); more commands are refused. */
  queueMaxPerResource?: number;
  /**
   * Time the executor may take beyond an operation's timeout to kill it (grace before
   * SIGKILL plus the wait after it); stopAll keeps it in reserve before its deadline.
   */
  escalationAllowanceMs?: number;
  /** Refuse to start a resource whose state here is unknown (default true). */
  requireProbeBeforeStart?: boolean;
}

interface PendingOperation {
  seq: number;
  action: ManagedAction;
  generation: number;
  /** Overrides the resource's own timeout (stopAll shortens stops to fit its deadline). */
  timeoutMs: number | null;
  /** For monitors: the monitoring epoch it belongs to. */
  epoch: number;
  settle: (result: CommandResult) => void;
  controller: AbortController | null;
}

interface ResourceSlot {
  def: ResourceDef;
  queue: PendingOperation[];
  running: PendingOperation | null;
  state: ResourceState;
  monitoring: boolean;
  /** Bumped whenever monitoring starts or stops, so stale monitor results reschedule nothing. */
  epoch: number;
  monitorGeneration: number;
  /**
   * The newest generation accepted for this resource. Placement generations are per resource
   * instance (each placement change of an instance bumps its own), so staleness is judged per
   * resource: a start of one resource at generation 3 is not stale because another resource
   * reached generation 5.
   */
  generation: number;
  cancelMonitorTimer: (() => void) | null;
  /** When it was last found or made (possibly) active: stopAll stops unlisted ones newest first. */
  activeSeq: number;
}

const NO_SETTLE = (): void => undefined;

/**
 * The local resource manager of one node: runs the start, stop and probe operations it is
 * told to, and the recurring monitors of what runs here, and reports every result through a
 * callback. It knows nothing of Raft or of the cluster: commands in, reports out.
 *
 * Guarantees:
 * - Never two operations of one resource at once: each resource has a FIFO queue (bounded),
 *   its head runs only when nothing else of that resource runs. Different resources run in
 *   parallel, at most `concurrencyMax` at once; waiting stops go first.
 * - Recurring monitors: after a successful start (at once, then every interval after each
 *   monitor completes) or a probe that found the resource running (first one an interval
 *   later). A monitor is never queued while another is waiting, so they never pile up or
 *   overlap. A stop cancels monitoring: the timer, any waiting monitor, and a running one
 *   (aborted, reported `cancelled`). Monitoring continues after a failed monitor (every
 *   result is reported; the cluster decides on recovery, whose stop ends it).
 * - Commands carry a generation; one older than the newest accepted for the same resource is
 *   refused.
 * - stopAll (lease loss) stops everything before a deadline, escalating (see its contract).
 */
export class ResourceManager {
  private readonly execute: OperationExecutor;
  private readonly emit: (report: OperationReport) => void;
  private readonly clock: ManagerClock;
  private readonly concurrencyMax: number;
  private readonly queueMaxPerResource: number;
  private readonly escalationAllowanceMs: number;
  private readonly requireProbeBeforeStart: boolean;
  private readonly slots = new Map<string, ResourceSlot>();
  private running = 0;
  private seq = 0;
  private closed = false;
  private stoppingAll = false;
  private stopAllInFlight: Promise<StopAllResult> | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(options: ResourceManagerOptions) {
    this.execute = options.execute;
    this.emit = (report) => {
      try {
        options.report(report);
      } catch {
        // The listener broke its contract; the manager carries on.
      }
    };
    this.clock = options.clock ?? systemManagerClock;
    this.concurrencyMax = options.concurrencyMax ?? 4;
    this.queueMaxPerResource = options.queueMaxPerResource ?? 8;
    this.escalationAllowanceMs = options.escalationAllowanceMs ?? 0;
    this.requireProbeBeforeStart = options.requireProbeBeforeStart ?? true;
    if (!Number.isSafeInteger(this.concurrencyMax) || this.concurrencyMax < 1) {
      throw new RangeError(`concurrencyMax must be a positive integer, got ${this.concurrencyMax}`);
    }
    if (!Number.isSafeInteger(this.queueMaxPerResource) || this.queueMaxPerResource < 1) {
      throw new RangeError(
        `queueMaxPerResource must be a positive integer, got ${this.queueMaxPerResource}`,
      );
    }
    if (!(this.escalationAllowanceMs >= 0)) {
      throw new RangeError(`escalationAllowanceMs must be >= 0, got ${this.escalationAllowanceMs}`);
    }
  }

  /**
   * Start `resource` here once its earlier operations are done; monitoring begins when the
   * start succeeds. Refused while stopAll runs, for a stale generation, and (when it reaches
   * its turn) if the resource's state here is still unknown.
   */
  start(resource: ResourceDef, generation: number): Promise<CommandResult> {
    return this.command(resource, 'start', generation);
  }

  /** Stop `resource` here once its earlier operations are done; ends its monitoring at once. */
  stop(resource: ResourceDef, generation: number): Promise<CommandResult> {
    return this.command(resource, 'stop', generation);
  }

  /**
   * Find out whether `resource` runs here (a one-off monitor with interval 0). A probe that
   * finds it running begins monitoring (an interval later).
   */
  probe(resource: ResourceDef, generation: number): Promise<CommandResult> {
    return this.command(resource, 'probe', generation);
  }

  /**
   * Start-up discovery: probe every resource (in parallel, within the concurrency bound) and
   * resolve when all have answered. Until a resource has been probed (or started or stopped)
   * here, its start is refused, so nothing starts before the node knows what already runs.
   */
  async probeAll(resources: readonly ResourceDef[], generation: number): Promise<ProbeAllResult> {
    const results = await Promise.all(resources.map((r) => this.probe(r, generation)));
    const outcome: ProbeAllResult = { reports: [], refused: [] };
    results.forEach((result, i) => {
      if (result.ok) outcome.reports.push(result.report);
      else {
        outcome.refused.push({
          resourceId: resources[i]!.id,
          refusal: result.refusal,
          reason: result.reason,
        });
      }
    });
    return outcome;
  }

  /**
   * Lease loss: stop everything that may run here before `deadlineMs` (a time on the manager's
   * clock), and say what could not be stopped.
   *
   * `dependencyOrder` lists the resources in start order (a resource after those it depends
   * on); they are stopped one at a time in reverse, every one of them whatever its known state
   * (a stop is idempotent, and the state may be stale). Resources the manager knows may run
   * but that are not listed are stopped first, most recently started first. Before that,
   * monitoring ends, every waiting operation is dropped (`superseded`), and running starts,
   * monitors and probes are aborted; new starts are refused until stopAll returns.
   *
   * Each stop's timeout is its own, shortened to end `escalationAllowanceMs` before the
   * deadline; a stop that hangs is killed with its process group and reported `stop-failed`,
   * and the next stop goes ahead. When the deadline passes, whatever still runs is aborted and
   * the stops not yet begun are reported `stop-failed` (status `cancelled`) without running.
   * Any `stop-failed` means the node must be fenced (or fence itself). A second call while one
   * runs returns the same promise.
   */
  stopAll(dependencyOrder: readonly ResourceDef[], deadlineMs: number): Promise<StopAllResult> {
    if (this.stopAllInFlight === null) {
      this.stopAllInFlight = this.runStopAll(dependencyOrder, deadlineMs).finally(() => {
        this.stopAllInFlight = null;
      });
    }
    return this.stopAllInFlight;
  }

  /** The last known state of `resourceId` on this node (`unknown` if never touched). */
  stateOf(resourceId: string): ResourceState {
    return this.slots.get(resourceId)?.state ?? 'unknown';
  }

  /** Whether `resourceId` is being monitored. */
  isMonitoring(resourceId: string): boolean {
    return this.slots.get(resourceId)?.monitoring ?? false;
  }

  /** Resolves once no operation runs or waits (pending monitor timers do not count). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop taking commands, end all monitoring (aborting running monitors and probes), drop
   * waiting operations (`closed`), and resolve once running starts and stops have finished.
   * Nothing is stopped: on shutdown the resources keep running. Idempotent.
   */
  close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots.values()) {
      this.endMonitoring(slot, true);
      for (const op of slot.queue.splice(0)) {
        op.settle({ ok: false, refusal: 'closed', reason: 'the resource manager was closed' });
      }
      if (slot.running?.action === 'probe') slot.running.controller?.abort();
    }
    this.checkIdle();
    return this.whenIdle();
  }

  private command(
    resource: ResourceDef,
    action: 'start' | 'stop' | 'probe',
    generation: number,
  ): Promise<CommandResult> {
    if (this.closed) return refused('closed', 'the resource manager was closed');
    const known = this.slots.get(resource.id)?.generation ?? 0;
    if (generation < known) {
      return refused(
        'stale-generation',
        `${action} of ${resource.id} is of generation ${generation}, older than ${known}`,
      );
    }
    if (action === 'start' && this.stoppingAll) {
      return refused('stopping-all', `start of ${resource.id} refused: stopping everything`);
    }
    const slot = this.slotFor(resource);
    slot.generation = generation;
    if (action === 'stop') this.endMonitoring(slot, true);
    return this.enqueue(slot, action, generation, null, false);
  }

  private slotFor(resource: ResourceDef): ResourceSlot {
    let slot = this.slots.get(resource.id);
    if (slot === undefined) {
      slot = {
        def: resource,
        queue: [],
        running: null,
        state: 'unknown',
        monitoring: false,
        epoch: 0,
        monitorGeneration: 0,
        generation: 0,
        cancelMonitorTimer: null,
        activeSeq: 0,
      };
      this.slots.set(resource.id, slot);
    } else {
      // The latest definition wins (operations not yet begun use it).
      slot.def = resource;
    }
    return slot;
  }

  private enqueue(
    slot: ResourceSlot,
    action: ManagedAction,
    generation: number,
    timeoutMs: number | null,
    bypassBound: boolean,
  ): Promise<CommandResult> {
    if (!bypassBound && slot.queue.length >= this.queueMaxPerResource) {
      return refused(
        'queue-full',
        `${action} of ${slot.def.id} refused: ${slot.queue.length} operations already wait`,
      );
    }
    return new Promise<CommandResult>((settle) => {
      this.seq += 1;
      slot.queue.push({
        seq: this.seq,
        action,
        generation,
        timeoutMs,
        epoch: slot.epoch,
        settle,
        controller: null,
      });
      this.pump();
    });
  }

  /** Start waiting operations while the concurrency bound allows: stops first, then FIFO. */
  private pump(): void {
    while (this.running < this.concurrencyMax) {
      let next: ResourceSlot | null = null;
      for (const slot of this.slots.values()) {
        const head = slot.queue[0];
        if (slot.running !== null || head === undefined) continue;
        const best = next?.queue[0];
        if (best === undefined || goesFirst(head, best)) next = slot;
      }
      if (next === null) return;
      this.runHead(next);
    }
  }

  private runHead(slot: ResourceSlot): void {
    const op = slot.queue.shift()!;
    if (op.action === 'start' && this.requireProbeBeforeStart && slot.state === 'unknown') {
      op.settle({
        ok: false,
        refusal: 'not-probed',
        reason: `start of ${slot.def.id} refused: its state on this node is unknown (probe it first)`,
      });
      this.checkIdle();
      return;
    }
    if (op.action === 'start' && this.stoppingAll) {
      op.settle({ ok: false, refusal: 'stopping-all', reason: 'stopping everything' });
      this.checkIdle();
      return;
    }
    // A stop ends monitoring when it runs too: a monitor begun by a start that was still
    // running when the stop was commanded must not run after it (and fail).
    if (op.action === 'stop') this.endMonitoring(slot, false);
    slot.running = op;
    this.running += 1;
    op.controller = new AbortController();
    const def = slot.def;
    const timing =
      op.action === 'start'
        ? def.operations.start
        : op.action === 'stop'
          ? def.operations.stop
          : def.operations.monitor;
    const request = {
      resource: def,
      action: op.action,
      timeoutMs: op.timeoutMs ?? timing.timeoutMs,
      intervalMs: op.action === 'monitor' ? def.operations.monitor.intervalMs : 0,
    };
    const signal = op.controller.signal;
    void this.safeExecute(request, signal).then((result) => this.complete(slot, op, result));
  }

  private async safeExecute(
    request: Parameters<OperationExecutor>[0],
    signal: AbortSignal,
  ): Promise<ExecutorResult> {
    try {
      return await this.execute(request, signal);
    } catch (error) {
      return {
        status: 'error',
        rc: null,
        outcome: mapOutcome(request.action, 'error', null),
        reason: `executor failed: ${String(error)}`,
        durationMs: 0,
      };
    }
  }

  private complete(slot: ResourceSlot, op: PendingOperation, result: ExecutorResult): void {
    slot.running = null;
    this.running -= 1;
    const report: OperationReport = {
      resourceId: slot.def.id,
      action: op.action,
      generation: op.generation,
      status: result.status,
      rc: result.rc,
      outcome: result.outcome,
      reason: result.reason,
      durationMs: result.durationMs,
    };
    const state = resourceStateAfter(op.action, result.outcome);
    if (state !== null) slot.state = state;
    const kind = result.outcome.kind;
    if (state !== null && state !== 'stopped') {
      this.seq += 1;
      slot.activeSeq = this.seq;
    }
    if (op.action === 'start' || op.action === 'probe') {
      if (kind === 'started') this.beginMonitoring(slot, op.generation, 0);
      else if (kind === 'running') {
        this.beginMonitoring(slot, op.generation, slot.def.operations.monitor.intervalMs);
      } else if (kind !== 'cancelled') this.endMonitoring(slot, false);
    } else if (op.action === 'monitor') {
      if (slot.monitoring && op.epoch === slot.epoch && kind !== 'cancelled') {
        this.scheduleMonitor(slot, slot.def.operations.monitor.intervalMs);
      }
    }
    this.emit(report);
    op.settle({ ok: true, report });
    this.pump();
    this.checkIdle();
  }

  private beginMonitoring(slot: ResourceSlot, generation: number, firstDelayMs: number): void {
    this.endMonitoring(slot, false);
    const intervalMs = slot.def.operations.monitor.intervalMs;
    if (!(intervalMs > 0) || this.closed || this.stoppingAll) return;
    slot.monitoring = true;
    slot.epoch += 1;
    slot.monitorGeneration = generation;
    if (firstDelayMs > 0) this.scheduleMonitor(slot, firstDelayMs);
    else this.enqueueMonitor(slot);
  }

  /** End monitoring: no timer, no waiting monitor, and (if `abortRunning`) no running one. */
  private endMonitoring(slot: ResourceSlot, abortRunning: boolean): void {
    slot.monitoring = false;
    slot.epoch += 1;
    slot.cancelMonitorTimer?.();
    slot.cancelMonitorTimer = null;
    const kept: PendingOperation[] = [];
    for (const op of slot.queue) {
      if (op.action === 'monitor') op.settle({ ok: false, refusal: 'superseded', reason: '' });
      else kept.push(op);
    }
    slot.queue = kept;
    if (abortRunning && slot.running?.action === 'monitor') slot.running.controller?.abort();
  }

  private scheduleMonitor(slot: ResourceSlot, delayMs: number): void {
    slot.cancelMonitorTimer?.();
    const epoch = slot.epoch;
    slot.cancelMonitorTimer = this.clock.setTimer(() => {
      slot.cancelMonitorTimer = null;
      if (slot.monitoring && slot.epoch === epoch) this.enqueueMonitor(slot);
    }, delayMs);
  }

  private enqueueMonitor(slot: ResourceSlot): void {
    if (slot.queue.some((op) => op.action === 'monitor')) return;
    if (slot.queue.length >= this.queueMaxPerResource) {
      // Busy with commands: try again an interval later rather than grow the queue.
      this.scheduleMonitor(slot, slot.def.operations.monitor.intervalMs);
      return;
    }
    this.seq += 1;
    slot.queue.push({
      seq: this.seq,
      action: 'monitor',
      generation: slot.monitorGeneration,
      timeoutMs: null,
      epoch: slot.epoch,
      settle: NO_SETTLE,
      controller: null,
    });
    this.pump();
  }

  private async runStopAll(
    dependencyOrder: readonly ResourceDef[],
    deadlineMs: number,
  ): Promise<StopAllResult> {
    this.stoppingAll = true;
    const cancelDeadline = this.clock.setTimer(
      () => {
        for (const slot of this.slots.values()) slot.running?.controller?.abort();
      },
      Math.max(0, deadlineMs - this.clock.nowMs()),
    );
    try {
      const listed = new Map<string, ResourceDef>();
      for (const def of dependencyOrder) listed.set(def.id, def);
      for (const def of listed.values()) this.slotFor(def);
      for (const slot of this.slots.values()) {
        this.endMonitoring(slot, true);
        for (const op of slot.queue.splice(0)) {
          op.settle({ ok: false, refusal: 'superseded', reason: 'dropped: stopping everything' });
        }
        if (slot.running !== null && slot.running.action !== 'stop') {
          slot.running.controller?.abort();
        }
      }
      const unlisted = [...this.slots.values()]
        .filter((slot) => !listed.has(slot.def.id) && slot.state !== 'stopped')
        .sort((a, b) => b.activeSeq - a.activeSeq)
        .map((slot) => slot.def);
      const order = [...unlisted, ...[...listed.values()].reverse()];
      const reports: OperationReport[] = [];
      const stopFailed: string[] = [];
      for (const def of order) {
        const report = await this.stopBefore(def, deadlineMs);
        reports.push(report);
        if (report.outcome.kind !== 'stopped' && report.outcome.kind !== 'not-running')
          stopFailed.push(def.id);
      }
      return stopFailed.length === 0 ? { ok: true, reports } : { ok: false, stopFailed, reports };
    } finally {
      cancelDeadline();
      this.stoppingAll = false;
    }
  }

  private async stopBefore(def: ResourceDef, deadlineMs: number): Promise<OperationReport> {
    const slot = this.slotFor(def);
    const remainingMs = deadlineMs - this.clock.nowMs() - this.escalationAllowanceMs;
    if (remainingMs > 0 && !this.closed) {
      const timeoutMs = Math.min(def.operations.stop.timeoutMs, remainingMs);
      const result = await this.enqueue(slot, 'stop', slot.generation, timeoutMs, true);
      if (result.ok) return result.report;
    }
    const report: OperationReport = {
      resourceId: def.id,
      action: 'stop',
      generation: slot.generation,
      status: 'cancelled',
      rc: null,
      outcome: { kind: 'stop-failed' },
      reason: `${def.id} was not stopped: the stop-all deadline passed before its turn`,
      durationMs: 0,
    };
    slot.state = 'stop-failed';
    this.emit(report);
    return report;
  }

  private isIdle(): boolean {
    if (this.running > 0) return false;
    for (const slot of this.slots.values()) if (slot.queue.length > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Whether waiting operation `a` should run before `b`: stops first, then in arrival order. */
function goesFirst(a: PendingOperation, b: PendingOperation): boolean {
  if ((a.action === 'stop') !== (b.action === 'stop')) return a.action === 'stop';
  return a.seq < b.seq;
}

function refused(refusal: CommandRefusal, reason: string): Promise<CommandResult> {
  return Promise.resolve({ ok: false, refusal, reason });
}
