import { majority } from '../raft/quorum.js';
import type { AdminContext } from './admin-context.js';
import type { AdminPeers } from './admin-peers.js';

/** How long a reachability ping may take; a diagnosis must come back quickly. */
const PING_TIMEOUT_MS = 700;

/** Which voters answer from this agent, and how many a leader needs. */
interface Reachability {
  voters: string[];
  reachable: string[];
  silent: string[];
  need: number;
}

/** Ping each other voter's Admin service, in parallel, briefly. */
async function reachability(ctx: AdminContext, peers: AdminPeers): Promise<Reachability> {
  const { voters } = ctx.driver.status().confState;
  const need = majority(voters.length);
  const answers = await Promise.all(
    voters.map(async (v) => {
      if (v === ctx.id) return true;
      const address = ctx.addresses.get(v);
      return address !== undefined && (await peers.reachable(address, PING_TIMEOUT_MS));
    }),
  );
  return {
    voters,
    reachable: voters.filter((_, i) => answers[i]),
    silent: voters.filter((_, i) => !answers[i]),
    need,
  };
}

function quorumLostText(ctx: AdminContext, r: Reachability): string {
  return (
    `no leader: fewer than ${r.need} of ${r.voters.length} members reachable from ${ctx.id} ` +
    `(answering: ${r.reachable.join(', ')}; silent: ${r.silent.join(', ')}); nothing can change until ` +
    `a majority is back. Check that clusterd runs on ${r.silent.join(', ')} and that ${ctx.id} ` +
    `reaches them (addresses, firewall); clusterctl --endpoint <their address> status shows their view`
  );
}

/**
 * The message for "there is no leader", with what this agent can see: how many voters
 * answer from here and how many a leader needs, which ones are silent, and what to check.
 * Either the cluster lost quorum (fewer than a majority reachable: nothing can change until
 * enough members are back) or an election is under way (a majority answers: retry in a
 * moment). Pings each other voter's Admin service, in parallel, briefly.
 */
export async function noLeaderMessage(ctx: AdminContext, peers: AdminPeers): Promise<string> {
  if (ctx.driver.status().confState.voters.length === 0)
    return `no leader: ${ctx.id} knows no members yet (a joining node that was never added); add it with clusterctl member add on a member`;
  const r = await reachability(ctx, peers);
  if (r.reachable.length >= r.need) {
    return (
      `no leader yet: ${r.reachable.length} of ${r.voters.length} voters answer ${ctx.id}, an election is ` +
      `under way; retry in a moment`
    );
  }
  return quorumLostText(ctx, r);
}

/**
 * The lost-quorum message when fewer than a majority of voters answer this agent, else null.
 * For a leader this agent still names but cannot reach: until its election timeout a
 * follower keeps believing in a leader that is gone, and "the leader did not answer" would
 * hide that the quorum itself is lost.
 */
export async function quorumLostMessage(
  ctx: AdminContext,
  peers: AdminPeers,
): Promise<string | null> {
  if (ctx.driver.status().confState.voters.length === 0) return null;
  const r = await reachability(ctx, peers);
  return r.reachable.length >= r.need ? null : quorumLostText(ctx, r);
}
