import type { RaftStatus } from '../raft/raft-node.js';
import type { MembersReply } from './admin-messages.js';
import { membersOf } from './resource-lookup.js';

/**
 * The Raft membership as `raft` (one agent's status) shows it: voters then learners, each
 * with its address and — when `raft` is the leader's — its replication progress: match and
 * next index, lag behind the leader's last index, replication state, recent activity. Pure.
 */
export function buildMembers(
  raft: RaftStatus,
  addressOf: (node: string) => string | undefined,
  answeredBy: string,
  warnings: string[],
  message = '',
): MembersReply {
  const leading = raft.role === 'leader';
  return {
    leader: raft.leader ?? '',
    term: raft.term,
    commitIndex: raft.commit,
    lastIndex: raft.lastIndex,
    members: membersOf(raft.confState).map((id) => {
      const pr = leading ? raft.progress[id] : undefined;
      return {
        id,
        role:
          id === raft.leader
            ? 'leader'
            : raft.confState.learners.includes(id)
              ? 'learner'
              : 'voter',
        address: addressOf(id) ?? '',
        progressKnown: pr !== undefined,
        matchIndex: pr?.match ?? 0,
        nextIndex: pr?.next ?? 0,
        lag: pr === undefined ? 0 : Math.max(0, raft.lastIndex - pr.match),
        state: pr?.state ?? '',
        recentActive: id === raft.id ? true : (pr?.recentActive ?? false),
      };
    }),
    answeredBy,
    warnings,
    message,
  };
}
