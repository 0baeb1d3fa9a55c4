import type { RaftConfig, RestoredState } from './config.js';
import type { ConfChange, ConfState, Message, NodeId, Ready, Role } from './types.js';

/** Why a proposal was refused; the caller retries elsewhere or later. */
export type ProposalError = 'not-leader' | 'transfer-in-progress' | 'conf-change-pending' | 'not-member';

/** Outcome of a proposal: accepted into the leader's (or forwarded to its) log, or refused. */
export type ProposeResult = { ok: true } | { ok: false; error: ProposalError; leader: NodeId | null };

/** Replication progress of one follower, as the leader sees it. */
export interface PeerProgress {
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  recentActive: boolean;
  isLearner: boolean;
}

/** A read-only view of the node for status reports and tests. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  leader: NodeId | null;
  role: Role;
  confState: ConfState;
  /** Leader only: each other member's progress. */
  progress: Record<NodeId, PeerProgress>;
  /** Leader only: the tick count until which the leader lease holds (0: no lease). */
  leaseValid: boolean;
}

/**
 * The Raft core: a deterministic, single-threaded state machine that only reacts. Inputs are
 * `tick()`, `step(message)`, `propose()`, `proposeConfChange()`, `readIndex()` and
 * `transferLeadership()`; output is collected by `ready()` and acknowledged by `advance()`.
 * It performs no I/O, reads no clock and draws randomness only from `config.random`.
 */
export class RaftNode {
  constructor(_config: RaftConfig, _restored: RestoredState) {
    throw new Error('not yet implemented');
  }
  /** Advance logical time by one tick (election and heartbeat timers). */
  tick(): void {}
  /** Feed one message (from the network, or a local one such as MsgHup). */
  step(_m: Message): void {}
  /** Start an election now (PreVote first when enabled). */
  campaign(): void {}
  /** Propose a state-machine command. */
  propose(_data: Uint8Array): ProposeResult {
    return { ok: false, error: 'not-leader', leader: null };
  }
  /** Propose a one-server membership change. */
  proposeConfChange(_cc: ConfChange): ProposeResult {
    return { ok: false, error: 'not-leader', leader: null };
  }
  /** Request a linearizable read; the answer arrives as a ReadState with the same context. */
  readIndex(_context: string): void {}
  /** Ask the leader to hand leadership to `to` (TimeoutNow once `to` is up to date). */
  transferLeadership(_to: NodeId): void {}
  /** Whether `ready()` has anything to do. */
  hasReady(): boolean {
    return false;
  }
  /** Collect pending work; see {@link Ready} for the order to carry it out. */
  ready(): Ready {
    throw new Error('not yet implemented');
  }
  /** Acknowledge that the last `ready()` was fully handled (persisted, sent, applied). */
  advance(_rd: Ready): void {}
  /**
   * Replace the log up to `index` (at most the applied index) with a snapshot holding `data`,
   * the state machine's image at that index. Returns the snapshot for the driver to persist.
   */
  compact(_index: number, _data: Uint8Array): void {}
  /** Tell the leader a peer could not be reached (switches it back to probing). */
  reportUnreachable(_id: NodeId): void {}
  /** Tell the leader whether sending a snapshot to `id` succeeded. */
  reportSnapshot(_id: NodeId, _ok: boolean): void {}
  /** A snapshot of the node's state for reports and tests. */
  status(): RaftStatus {
    throw new Error('not yet implemented');
  }
}
