import type { ExecutorResult } from '../../agent/src/executor/operation-executor.js';
import { mapOutcome } from '../../agent/src/executor/map-outcome.js';
import type {
  ExecutionStatus,
  OperationRequest,
} from '../../agent/src/executor/operation-result.js';
import type { ManagerClock } from '../../agent/src/executor/manager-clock.js';

/** One operation the scripted executor was asked to run. */
export interface ScriptedCall {
  request: OperationRequest;
  signal: AbortSignal;
  /** The manager's clock when it began. */
  atMs: number;
  /** Whether it has finished. */
  done: boolean;
  /** Finish it (manual mode) with this exit code, or with the scripted answer. */
  finish(rc?: number, status?: ExecutionStatus): void;
}

/**
 * A fake OperationExecutor that records every call and checks the manager's promises as it
 * goes: never two operations of one resource at once, and the most in flight at once. In
 * `auto` mode operations finish at once with the `answer` for them; in `manual` mode they
 * wait for the test's `finish()`. Aborting a call finishes it as `cancelled`.
 */
export class ScriptedExecutor {
  readonly calls: ScriptedCall[] = [];
  inFlightMax = 0;
  overlapSeen: string[] = [];
  private inFlight = new Map<string, number>();

  constructor(
    private readonly clock: ManagerClock,
    public mode: 'auto' | 'manual' = 'auto',
    /** The exit code an operation answers with (default: probes find it stopped, all else 0). */
    public answer: (request: OperationRequest) => number = (request) =>
      request.action === 'probe' ? 7 : 0,
  ) {}

  /** Calls of one resource (and action), in order. */
  callsOf(resourceId: string, action?: string): ScriptedCall[] {
    return this.calls.filter(
      (c) =>
        c.request.resource.id === resourceId &&
        (action === undefined || c.request.action === action),
    );
  }

  /** Calls not yet finished. */
  pending(): ScriptedCall[] {
    return this.calls.filter((c) => !c.done);
  }

  readonly execute = (request: OperationRequest, signal: AbortSignal): Promise<ExecutorResult> => {
    const id = request.resource.id;
    const running = (this.inFlight.get(id) ?? 0) + 1;
    this.inFlight.set(id, running);
    if (running > 1) this.overlapSeen.push(`${id} ${request.action}`);
    const total = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
    this.inFlightMax = Math.max(this.inFlightMax, total);
    return new Promise<ExecutorResult>((resolve) => {
      const call: ScriptedCall = {
        request,
        signal,
        atMs: this.clock.nowMs(),
        done: false,
        finish: (rc, status = 'done') => {
          if (call.done) return;
          call.done = true;
          this.inFlight.set(id, this.inFlight.get(id)! - 1);
          const code = status === 'done' ? (rc ?? this.answer(request)) : null;
          resolve({
            status,
            rc: code,
            outcome: mapOutcome(request.action, status, code),
            reason: status === 'done' && code === 0 ? null : `scripted ${status} ${code}`,
            durationMs: 1,
          });
        },
      };
      this.calls.push(call);
      signal.addEventListener('abort', () => call.finish(undefined, 'cancelled'), { once: true });
      if (this.mode === 'auto') call.finish();
    });
  };
}
