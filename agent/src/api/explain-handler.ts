import type { AdminContext } from './admin-context.js';
import type { ExplainReply, ExplainRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, type ApiResult } from './api-result.js';
import { confirmRead } from './cluster-writes.js';
import { buildExplanation } from './explain-view.js';
import { leaderOnly } from './leader-access.js';
import { leaderPlan } from './leader-plan.js';
import { findResource, membersOf } from './resource-lookup.js';

/**
 * `Explain`, on the leader: scores and reasons come from the plan the leader's control loop
 * follows now, with its lease verdicts (a follower's guess could contradict what happens).
 */
export function handleExplain(
  ctx: AdminContext,
  peers: AdminPeers,
  req: ExplainRequest,
  relayed: boolean,
): Promise<ApiResult<ExplainReply>> {
  return leaderOnly(ctx, peers, 'Explain', req, relayed, async () => {
    const read = await confirmRead(ctx, peers, req.linearizable);
    if (!read.ok) return read;
    const doc = ctx.state.state;
    const found = findResource(doc.config, req.resource);
    if (!found.ok) return found;
    return okResult(
      buildExplanation({
        doc,
        ref: found.value,
        plan: leaderPlan(ctx, doc),
        members: membersOf(ctx.driver.status().confState),
        liveness: ctx.livenessView(),
        nowMs: ctx.nowMs(),
      }),
    );
  });
}
