import { formatScore } from '../scheduler/score-math.js';
import type { PlacementIntent } from '../scheduler/types.js';
import type { AdminContext } from './admin-context.js';
import type { FailoverReply, FailoverRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { proposeCommand } from './cluster-writes.js';
import { currentNode } from './current-node.js';
import { leaderWrite } from './leader-access.js';
import { leaderPlan } from './leader-plan.js';
import {
  cloneOf,
  findMember,
  findResource,
  primitivesOf,
  type ResourceRef,
} from './resource-lookup.js';

/**
 * `Failover`, on the leader: move a primitive or group off the node it is placed on. A group
 * member fails over with its group (members share a node). Before writing anything, the
 * leader plans with the ban (and the preference for `to`) added and refuses, saying why,
 * when the resource would end up nowhere or elsewhere than asked — a failover that cannot
 * happen must not leave a ban behind. Then writes the preference for `to` (if any) and the
 * ban on the current node in one command, so the scheduler never sees the ban alone (and
 * picks a third node first) and a failure cannot leave one without the other. Both stay until `clusterctl resource clear` and are listed in
 * status. The caller watches the move (clusterctl failover waits and reports progress).
 */
export function handleFailover(
  ctx: AdminContext,
  peers: AdminPeers,
  req: FailoverRequest,
  relayed: boolean,
): Promise<ApiResult<FailoverReply>> {
  return leaderWrite(ctx, peers, 'Failover', req, relayed, async () => {
    const doc = ctx.state.state;
    const found = findResource(doc.config, req.resource);
    if (!found.ok) return found;
    let ref: ResourceRef = found.value;
    let note = '';
    const clone = ref.kind === 'clone' ? ref.clone : cloneOf(doc.config, ref.id);
    if (clone !== null) {
      return refuse(
        'failed-precondition',
        `${ref.id} is ${ref.kind === 'clone' ? 'a clone' : `cloned by ${clone.id}`}: it runs on several nodes at once; ` +
          `keep an instance off one node with clusterctl resource ban ${clone.id} --node NODE`,
      );
    }
    if (ref.kind === 'primitive' && ref.group !== null) {
      note = ` (${ref.id} is in group ${ref.group.id}: the group moves as a whole)`;
      ref = { kind: 'group', id: ref.group.id, group: ref.group };
    }
    const from = currentNode(doc, ref);
    if (from === null) {
      return refuse(
        'failed-precondition',
        `${ref.id} is not placed on any node: there is nothing to fail over; clusterctl explain ${ref.id} says why it is not running`,
      );
    }
    if (doc.nodes[from]?.maintenance === true)
      return refuse(
        'failed-precondition',
        `${from} is in maintenance: its resources are left alone (never stopped there), so ${ref.id} cannot move; clusterctl node maintenance ${from} --off first`,
      );
    const members = primitivesOf(ref, doc.config);
    const raft = ctx.driver.status();
    const to = req.to;
    if (to !== '') {
      const member = findMember(raft.confState, to);
      if (!member.ok) return member;
      if (to === from) return refuse('invalid-argument', `${ref.id} is already on ${to}`);
      const flags = doc.nodes[to];
      if (flags?.standby === true)
        return refuse(
          'failed-precondition',
          `${to} is in standby: it runs nothing; clusterctl node unstandby ${to} first`,
        );
      if (flags?.maintenance === true)
        return refuse(
          'failed-precondition',
          `${to} is in maintenance: nothing is started there; clusterctl node maintenance ${to} --off first`,
        );
      const banned = doc.intents.find(
        (i) =>
          i.kind === 'ban' &&
          i.node === to &&
          (i.resource === ref.id || members.includes(i.resource)) &&
          (i.expiresAtMs === null || i.expiresAtMs > ctx.nowMs()),
      );
      if (banned !== undefined)
        return refuse(
          'failed-precondition',
          `${banned.resource} is banned from ${to}; lift the ban first: clusterctl resource clear ${banned.resource} --node ${to}`,
        );
      const verdict = ctx.livenessView()?.[to];
      if (verdict !== 'alive')
        return refuse(
          'failed-precondition',
          `${to} is not alive (lease verdict: ${verdict ?? 'unknown'}); choose another node or let the scheduler choose (omit --to)`,
        );
    }
    const ban: PlacementIntent = { kind: 'ban', resource: ref.id, node: from, expiresAtMs: null };
    const prefer: PlacementIntent | null =
      to === '' ? null : { kind: 'prefer', resource: ref.id, node: to, expiresAtMs: null };
    const added = prefer === null ? [ban] : [prefer, ban];
    const same = (a: PlacementIntent, b: PlacementIntent) =>
      a.kind === b.kind && a.resource === b.resource && a.node === b.node;
    const intents = [...doc.intents.filter((i) => !added.some((a) => same(a, i))), ...added];
    const plan = leaderPlan(ctx, { ...doc, intents });
    const first = members[0]!;
    const expected = plan.placement[first] ?? null;
    if (expected === null || expected === from) {
      const why =
        plan.unplaced.find((u) => members.includes(u.resource))?.reason ??
        'no other node has a score above -INFINITY';
      return refuse('failed-precondition', `cannot fail over ${ref.id} from ${from}: ${why}`);
    }
    if (to !== '' && expected !== to) {
      const score = plan.scores[ref.id]?.[to];
      const scoreText = score === undefined ? '' : ` (score on ${to}: ${formatScore(score)})`;
      return refuse(
        'failed-precondition',
        `cannot fail over ${ref.id} to ${to}: the scheduler would place it on ${expected}${scoreText}; clusterctl explain ${ref.id} shows why`,
      );
    }
    const written = await proposeCommand(ctx, peers, {
      type: 'add-intents',
      intents: added,
      atMs: ctx.nowMs(),
    });
    if (!written.ok) return written;
    return okResult({
      resource: ref.id,
      members,
      from,
      expectedNode: expected,
      index: written.value,
      message: `failing over ${ref.id} from ${from} to ${expected}${note}`,
    });
  });
}
