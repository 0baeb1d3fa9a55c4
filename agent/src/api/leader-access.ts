import type { AdminContext } from './admin-context.js';
import type { AdminPeers } from './admin-peers.js';
import { refuse, type ApiResult } from './api-result.js';
import { noLeaderMessage } from './quorum-diagnosis.js';

/**
 * Run `local` on the leader: here when this agent leads, otherwise relayed to the leader's
 * Admin service as `method` with the same `request` (the leader then runs its own `local`).
 * For calls that need what only the leader has: its lease verdicts (plans, explain,
 * failover), replication progress and membership changes. A call that was itself relayed is
 * never relayed again: if leadership moved meanwhile, it is refused as `unavailable` (retry).
 * No leader known: `unavailable` with a diagnosis of what this agent can reach.
 */
export async function leaderOnly<Reply>(
  ctx: AdminContext,
  peers: AdminPeers,
  method: string,
  request: object,
  relayed: boolean,
  local: () => Promise<ApiResult<Reply>>,
): Promise<ApiResult<Reply>> {
  const raft = ctx.driver.status();
  if (raft.role === 'leader') return local();
  if (relayed) {
    return refuse(
      'unavailable',
      `${ctx.id} is no longer the leader (leader now: ${raft.leader ?? 'none known'}); retry`,
    );
  }
  if (raft.leader === null) return refuse('unavailable', await noLeaderMessage(ctx, peers));
  const address = ctx.addresses.get(raft.leader);
  if (address === undefined) {
    return refuse(
      'unavailable',
      `the leader ${raft.leader} has no known address on ${ctx.id}; ask the leader directly (clusterctl --endpoint <its address>)`,
    );
  }
  return peers.call<Reply>(
    address,
    method,
    request,
    ctx.requestTimeoutMs,
    `the leader ${raft.leader}`,
  );
}
