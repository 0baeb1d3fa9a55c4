import type { AdminContext } from './admin-context.js';
import type { FlagChange, NodeFlagsRequest, WriteReply } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { proposeCommand } from './cluster-writes.js';
import { leaderWrite } from './leader-access.js';
import { findMember } from './resource-lookup.js';

/** true / false for a change, undefined for "leave as is", null for a value not in the enum. */
function flagValue(change: FlagChange): boolean | undefined | null {
  switch (change) {
    case 'FLAG_ON':
      return true;
    case 'FLAG_OFF':
      return false;
    case 'FLAG_UNCHANGED':
      return undefined;
    default:
      return null;
  }
}

/**
 * `NodeFlags`: set or clear a member's standby (it runs nothing; its resources move away)
 * and maintenance (its resources are left alone: neither started nor stopped) flags.
 */
export function handleNodeFlags(
  ctx: AdminContext,
  peers: AdminPeers,
  req: NodeFlagsRequest,
  relayed: boolean,
): Promise<ApiResult<WriteReply>> {
  return leaderWrite(ctx, peers, 'NodeFlags', req, relayed, () => setFlags(ctx, peers, req));
}

async function setFlags(
  ctx: AdminContext,
  peers: AdminPeers,
  req: NodeFlagsRequest,
): Promise<ApiResult<WriteReply>> {
  const member = findMember(ctx.driver.status().confState, req.node);
  if (!member.ok) return member;
  const standby = flagValue(req.standby);
  const maintenance = flagValue(req.maintenance);
  if (standby === null || maintenance === null)
    return refuse(
      'invalid-argument',
      'unknown flag change: expected FLAG_ON, FLAG_OFF or FLAG_UNCHANGED',
    );
  if (standby === undefined && maintenance === undefined)
    return refuse('invalid-argument', 'nothing to change: set standby or maintenance');
  const written = await proposeCommand(ctx, peers, {
    type: 'set-node-flags',
    node: req.node,
    ...(standby === undefined ? {} : { standby }),
    ...(maintenance === undefined ? {} : { maintenance }),
    atMs: ctx.nowMs(),
  });
  if (!written.ok) return written;
  const said: string[] = [];
  if (standby === true) said.push(`${req.node} is in standby: its resources move to other nodes`);
  if (standby === false) said.push(`${req.node} is active again: it may run resources`);
  if (maintenance === true)
    said.push(
      `${req.node} is in maintenance: its resources are left alone (not started, not stopped, not monitored for recovery)`,
    );
  if (maintenance === false)
    said.push(`${req.node} is out of maintenance: the cluster manages its resources again`);
  return okResult({ index: written.value, message: said.join('; ') });
}
