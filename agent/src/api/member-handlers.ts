import { unsafeNameReason } from '../config/safe-name.js';
import { majority } from '../raft/quorum.js';
import type { AdminContext } from './admin-context.js';
import { isAgentAddress } from './agent-address.js';
import type {
  MemberAddRequest,
  MemberRemoveRequest,
  MembersReply,
  MembersRequest,
  PingReply,
} from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refusalFromError, refuse, type ApiResult } from './api-result.js';
import { leaderOnly } from './leader-access.js';
import { buildMembers } from './members-view.js';
import { noLeaderMessage } from './quorum-diagnosis.js';
import { findMember, membersOf } from './resource-lookup.js';

/** How long a new member may take to answer the pre-check ping. */
const NEW_MEMBER_PING_MS = 2000;

/**
 * `Members`: the leader's view (with replication progress) when the leader answers; else
 * this agent's own view of the membership, progress unknown, with why at the top — during an
 * outage the list of members and who is silent is what a person needs first.
 */
export async function handleMembers(
  ctx: AdminContext,
  peers: AdminPeers,
  req: MembersRequest,
  relayed: boolean,
): Promise<ApiResult<MembersReply>> {
  const raft = ctx.driver.status();
  const addressOf = (n: string) => ctx.addresses.get(n);
  if (raft.role === 'leader' || relayed) return okResult(buildMembers(raft, addressOf, ctx.id, []));
  const warnings: string[] = [];
  if (raft.leader === null) warnings.push(await noLeaderMessage(ctx, peers));
  else {
    const r = await leaderOnly<MembersReply>(ctx, peers, 'Members', req, false, async () =>
      okResult(buildMembers(ctx.driver.status(), addressOf, ctx.id, [])),
    );
    if (r.ok) return r;
    warnings.push(`replication progress unknown: ${r.refusal.message}`);
  }
  return okResult(buildMembers(ctx.driver.status(), addressOf, ctx.id, warnings));
}

/**
 * `MemberAdd`, on the leader: add a voter or learner, one server at a time. The new agent
 * must already run and answer at `address` as that node of this cluster (a voter that never
 * answers would only raise the quorum). Its address is then made known here and announced
 * to the other members (best effort: a member that misses it learns it with the next add or
 * from its --peer flags), and the change is proposed; the reply comes once it is applied.
 */
export function handleMemberAdd(
  ctx: AdminContext,
  peers: AdminPeers,
  req: MemberAddRequest,
  relayed: boolean,
): Promise<ApiResult<MembersReply>> {
  return leaderOnly(ctx, peers, 'MemberAdd', req, relayed, async () => {
    const bad = unsafeNameReason(req.node);
    if (bad !== undefined)
      return refuse('invalid-argument', `invalid node name ${JSON.stringify(req.node)}: ${bad}`);
    if (!isAgentAddress(req.address))
      return refuse(
        'invalid-argument',
        `invalid address ${JSON.stringify(req.address)}: expected host:port, e.g. 198.18.0.4:7400`,
      );
    const raft = ctx.driver.status();
    if (
      membersOf(raft.confState).includes(req.node) &&
      !(req.learner === false && raft.confState.learners.includes(req.node))
    )
      return refuse('failed-precondition', `${req.node} is already a member (clusterctl members)`);
    // A member's address is never replaced (traffic meant for it must not be redirected); a
    // former member's may be: it is added anew.
    const known = ctx.addresses.get(req.node);
    if (
      known !== undefined &&
      known !== req.address &&
      membersOf(raft.confState).includes(req.node)
    )
      return refuse(
        'failed-precondition',
        `${req.node} is a member known at ${known}, not ${req.address}; use that address`,
      );
    const ping = await peers.call<PingReply>(
      req.address,
      'Ping',
      {},
      NEW_MEMBER_PING_MS,
      `${req.node} at ${req.address}`,
    );
    if (!ping.ok || ping.value.node !== req.node || ping.value.clusterId !== ctx.clusterId) {
      const seen = ping.ok
        ? `it answers as ${ping.value.node} of cluster ${ping.value.clusterId}`
        : ping.refusal.message;
      return refuse(
        'failed-precondition',
        `${req.node} does not answer at ${req.address} as a member of ${ctx.clusterId} (${seen}); start clusterd there first ` +
          `(--id ${req.node} --listen ${req.address} --cluster-id ${ctx.clusterId} --peer <leader>=<address>, without --founders)`,
      );
    }
    ctx.addresses.set(req.node, req.address);
    await Promise.all(
      membersOf(raft.confState)
        .filter((m) => m !== ctx.id)
        .map((m) => {
          const address = ctx.addresses.get(m);
          if (address === undefined) return null;
          const announce = { node: req.node, address: req.address, clusterId: ctx.clusterId };
          return peers.call(address, 'SetPeerAddress', announce, NEW_MEMBER_PING_MS, m);
        }),
    );
    const type = req.learner ? 'add-learner' : 'add-voter';
    try {
      await ctx.driver.proposeConfChange({ type, nodeId: req.node });
    } catch (err) {
      const refusal = refusalFromError(err);
      if (ctx.driver.status().leader === null) refusal.message = await noLeaderMessage(ctx, peers);
      return { ok: false, refusal };
    }
    const what = req.learner ? 'a learner (it receives the log, does not vote)' : 'a voter';
    return okResult(
      buildMembers(
        ctx.driver.status(),
        (n) => ctx.addresses.get(n),
        ctx.id,
        [],
        `${req.node} added as ${what}`,
      ),
    );
  });
}

/**
 * `MemberRemove`, on the leader. Refused when removing a voter would leave fewer recently
 * active voters than the smaller cluster's quorum (it could not commit anything afterwards);
 * removing the leader itself is allowed (it steps down once the change applies).
 */
export function handleMemberRemove(
  ctx: AdminContext,
  peers: AdminPeers,
  req: MemberRemoveRequest,
  relayed: boolean,
): Promise<ApiResult<MembersReply>> {
  return leaderOnly(ctx, peers, 'MemberRemove', req, relayed, async () => {
    const raft = ctx.driver.status();
    const member = findMember(raft.confState, req.node);
    if (!member.ok) return member;
    if (raft.confState.voters.includes(req.node)) {
      const remaining = raft.confState.voters.filter((v) => v !== req.node);
      if (remaining.length === 0)
        return refuse(
          'failed-precondition',
          `${req.node} is the last voter: the cluster cannot be left without one`,
        );
      const active = remaining.filter(
        (v) => v === ctx.id || raft.progress[v]?.recentActive === true,
      );
      const need = majority(remaining.length);
      if (active.length < need) {
        return refuse(
          'failed-precondition',
          `removing ${req.node} would leave ${active.length} active of ${remaining.length} voters, fewer than the ${need} a quorum needs; bring the silent members back first`,
        );
      }
    }
    try {
      await ctx.driver.proposeConfChange({ type: 'remove-node', nodeId: req.node });
    } catch (err) {
      return { ok: false, refusal: refusalFromError(err) };
    }
    return okResult(
      buildMembers(
        ctx.driver.status(),
        (n) => ctx.addresses.get(n),
        ctx.id,
        [],
        `${req.node} removed`,
      ),
    );
  });
}
