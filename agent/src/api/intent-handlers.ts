import type { PlacementIntent } from '../scheduler/types.js';
import type { AdminContext } from './admin-context.js';
import type {
  BanRequest,
  CleanupRequest,
  ClearRequest,
  MoveRequest,
  WriteReply,
} from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { proposeCommand } from './cluster-writes.js';
import { currentNode } from './current-node.js';
import { leaderWrite } from './leader-access.js';
import { findMember, findResource, type ResourceRef } from './resource-lookup.js';

/** Longest ban or move accepted with a duration (a longer one is surely a typo). */
export const INTENT_DURATION_MS_MAX = 366 * 24 * 3600 * 1000;

/**
 * `Ban`: keep a resource off a node (default: the node it is placed on now), until cleared
 * or for `duration_ms`. The ban is listed in status with its expiry.
 */
export function handleBan(
  ctx: AdminContext,
  peers: AdminPeers,
  req: BanRequest,
  relayed: boolean,
): Promise<ApiResult<WriteReply>> {
  return leaderWrite(ctx, peers, 'Ban', req, relayed, async () => {
    const target = resolveTarget(ctx, req.resource, req.node, 'ban');
    if (!target.ok) return target;
    const { ref, node } = target.value;
    return addIntent(ctx, peers, 'ban', ref, node, req.durationMs, `${ref.id} banned from ${node}`);
  });
}

/**
 * `Move`: prefer a node for a resource (+INFINITY there), until cleared or for a while. With
 * no node, moves it off its current node instead (a ban there), as crm_resource --move does.
 */
export function handleMove(
  ctx: AdminContext,
  peers: AdminPeers,
  req: MoveRequest,
  relayed: boolean,
): Promise<ApiResult<WriteReply>> {
  return leaderWrite(ctx, peers, 'Move', req, relayed, () => move(ctx, peers, req));
}

async function move(
  ctx: AdminContext,
  peers: AdminPeers,
  req: MoveRequest,
): Promise<ApiResult<WriteReply>> {
  if (req.node === '') {
    const target = resolveTarget(ctx, req.resource, '', 'move');
    if (!target.ok) return target;
    const { ref, node } = target.value;
    const what = `${ref.id} moves off ${node} (banned there)`;
    return addIntent(ctx, peers, 'ban', ref, node, req.durationMs, what);
  }
  const target = resolveTarget(ctx, req.resource, req.node, 'move');
  if (!target.ok) return target;
  const { ref, node } = target.value;
  const flags = ctx.state.state.nodes[node];
  if (flags?.standby === true)
    return refuse(
      'failed-precondition',
      `${node} is in standby: it runs nothing; clusterctl node unstandby ${node} first`,
    );
  if (flags?.maintenance === true)
    return refuse(
      'failed-precondition',
      `${node} is in maintenance: nothing is started there; clusterctl node maintenance ${node} --off first`,
    );
  const what = `${ref.id} moves to ${node} (preferred there)`;
  return addIntent(ctx, peers, 'prefer', ref, node, req.durationMs, what);
}

/** `Clear`: remove the bans and moves of a resource (on one node, or all). */
export function handleClear(
  ctx: AdminContext,
  peers: AdminPeers,
  req: ClearRequest,
  relayed: boolean,
): Promise<ApiResult<WriteReply>> {
  return leaderWrite(ctx, peers, 'Clear', req, relayed, () => clear(ctx, peers, req));
}

async function clear(
  ctx: AdminContext,
  peers: AdminPeers,
  req: ClearRequest,
): Promise<ApiResult<WriteReply>> {
  const doc = ctx.state.state;
  const matching = doc.intents.filter(
    (i) => i.resource === req.resource && (req.node === '' || i.node === req.node),
  );
  if (matching.length === 0) {
    const found = findResource(doc.config, req.resource);
    if (!found.ok) return found;
    const where = req.node === '' ? '' : ` on ${req.node}`;
    return okResult({
      index: 0,
      message: `nothing to clear: ${req.resource} has no bans or moves${where}`,
    });
  }
  const written = await proposeCommand(ctx, peers, {
    type: 'clear-intents',
    resource: req.resource,
    node: req.node === '' ? null : req.node,
    atMs: ctx.nowMs(),
  });
  if (!written.ok) return written;
  const list = matching.map((i) => `${i.kind} on ${i.node}`).join(', ');
  return okResult({ index: written.value, message: `cleared for ${req.resource}: ${list}` });
}

/** `Cleanup`: forget a resource's failures (on one node, or all); it is probed anew. */
export function handleCleanup(
  ctx: AdminContext,
  peers: AdminPeers,
  req: CleanupRequest,
  relayed: boolean,
): Promise<ApiResult<WriteReply>> {
  return leaderWrite(ctx, peers, 'Cleanup', req, relayed, () => cleanup(ctx, peers, req));
}

async function cleanup(
  ctx: AdminContext,
  peers: AdminPeers,
  req: CleanupRequest,
): Promise<ApiResult<WriteReply>> {
  const doc = ctx.state.state;
  const known = Object.values(doc.resources).some(
    (r) => r.resource === req.resource || r.resource.startsWith(`${req.resource}:`),
  );
  if (!known) {
    const found = findResource(doc.config, req.resource);
    if (!found.ok) return found;
  }
  if (req.node !== '') {
    const member = findMember(ctx.driver.status().confState, req.node);
    const recorded = Object.values(doc.resources).some((r) => r.node === req.node);
    if (!member.ok && !recorded) return member;
  }
  const written = await proposeCommand(ctx, peers, {
    type: 'cleanup',
    resource: req.resource,
    node: req.node === '' ? null : req.node,
    atMs: ctx.nowMs(),
  });
  if (!written.ok) return written;
  const where = req.node === '' ? 'every node' : req.node;
  return okResult({
    index: written.value,
    message: `${req.resource}: failures forgotten on ${where}; it is probed anew`,
  });
}

/** The resource and node a ban or move names (the node defaults to where it runs now). */
function resolveTarget(
  ctx: AdminContext,
  resource: string,
  node: string,
  verb: string,
): ApiResult<{ ref: ResourceRef; node: string }> {
  const doc = ctx.state.state;
  const found = findResource(doc.config, resource);
  if (!found.ok) return found;
  const ref = found.value;
  let chosen = node;
  if (chosen === '') {
    if (ref.kind === 'clone')
      return refuse(
        'invalid-argument',
        `${ref.id} is a clone: name the node to ${verb} it from (--node)`,
      );
    const current = currentNode(doc, ref);
    if (current === null)
      return refuse(
        'failed-precondition',
        `${ref.id} is not placed on any node; name one with --node`,
      );
    chosen = current;
  }
  const member = findMember(ctx.driver.status().confState, chosen);
  if (!member.ok) return member;
  return okResult({ ref, node: chosen });
}

async function addIntent(
  ctx: AdminContext,
  peers: AdminPeers,
  kind: PlacementIntent['kind'],
  ref: ResourceRef,
  node: string,
  durationMs: number,
  what: string,
): Promise<ApiResult<WriteReply>> {
  if (!Number.isSafeInteger(durationMs) || durationMs < 0 || durationMs > INTENT_DURATION_MS_MAX)
    return refuse('invalid-argument', `invalid duration ${durationMs} ms: at most 366 days`);
  const now = ctx.nowMs();
  const expiresAtMs = durationMs === 0 ? null : now + durationMs;
  const written = await proposeCommand(ctx, peers, {
    type: 'add-intent',
    intent: { kind, resource: ref.id, node, expiresAtMs },
    atMs: now,
  });
  if (!written.ok) return written;
  const until =
    expiresAtMs === null
      ? `until cleared (clusterctl resource clear ${ref.id})`
      : `until ${new Date(expiresAtMs).toISOString()}`;
  return okResult({ index: written.value, message: `${what} ${until}` });
}
