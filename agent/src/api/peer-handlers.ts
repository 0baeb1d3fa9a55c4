import type { AdminContext } from './admin-context.js';
import type { PingReply, SetPeerAddressRequest } from './admin-messages.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { isAgentAddress } from './agent-address.js';
import { unsafeNameReason } from '../config/safe-name.js';
import { membersOf } from './resource-lookup.js';

/** `Ping`: who answers here, for reachability checks and before adding a member. */
export function handlePing(ctx: AdminContext): ApiResult<PingReply> {
  const raft = ctx.driver.status();
  return okResult({
    node: ctx.id,
    clusterId: ctx.clusterId,
    leader: raft.leader ?? '',
    term: raft.term,
  });
}

/**
 * `SetPeerAddress`: remember a new member's address (the leader announces it on MemberAdd).
 * Only for this cluster, and never changes the address of a current member — so a stray or
 * hostile call cannot redirect traffic meant for it (a former member, added anew, may have
 * moved).
 */
export function handleSetPeerAddress(
  ctx: AdminContext,
  req: SetPeerAddressRequest,
): ApiResult<PingReply> {
  if (req.clusterId !== ctx.clusterId)
    return refuse(
      'failed-precondition',
      `wrong cluster ${JSON.stringify(req.clusterId)}: this is ${ctx.clusterId}`,
    );
  const bad = unsafeNameReason(req.node);
  if (bad !== undefined) return refuse('invalid-argument', `invalid node name: ${bad}`);
  if (!isAgentAddress(req.address))
    return refuse('invalid-argument', `invalid address ${JSON.stringify(req.address)}`);
  const known = ctx.addresses.get(req.node);
  const member = membersOf(ctx.driver.status().confState).includes(req.node);
  if (known !== undefined && known !== req.address && member)
    return refuse('failed-precondition', `${req.node} is a member already known at ${known}`);
  if (req.node !== ctx.id) ctx.addresses.set(req.node, req.address);
  return handlePing(ctx);
}
