import type { AdminContext } from './admin-context.js';
import type { AdminPeers } from './admin-peers.js';
import { refuse, type ApiResult } from './api-result.js';
import { confirmRead } from './cluster-writes.js';
import { noLeaderMessage, quorumLostMessage } from './quorum-diagnosis.js';

/**
 * How long a relayed call may take, as a multiple of the agent's request timeout: the leader
 * may first confirm its state (ReadIndex) and then wait for a proposal to apply, each bounded
 * by the request timeout.
 */
const RELAY_TIMEOUTS = 2;

/**
 * Run `local` on the leader: here when this agent leads, otherwise relayed to the leader's
 * Admin service as `method` with the same `request` (the leader then runs its own `local`).
 * For calls that need what only the leader has: its lease verdicts (plans, explain,
 * failover), replication progress and membership changes. A call that was itself relayed is
 * never relayed again: if leadership moved meanwhile, it is refused as `unavailable` (retry).
 * No leader known, or the leader unreachable while a majority is too: `unavailable` with a
 * diagnosis of what this agent can reach.
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
  const relayedReply = await peers.call<Reply>(
    address,
    method,
    request,
    RELAY_TIMEOUTS * ctx.requestTimeoutMs + 500,
    `the leader ${raft.leader}`,
  );
  if (relayedReply.ok || relayedReply.refusal.code !== 'unavailable') return relayedReply;
  const lost = await quorumLostMessage(ctx, peers);
  return lost === null ? relayedReply : refuse('unavailable', lost);
}

/**
 * Run the write `local` on the leader (as {@link leaderOnly}), after the leader confirmed it
 * has applied everything committed so far (ReadIndex). The checks a write makes before it
 * proposes — does the resource exist, is the node a member, is the target in standby — then
 * see every earlier write, wherever it was made (a ban right after an apply through another
 * agent finds the new resource), and the command carries the leader's clock.
 */
export function leaderWrite<Reply>(
  ctx: AdminContext,
  peers: AdminPeers,
  method: string,
  request: object,
  relayed: boolean,
  local: () => Promise<ApiResult<Reply>>,
): Promise<ApiResult<Reply>> {
  return leaderOnly(ctx, peers, method, request, relayed, async () => {
    const read = await confirmRead(ctx, peers, true);
    if (!read.ok) return read;
    return local();
  });
}
