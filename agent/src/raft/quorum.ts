import type { NodeId } from './types.js';

/** Votes needed for a majority of `voterCount` voters. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index that a majority of voters have reached: sort the voters' match indexes
 * descending and take the majority-th. A voter missing from `match` counts as 0. With no
 * voters there is no quorum, and the result is 0.
 */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const indexes = voters.map(match).sort((a, b) => b - a);
  return indexes[majority(voters.length) - 1]!;
}

/** The result of counting votes: won, lost (a majority rejected), or still open. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** Count the answers in `votes` (true: granted) among `voters`. */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (voters.length === 0) return 'lost';
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (rejected > voters.length - need) return 'lost';
  return 'pending';
}

/**
 * The largest value `x` such that a majority of voters have a value >= x (used for the leader
 * lease: the newest heartbeat round a quorum has acknowledged). Missing voters count as -1.
 */
export function quorumMin(voters: readonly NodeId[], value: (id: NodeId) => number): number {
  if (voters.length === 0) return -1;
  const values = voters.map(value).sort((a, b) => b - a);
  return values[majority(voters.length) - 1]!;
}
