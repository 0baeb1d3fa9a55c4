import { decide } from '../coordinator/decide.js';
import { schedule } from '../scheduler/schedule.js';
import type { Plan, PlannedAction } from '../scheduler/types.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';
import type { AdminContext } from './admin-context.js';
import type { PlannedActionView, PlanView } from './admin-messages.js';
import { membersOf } from './resource-lookup.js';

/**
 * The plan the leader's control loop would follow from `doc`: the same scheduler input the
 * leader builds each round (decide.ts: members, the leader's lease verdicts, node flags,
 * records as they will read once pending node-downs commit). Pass a modified document to ask
 * "what if" (a new configuration for `apply --dry-run`, an extra ban for `failover`).
 * Meaningful on the leader, which holds the lease verdicts; elsewhere every other member
 * counts as `suspect`. Changes nothing.
 */
export function leaderPlan(ctx: AdminContext, doc: Readonly<ClusterStateDoc>): Plan {
  const raft = ctx.driver.status();
  const members = membersOf(raft.confState);
  const liveness = ctx.livenessView() ?? { [ctx.id]: 'alive' as const };
  return decide({ doc, members, liveness, fenced: [], nowMs: ctx.nowMs() }, schedule).plan;
}

/** The parts of a plan people read (placement and scores are reported by explain). */
export function planView(plan: Plan): PlanView {
  return {
    summary: [...plan.summary],
    actions: plan.actions.map(actionView),
    unplaced: plan.unplaced.map((u) => ({ resource: u.resource, reason: u.reason })),
  };
}

/** One planned action on the wire. */
export function actionView(a: PlannedAction): PlannedActionView {
  return {
    id: a.id,
    kind: a.kind,
    resource: a.resource,
    node: a.node,
    after: [...a.after],
    reason: a.reason,
  };
}
