import type { SimEvent, SimScheduler } from './sim-scheduler.js';
import { SimViolation, violationOf } from './sim-violation.js';
import type { TraceLog } from './trace-log.js';

/** The liveness checks of a heal phase: they end the run once they are done. */
export interface HealPhaseCheck {
  /** True once every liveness bound was met (a missed bound throws a violation instead). */
  readonly done: boolean;
  /** Starts polling. */
  start(): void;
}

/** One seed's run as {@link runPhases} drives it. */
export interface PhasedRun<H extends HealPhaseCheck> {
  /** The first trace line: the seed and its drawn parameters. */
  header(): string;
  /** Simulated time at which the fault phase ends and the heal phase begins. */
  faultPhaseMs: number;
  /** Events the whole run may take before it counts as a violation (`event-budget`). */
  maxEvents: number;
  /** The trace line that opens the heal phase (what stops, what comes back). */
  healLine: string;
  /** Builds the starting world and starts every fault-phase actor. */
  start(): void;
  /** Stops every fault-phase actor and returns the heal phase's checks (not yet started). */
  heal(): H;
}

/** How a run ended. */
export interface PhasedRunOutcome<H> {
  /** The first violation, or null when every invariant held. */
  violation: SimViolation | null;
  /** The heal phase's checks, or null when the run ended before the heal phase began. */
  heal: H | null;
  /** The last trace lines of a failing run (empty when it passed). */
  traceTail: string[];
  /** Simulated time the run covered. */
  simulatedMs: number;
  /** Events the run took. */
  events: number;
}

/**
 * The run loop both simulations share: a fault phase of `faultPhaseMs`, then a heal phase
 * whose checks end the run; one event at a time (each traced with its label) until then.
 * Safety observers throw {@link SimViolation}s from inside the events; the first one stops the
 * run and is returned, never thrown, and so is any other error (as `harness-error`), an event
 * queue that runs dry before the heal checks end, or a run past its event budget. Everything
 * happens on `scheduler`'s simulated time, so the outcome is a function of the seed alone.
 */
export function runPhases<H extends HealPhaseCheck>(
  scheduler: SimScheduler,
  trace: TraceLog,
  run: PhasedRun<H>,
): PhasedRunOutcome<H> {
  let heal: H | null = null;
  let violation: SimViolation | null = null;
  trace.log(() => run.header());
  try {
    run.start();
    scheduler.at(run.faultPhaseMs, null, () => {
      trace.log(run.healLine);
      const check = run.heal();
      heal = check;
      check.start();
    });
    const beforeRun = (e: SimEvent) => {
      if (e.label !== null) trace.log(e.label);
    };
    while (!(heal as H | null)?.done) {
      if (scheduler.eventsRun >= run.maxEvents) {
        throw new SimViolation('event-budget', `run exceeded ${run.maxEvents} events`);
      }
      if (!scheduler.runNext(beforeRun)) {
        throw new SimViolation('harness-error', 'event queue ran dry before the heal checks ended');
      }
    }
  } catch (err) {
    violation = violationOf(err, 'harness-error');
    trace.log(`VIOLATION ${violation.message}`);
  }
  return {
    violation,
    heal,
    traceTail: violation === null ? [] : trace.recent(),
    simulatedMs: scheduler.nowMs,
    events: scheduler.eventsRun,
  };
}
