import type { NodeId } from '../../../agent/src/raft/types.js';
import type { ResourceState } from '../../../agent/src/scheduler/types.js';
import { exponentialGapMs } from '../exponential-gaps.js';
import type { SimRandom } from '../sim-random.js';
import type { SimScheduler } from '../sim-scheduler.js';
import type { TraceLog } from '../trace-log.js';
import type { ActiveLedger } from './active-ledger.js';
import type { ResourceBehaviour } from './cluster-params.js';

/** An operation the agent asks the host's resource manager to run. */
export type HostOperation = 'start' | 'stop' | 'probe';

/** What an operation found: the state of the instance afterwards. */
export type OperationOutcome = Extract<
  ResourceState,
  'started' | 'stopped' | 'failed' | 'stop-failed'
>;

interface Running {
  kind: HostOperation;
  /** Bumped to void a scheduled completion (a start preempted by a stop). */
  token: number;
  /** Operations queued behind this one (a new agent waits for its predecessor's). */
  queued: (() => void)[];
}

interface ProcessSlot {
  active: boolean;
  /** Token of a scheduled activation (a start in progress), or 0. */
  activation: number;
  /** Bumped whenever the process stops, voiding its scheduled death. */
  life: number;
  op: Running | null;
}

/**
 * The simulated resource processes of one host and the resource manager that runs operations
 * on them (the agent's executor). Per instance, a process:
 *
 * - becomes ACTIVE some random time after a start begins; the start returns a little later.
 *   A start may fail, leaving the process running or not (`failed`: it must be stopped);
 * - stops being active when a stop completes; a stop may hang, time out (the resource's stop
 *   timeout) and be killed by escalation (active until then), and rarely the escalation fails
 *   too (`stop-failed`: the process keeps running);
 * - may die on its own (a recurring monitor finds it `failed`);
 * - answers probes with the truth.
 *
 * Operations on one instance run one at a time: a new agent's operation waits for one its
 * crashed predecessor left running (the manager serialises per resource), except that a stop
 * preempts a start (the start's process group is killed: stopAll when a lease ends).
 * Operations and processes belong to the host, not to the agent: they outlive an agent crash
 * and die only with the host ({@link powerOff}).
 */
export class HostResources {
  /** Operations begun, for the run summary. */
  operations = 0;
  /** Probes that found the process active (an agent rediscovering what runs). */
  probesFoundActive = 0;
  private readonly node: NodeId;
  private readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  private behaviour: ResourceBehaviour;
  private calm = false;
  private readonly ledger: ActiveLedger;
  private readonly trace: TraceLog;
  private readonly stopTimeoutMs: number;
  private readonly slots = new Map<string, ProcessSlot>();
  private nextToken = 1;
  /** Bumped at power-off: every scheduled completion of an older epoch is void. */
  private epoch = 0;

  constructor(
    node: NodeId,
    scheduler: SimScheduler,
    random: SimRandom,
    behaviour: ResourceBehaviour,
    ledger: ActiveLedger,
    trace: TraceLog,
    stopTimeoutMs: number,
  ) {
    this.node = node;
    this.scheduler = scheduler;
    this.random = random;
    this.behaviour = behaviour;
    this.ledger = ledger;
    this.trace = trace;
    this.stopTimeoutMs = stopTimeoutMs;
  }

  /** Whether `instance`'s process is active (what a monitor sees). */
  isActive(instance: string): boolean {
    return this.slots.get(instance)?.active ?? false;
  }

  /** Whether an operation on `instance` is in progress (possibly left by a dead agent). */
  busy(instance: string): boolean {
    return (this.slots.get(instance)?.op ?? null) !== null;
  }

  /**
   * Runs `kind` on `instance`; `done` gets the outcome when it completes (never, if the host
   * loses power first or a stop preempts this start).
   */
  run(kind: HostOperation, instance: string, done: (outcome: OperationOutcome) => void): void {
    const slot = this.slot(instance);
    if (slot.op !== null && !(kind === 'stop' && slot.op.kind === 'start')) {
      slot.op.queued.push(() => this.run(kind, instance, done));
      return;
    }
    const preempted = slot.op;
    if (preempted !== null) {
      preempted.token = 0;
      this.trace.log(`${this.node} EXEC kill start ${instance} (preempted by stop)`);
    }
    const op: Running = { kind, token: this.nextToken++, queued: preempted?.queued ?? [] };
    slot.op = op;
    this.operations++;
    this.trace.log(`${this.node} EXEC ${kind} ${instance} begins`);
    if (kind === 'start') this.start(instance, slot, op, done);
    else if (kind === 'stop') this.stop(instance, slot, op, done);
    else {
      const delayMs = this.random.float(1, Math.max(1, this.behaviour.probeMaxMs));
      const found = () => {
        if (!slot.active) return 'stopped';
        this.probesFoundActive++;
        return 'started';
      };
      this.complete(slot, op, delayMs, instance, found, done);
    }
  }

  /** The heal phase: from now on processes do not die, starts succeed, stops do not hang. */
  calmDown(): void {
    this.calm = true;
    this.behaviour = {
      ...this.behaviour,
      startFailRate: 0,
      stopHangRate: 0,
      processLifeMeanMs: Infinity,
    };
  }

  /** Power loss: every process stops at once, every operation dies with the host. */
  powerOff(): void {
    this.epoch++;
    const now = this.scheduler.nowMs;
    for (const [instance, slot] of this.slots) {
      slot.op = null;
      slot.activation = 0;
      slot.life++;
      if (slot.active) {
        slot.active = false;
        this.ledger.deactivated(instance, this.node, now, 'host-down');
      }
    }
  }

  private start(
    instance: string,
    slot: ProcessSlot,
    op: Running,
    done: (outcome: OperationOutcome) => void,
  ): void {
    const b = this.behaviour;
    if (slot.active) {
      const delayMs = this.random.float(1, Math.max(1, b.probeMaxMs));
      this.complete(slot, op, delayMs, instance, () => 'started', done);
      return;
    }
    const activeAfterMs = this.random.float(b.startActiveMinMs, b.startActiveMaxMs);
    const fails = this.random.chance(b.startFailRate);
    const leftRunning = fails && this.random.chance(0.5);
    const returnAfterMs = activeAfterMs + this.random.float(0, b.startReturnMaxMs);
    if (!fails || leftRunning) this.scheduleActivation(instance, slot, activeAfterMs);
    this.complete(slot, op, returnAfterMs, instance, () => (fails ? 'failed' : 'started'), done);
  }

  private stop(
    instance: string,
    slot: ProcessSlot,
    op: Running,
    done: (outcome: OperationOutcome) => void,
  ): void {
    const b = this.behaviour;
    const hangs = this.random.chance(b.stopHangRate);
    const escalationFails = hangs && this.random.chance(b.escalationFailRate);
    const afterMs = hangs
      ? this.stopTimeoutMs + this.random.float(1, b.escalationMaxMs)
      : this.random.float(b.stopMinMs, b.stopMaxMs);
    if (hangs) this.trace.log(`${this.node} EXEC stop ${instance} hangs`);
    this.complete(
      slot,
      op,
      afterMs,
      instance,
      () => {
        if (escalationFails) return 'stop-failed';
        slot.activation = 0;
        this.deactivate(instance, slot, 'stopped');
        return 'stopped';
      },
      done,
    );
  }

  /** Ends `op` after `delayMs`: `finish` applies its effect and names the outcome. */
  private complete(
    slot: ProcessSlot,
    op: Running,
    delayMs: number,
    instance: string,
    finish: () => OperationOutcome,
    done: (outcome: OperationOutcome) => void,
  ): void {
    const epoch = this.epoch;
    const token = op.token;
    this.scheduler.after(delayMs, null, () => {
      if (epoch !== this.epoch || op.token !== token || slot.op !== op) return;
      const outcome = finish();
      slot.op = null;
      this.trace.log(`${this.node} EXEC ${op.kind} ${instance} → ${outcome}`);
      done(outcome);
      const next = op.queued.shift();
      if (next !== undefined) {
        const rest = op.queued;
        next();
        const current = slot.op as Running | null;
        if (current !== null) current.queued.push(...rest);
        else for (const r of rest) r();
      }
    });
  }

  private scheduleActivation(instance: string, slot: ProcessSlot, afterMs: number): void {
    const token = this.nextToken++;
    const epoch = this.epoch;
    slot.activation = token;
    this.scheduler.after(afterMs, null, () => {
      if (epoch !== this.epoch || slot.activation !== token) return;
      slot.activation = 0;
      if (slot.active) return;
      slot.active = true;
      slot.life++;
      this.trace.log(`${this.node} ACTIVE ${instance}`);
      this.ledger.activated(instance, this.node, this.scheduler.nowMs);
      this.scheduleDeath(instance, slot);
    });
  }

  private scheduleDeath(instance: string, slot: ProcessSlot): void {
    const afterMs = exponentialGapMs(this.random, this.behaviour.processLifeMeanMs);
    if (!Number.isFinite(afterMs)) return;
    const life = slot.life;
    const epoch = this.epoch;
    this.scheduler.after(afterMs, null, () => {
      if (this.calm || epoch !== this.epoch || slot.life !== life || !slot.active) return;
      this.deactivate(instance, slot, 'died');
    });
  }

  private deactivate(instance: string, slot: ProcessSlot, cause: 'stopped' | 'died'): void {
    if (!slot.active) return;
    slot.active = false;
    slot.life++;
    this.trace.log(`${this.node} INACTIVE ${instance} (${cause})`);
    this.ledger.deactivated(instance, this.node, this.scheduler.nowMs, cause);
  }

  private slot(instance: string): ProcessSlot {
    let slot = this.slots.get(instance);
    if (slot === undefined) {
      slot = { active: false, activation: 0, life: 0, op: null };
      this.slots.set(instance, slot);
    }
    return slot;
  }
}
