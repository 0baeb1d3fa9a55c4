import type { Score } from '../config/model.js';
import { orderActions } from './action-order.js';
import { buildActions, decideChanges } from './actions.js';
import { assignAll } from './assign.js';
import { indexConstraints } from './constraint-index.js';
import { markEligibility } from './eligibility.js';
import { expireFailures } from './failure-expiry.js';
import { markHolds } from './holds.js';
import { markRunnability } from './runnability.js';
import { resolveScore } from './score-math.js';
import { computeStaticScores } from './scores.js';
import { classifyActivity, unpackStatus } from './status.js';
import { summarize } from './summary.js';
import type { Plan, SchedulerInput, Unplaced } from './types.js';
import { unpack } from './unpack.js';
import type { WorkModel } from './working-model.js';

/**
 * The scheduler: a pure function from the cluster state to a plan, shaped like Pacemaker's
 * policy engine. It reads no clock (time is `input.nowMs`), does no I/O, draws no random
 * numbers, and breaks every tie by natural id order, so the same input always yields a
 * byte-identical plan (whatever the order of the input arrays).
 *
 * Pipeline (each step is one file):
 *  1. unpack: nodes, resources, groups, clones -> entities, units, instances;
 *  2. constraint-index: locations, intents (expired ones dropped), colocations, orders by resource;
 *  3. status: records -> state per instance and node; orphans; where each instance may be active;
 *  4. failure-expiry: failure counts older than failure-timeout stop counting;
 *  5. eligibility: which nodes may take resources (online, clean, not standby/maintenance);
 *  6. runnability: target-role, on-fail=stop;
 *  7. holds: safety holds (unclean node, stop failure, maintenance) and their dependents;
 *  8. scores: static preferences per unit and node;
 *  9. assign: one node per unit (priority order, colocation, clone limits, load tie-break);
 * 10. actions: stops, starts, restarts, probes and their `after` edges; action-order: a
 *     topological order; summary: one line per change.
 *
 * Never-active-twice rests on three rules kept here: an instance that may be active on an
 * unclean node, or whose stop failed on a reachable node, is never started (nor is what
 * depends on it); a move stops before it starts; and a start waits for probes wherever the
 * instance's state is unknown.
 */
export function schedule(input: SchedulerInput): Plan {
  const model = unpack(input);
  indexConstraints(model, input.config, input.intents);
  unpackStatus(model, input.config, input.status);
  classifyActivity(model);
  expireFailures(model);
  markEligibility(model);
  markRunnability(model);
  markHolds(model);
  computeStaticScores(model);
  assignAll(model);
  decideChanges(model);
  const actions = orderActions(buildActions(model));
  return {
    placement: placementOf(model),
    actions,
    summary: summarize(model),
    unplaced: unplacedOf(model),
    scores: scoresOf(model),
  };
}

function placementOf(model: WorkModel): Record<string, string | null> {
  const placement: Record<string, string | null> = {};
  for (const instance of model.instances) {
    placement[instance.id] = instance.target >= 0 ? model.nodes[instance.target]!.id : null;
  }
  return placement;
}

function unplacedOf(model: WorkModel): Unplaced[] {
  const unplaced: Unplaced[] = [];
  for (const instance of model.instances) {
    if (instance.unplacedWhy !== '') {
      unplaced.push({ resource: instance.id, reason: instance.unplacedWhy });
    }
  }
  return unplaced;
}

function scoresOf(model: WorkModel): Record<string, Record<string, Score>> {
  const scores: Record<string, Record<string, Score>> = {};
  for (const unit of model.units) {
    const row: Record<string, Score> = {};
    for (const node of model.nodes) row[node.id] = resolveScore(unit.scores[node.index]!);
    scores[unit.id] = row;
  }
  return scores;
}
