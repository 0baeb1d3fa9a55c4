/**
 * The vocabulary of the Raft core: log entries, persistent state, messages and the `Ready`
 * batch the core hands to its driver. Names follow the Raft paper (Ongaro & Ousterhout) and
 * etcd-io/raft, so a reader who knows either can find their way.
 *
 * Everything here is plain data (no classes, no methods) so it can be copied, compared,
 * serialised to the wire and to disk, and replayed by the simulation.
 */

/** A node's stable identity in the cluster (its name, e.g. "node1"). Never reused. */
export type NodeId = string;

/** What an entry carries: a state-machine command or a membership change. */
export type EntryType = 'normal' | 'conf-change';

/**
 * One record of the replicated log. `index` starts at 1; `term` is the leader's term when it
 * was appended. `data` is opaque to Raft for `normal` entries (an empty `data` is the no-op a
 * new leader appends); for `conf-change` entries it is an encoded {@link ConfChange}.
 */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/**
 * State that must reach stable storage (fsync) before any message that depends on it is sent:
 * the current term, the vote cast in it (null: none), and the highest index known committed.
 */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

/**
 * Cluster membership. Voters count towards quorums; learners receive the log but neither vote
 * nor count. Membership changes one server at a time (see docs/raft.md), so there is never a
 * joint configuration.
 */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** One membership change, carried in a `conf-change` entry. */
export interface ConfChange {
  type: 'add-voter' | 'add-learner' | 'remove-node';
  nodeId: NodeId;
}

/** Where a snapshot sits in the log and the membership in force at that point. */
export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

/** A compacted prefix of the log: the state machine's image at `metadata.index`. */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

/**
 * Message kinds. `MsgHup`, `MsgBeat`, `MsgCheckQuorum`, `MsgUnreachable` and `MsgSnapStatus`
 * are local (never sent over the wire); the rest travel between nodes. `MsgProp` and
 * `MsgReadIndex` may travel when a follower forwards them to its leader.
 */
export type MessageType =
  | 'MsgHup'
  | 'MsgBeat'
  | 'MsgCheckQuorum'
  | 'MsgUnreachable'
  | 'MsgSnapStatus'
  | 'MsgProp'
  | 'MsgApp'
  | 'MsgAppResp'
  | 'MsgPreVote'
  | 'MsgPreVoteResp'
  | 'MsgVote'
  | 'MsgVoteResp'
  | 'MsgSnap'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgTransferLeader'
  | 'MsgTimeoutNow'
  | 'MsgReadIndex'
  | 'MsgReadIndexResp';

/** Every message kind, in a fixed order (used by codecs and tests). */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'MsgHup',
  'MsgBeat',
  'MsgCheckQuorum',
  'MsgUnreachable',
  'MsgSnapStatus',
  'MsgProp',
  'MsgApp',
  'MsgAppResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgSnap',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgTransferLeader',
  'MsgTimeoutNow',
  'MsgReadIndex',
  'MsgReadIndexResp',
];

/**
 * A Raft message. Every field is always present (proto3 style) so codecs stay trivial; the
 * meaning of the numeric fields depends on `type`:
 *
 * - MsgApp: `index`/`logTerm` = the entry preceding `entries`; `commit` = leader's commit.
 * - MsgAppResp: `index` = last index now matching (or the rejected index with `reject`);
 *   `rejectHint` = follower's last index, `logTerm` = term at the hint (fast back-off).
 * - MsgVote/MsgPreVote: `index`/`logTerm` = candidate's last entry. A pre-vote carries the term
 *   the candidate *would* use. `context` = "transfer" when forced by leadership transfer.
 * - MsgHeartbeat: `commit` = min(leader commit, follower's match); `context` = read round.
 * - MsgReadIndex/MsgReadIndexResp: `context` = the read request's id; resp `index` = read index.
 * - MsgSnap: `snapshot` set. MsgSnapStatus: `reject` = the snapshot failed to send.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot: Snapshot | null;
  context: string;
}

/** The role a node plays; `pre-candidate` is a node running a PreVote round. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state worth reporting when it changes: who leads and what we are. */
export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

/**
 * A linearizable read became possible: once the state machine has applied `index`, reading it
 * answers the request identified by `context` with data no staler than the moment of the call.
 */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * What the driver must do, returned by `RaftNode.ready()`. Handle it in this order, then call
 * `RaftNode.advance(ready)`:
 *
 * 1. Persist `hardState`, `snapshot` and `entries` durably (fsync when `mustSync`). `entries`
 *    may begin at or below the last stored index: the stored log from `entries[0].index` on
 *    is then replaced (a follower dropping an uncommitted suffix).
 * 2. Send `messages` (only after step 1: votes and append acks promise what is on disk).
 * 3. Install `snapshot` into the state machine, then apply `committedEntries` in order.
 * 4. Answer `readStates` once the applied index reaches each one's `index`.
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  mustSync: boolean;
}

/** A new message with every field at its zero value, overridden by `fields`. */
export function makeMessage(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: '',
    to: '',
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: null,
    context: '',
    ...fields,
  };
}
