import type { Entry, HardState, NodeId, Snapshot } from './types.js';

/**
 * Read-only request handling. `safe` confirms leadership with a heartbeat round to a quorum
 * for every batch of reads (ReadIndex, Raft thesis 6.4). `lease-based` answers from the leader
 * lease without that round; it is correct only while clocks drift less than the lease margin
 * allows (see docs/raft.md), and requires `checkQuorum` and a driver that derives ticks from a
 * monotonic clock and, after any stall (GC, SIGSTOP, VM pause), delivers the ticks it missed
 * before any other input — otherwise a paused leader wakes up believing in a lease that ended
 * while it slept. The agent's RaftDriver does this; the simulation checks it.
 */
export type ReadOnlyOption = 'safe' | 'lease-based';

/**
 * Everything a {@link RaftNode} needs besides its restored state. Time is counted in ticks:
 * the driver calls `tick()` at a fixed interval (e.g. every 50 ms); the core never reads a
 * clock. Randomness comes only from `random`, so a seeded PRNG makes runs reproducible.
 */
export interface RaftConfig {
  /** This node's id. */
  id: NodeId;
  /**
   * Base election timeout in ticks. A follower that hears nothing from a leader for a random
   * timeout in [electionTicks, 2 * electionTicks) campaigns. Must exceed heartbeatTicks.
   */
  electionTicks: number;
  /** A leader sends heartbeats every heartbeatTicks ticks. */
  heartbeatTicks: number;
  /**
   * Run a PreVote round before a real election, so a node returning from a partition does
   * not disrupt a healthy leader by bumping the term (thesis 9.6).
   */
  preVote: boolean;
  /**
   * A leader steps down when it has not heard from a quorum within an election timeout, and
   * followers that heard from a leader within the minimum election timeout ignore votes.
   */
  checkQuorum: boolean;
  /** How read-only requests are served; see {@link ReadOnlyOption}. */
  readOnly: ReadOnlyOption;
  /**
   * Ticks subtracted from the election timeout to get the leader lease, covering clock drift
   * between leader and followers (lease = electionTicks - leaseMarginTicks).
   */
  leaseMarginTicks: number;
  /** Most entries carried by one MsgApp (batching). */
  maxEntriesPerAppend: number;
  /** Most MsgApp in flight to one follower before waiting for acks (pipelining). */
  maxInflightAppends: number;
  /** Seeded source of uniform numbers in [0, 1); the only randomness the core uses. */
  random: () => number;
}

/** Sensible defaults for everything but `id` and `random`. */
export const DEFAULT_RAFT_CONFIG: Omit<RaftConfig, 'id' | 'random'> = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  readOnly: 'safe',
  leaseMarginTicks: 2,
  maxEntriesPerAppend: 256,
  maxInflightAppends: 64,
};

/**
 * What a node recovers from stable storage at start-up: the last hard state, the newest
 * snapshot (null before the first), and the log entries after the snapshot, in index order.
 * A brand-new cluster member that founds the cluster starts from {@link bootstrapSnapshot}.
 */
export interface RestoredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/**
 * The snapshot every founding member of a new cluster starts from: index 1, term 1, holding
 * the founding voters. All founders must pass the same list, so their logs agree from the
 * start. A node joining later starts with `snapshot: null` (an empty log at index 0): the
 * leader finds it lacks index 1 and sends it a snapshot, which carries the membership.
 */
export function bootstrapSnapshot(voters: NodeId[]): Snapshot {
  return {
    metadata: { index: 1, term: 1, confState: { voters: [...voters].sort(), learners: [] } },
    data: new Uint8Array(0),
  };
}

/** The hard state of a node that has never run. */
export const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };
