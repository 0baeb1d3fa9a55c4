import type { AdminContext } from './admin-context.js';
import type { AdminPeers } from './admin-peers.js';

/** How long a reachability ping may take; a diagnosis must come back quickly. */
const PING_TIMEOUT_MS = 700;

/**
 * The message for "there is no leader", with what this agent can see: how many voters
 * answer from here and how many a leader needs, which ones are silent, and what to check.
 * Either the cluster lost quorum (fewer than a majority reachable: nothing can change until
 * enough members are back) or an election is under way (a majority answers: retry in a
 * moment). Pings each other voter's Admin service, in parallel, briefly.
 */
export async function noLeaderMessage(ctx: AdminContext, peers: AdminPeers): Promise<string> {
  const { voters } = ctx.driver.status().confState;
  if (voters.length === 0)
    return `no leader: ${ctx.id} knows no members yet (a joining node that was never added); add it with clusterctl member add on a member`;
  const need = Math.floor(voters.length / 2) + 1;
  const answers = await Promise.all(
    voters.map(async (v) => {
      if (v === ctx.id) return true;
      const address = ctx.addresses.get(v);
      return address !== undefined && (await peers.reachable(address, PING_TIMEOUT_MS));
    }),
  );
  const reachable = voters.filter((_, i) => answers[i]);
  const silent = voters.filter((_, i) => !answers[i]);
  if (reachable.length >= need) {
    return (
      `no leader yet: ${reachable.length} of ${voters.length} voters answer ${ctx.id}, an election is ` +
      `under way; retry in a moment`
    );
  }
  return (
    `no leader: fewer than ${need} of ${voters.length} members reachable from ${ctx.id} ` +
    `(answering: ${reachable.join(', ')}; silent: ${silent.join(', ')}); nothing can change until ` +
    `a majority is back. Check that clusterd runs on ${silent.join(', ')} and that ${ctx.id} ` +
    `reaches them (addresses, firewall); clusterctl --endpoint <their address> status shows their view`
  );
}
