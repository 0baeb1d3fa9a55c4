import type { AdminContext } from './admin-context.js';
import type { LeaderTransferReply, LeaderTransferRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { noLeaderMessage } from './quorum-diagnosis.js';
import { findMember } from './resource-lookup.js';

/** How often the handler looks whether leadership has moved. */
const POLL_MS = 50;

/**
 * `LeaderTransfer`: hand Raft leadership to voter `to` and answer once this agent sees `to`
 * lead (Raft forwards the request to the leader wherever it arrives). Asking for the current
 * leader is answered at once. Refused when `to` is not a voter; `timeout` when leadership has
 * not moved within the agent's request timeout (`to` may lag far behind: clusterctl members).
 */
export async function handleLeaderTransfer(
  ctx: AdminContext,
  peers: AdminPeers,
  req: LeaderTransferRequest,
): Promise<ApiResult<LeaderTransferReply>> {
  const before = ctx.driver.status();
  const member = findMember(before.confState, req.to);
  if (!member.ok) return member;
  if (!before.confState.voters.includes(req.to))
    return refuse(
      'failed-precondition',
      `${req.to} is a learner: only a voter can lead; promote it with clusterctl member add ${req.to} --address ADDRESS`,
    );
  if (before.leader === null) return refuse('unavailable', await noLeaderMessage(ctx, peers));
  if (before.leader === req.to)
    return okResult({ previous: req.to, leader: req.to, term: before.term });
  ctx.driver.transferLeadership(req.to);
  const deadline = Date.now() + ctx.requestTimeoutMs;
  for (;;) {
    const now = ctx.driver.status();
    if (now.leader === req.to && now.term > before.term)
      return okResult({ previous: before.leader, leader: req.to, term: now.term });
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const now = ctx.driver.status();
  return refuse(
    'timeout',
    `leadership did not move to ${req.to} within ${ctx.requestTimeoutMs} ms (leader now: ${now.leader ?? 'none'}, term ${now.term}); ` +
      `${req.to} may be unreachable or far behind on the log (clusterctl members shows its lag)`,
  );
}
