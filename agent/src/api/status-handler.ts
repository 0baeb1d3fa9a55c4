import type { AdminContext } from './admin-context.js';
import type { StatusReply, StatusRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, type ApiResult } from './api-result.js';
import { confirmRead } from './cluster-writes.js';
import { leaderPlan } from './leader-plan.js';
import { noLeaderMessage, quorumLostMessage } from './quorum-diagnosis.js';
import { buildStatus } from './status-view.js';

/**
 * `Status`. The lease verdicts exist only on the leader, so a follower relays the whole call
 * there (the report then also carries the leader's plan: what cannot run, and why). When the
 * leader cannot be asked — none known, or it does not answer — the follower answers from its
 * own applied state with every verdict `unknown` and says why at the top: during an outage a
 * partial answer at once beats an error, and the report is most needed exactly then.
 */
export async function handleStatus(
  ctx: AdminContext,
  peers: AdminPeers,
  req: StatusRequest,
  relayed: boolean,
): Promise<ApiResult<StatusReply>> {
  const warnings: string[] = [];
  const raft = ctx.driver.status();
  if (raft.role !== 'leader' && !relayed) {
    const address = raft.leader === null ? undefined : ctx.addresses.get(raft.leader);
    if (raft.leader === null) {
      warnings.push(await noLeaderMessage(ctx, peers));
    } else if (address !== undefined) {
      const relayedReply = await peers.call<StatusReply>(
        address,
        'Status',
        req,
        Math.ceil(ctx.requestTimeoutMs / 2),
        `the leader ${raft.leader}`,
      );
      if (relayedReply.ok) return relayedReply;
      const lost = await quorumLostMessage(ctx, peers);
      warnings.push(lost ?? `node liveness unknown: ${relayedReply.refusal.message}`);
    }
  }
  const read = await confirmRead(ctx, peers, req.linearizable);
  if (!read.ok) return read;
  const now = ctx.driver.status();
  const doc = ctx.state.state;
  const leading = now.role === 'leader';
  const liveness = leading ? ctx.livenessView() : null;
  const plan = leading && doc.configVersion > 0 ? leaderPlan(ctx, doc) : null;
  return okResult(
    buildStatus({
      id: ctx.id,
      clusterId: ctx.clusterId,
      doc,
      raft: now,
      liveness,
      livenessFrom: liveness === null ? '' : ctx.id,
      addressOf: (node) => ctx.addresses.get(node),
      nowMs: ctx.nowMs(),
      unplaced: plan?.unplaced ?? [],
      planned: plan === null ? [] : Object.keys(plan.placement),
      warnings,
    }),
  );
}
