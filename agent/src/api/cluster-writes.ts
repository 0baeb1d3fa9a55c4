import { encodeClusterCommand, type ClusterCommand } from '../state/cluster-commands.js';
import type { ApplyOutcome } from '../state/cluster-state.js';
import type { AdminContext } from './admin-context.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refusalFromError, refuse, type ApiResult, type Refusal } from './api-result.js';
import { noLeaderMessage } from './quorum-diagnosis.js';

/**
 * Propose `command` and wait until it is applied here; the result is its log index. Raft
 * forwards the proposal to the leader wherever it is made. Refusals: `unavailable` with a
 * diagnosis when there is no leader, `timeout` when it did not apply in time (it may still),
 * `failed-precondition` when the state machine refused it.
 */
export async function proposeCommand(
  ctx: AdminContext,
  peers: AdminPeers,
  command: ClusterCommand,
): Promise<ApiResult<number>> {
  if (ctx.driver.status().leader === null)
    return refuse('unavailable', await noLeaderMessage(ctx, peers));
  try {
    const applied = await ctx.driver.propose(encodeClusterCommand(command));
    const outcome = applied.result as ApplyOutcome;
    if (!outcome.ok)
      return refuse('failed-precondition', `the cluster refused the change: ${outcome.error}`);
    return okResult(applied.index);
  } catch (err) {
    return { ok: false, refusal: await driverRefusal(ctx, peers, err) };
  }
}

/**
 * The refusal for a driver failure (proposal or read), with what this agent can see: no
 * leader any more is diagnosed (quorum lost, or an election under way); a time-out says
 * where to look.
 */
async function driverRefusal(ctx: AdminContext, peers: AdminPeers, err: unknown): Promise<Refusal> {
  const refusal = refusalFromError(err);
  if (refusal.code === 'unavailable' && ctx.driver.status().leader === null)
    refusal.message = await noLeaderMessage(ctx, peers);
  if (refusal.code === 'timeout')
    refusal.message = `${refusal.message} (is a majority of members reachable? clusterctl members)`;
  return refusal;
}

/**
 * When `linearizable`, wait until this agent has applied everything committed when the call
 * began (ReadIndex through the leader), so a read afterwards sees every earlier write.
 */
export async function confirmRead(
  ctx: AdminContext,
  peers: AdminPeers,
  linearizable: boolean,
): Promise<ApiResult<null>> {
  if (!linearizable) return okResult(null);
  if (ctx.driver.status().leader === null)
    return refuse('unavailable', await noLeaderMessage(ctx, peers));
  try {
    await ctx.driver.readBarrier();
    return okResult(null);
  } catch (err) {
    return { ok: false, refusal: await driverRefusal(ctx, peers, err) };
  }
}
