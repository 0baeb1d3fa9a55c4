import {
  applyConfChange,
  confChangeError,
  decodeConfChange,
  encodeConfChange,
} from './conf-change.js';
import type { RaftConfig, RestoredState } from './config.js';
import { Progress } from './progress.js';
import { committedIndex, majority, quorumMin, voteResult } from './quorum.js';
import { RaftLog } from './raft-log.js';
import { ReadIndexQueue } from './read-index-queue.js';
import {
  makeMessage,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type MessageType,
  type NodeId,
  type ReadState,
  type Ready,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.js';

/** Why a proposal was refused; the caller retries elsewhere or later. */
export type ProposalError =
  | 'not-leader'
  | 'transfer-in-progress'
  | 'conf-change-pending'
  | 'invalid-conf-change'
  | 'not-member';

/**
 * Outcome of a proposal: accepted (appended to the leader's log, or forwarded to the known
 * leader; acceptance is not commitment) or refused with the leader to try instead.
 */
export type ProposeResult =
  { ok: true } | { ok: false; error: ProposalError; leader: NodeId | null; reason: string };

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
  /** Leader only: every member's progress (the leader's own included). */
  progress: Record<NodeId, PeerProgress>;
  /** Leader only: whether the leader lease currently holds. */
  leaseValid: boolean;
  /** Leader only: the node leadership is being handed to, if any. */
  leadTransferee: NodeId | null;
}

/** Vote context marking an election forced by leadership transfer (ignores leader leases). */
const TRANSFER_CONTEXT = 'transfer';
/** Most committed entries handed out in one Ready, to keep each batch bounded. */
const MAX_COMMITTED_PER_READY = 4096;
/** Most proposals or reads held while a new leader commits its first entry. */
const MAX_PENDING_READS = 4096;

/** The empty log a joining node starts with: index 0, term 0, no known members. */
const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
  data: new Uint8Array(0),
};

/**
 * The Raft core: a deterministic, single-threaded state machine that only reacts. Inputs are
 * `tick()`, `step(message)`, `propose()`, `proposeConfChange()`, `readIndex()` and
 * `transferLeadership()`; output is collected by `ready()` and acknowledged by `advance()`.
 * It performs no I/O, reads no clock and draws randomness only from `config.random`.
 *
 * Between `ready()` and `advance()` no other method may be called (the driver handles a Ready
 * synchronously); the node throws if it is, because a Ready describes one consistent moment.
 *
 * Features: PreVote, CheckQuorum, leader lease and ReadIndex reads, pipelined and batched
 * appends, snapshots, learners, one-server-at-a-time membership change, leadership transfer.
 * Reference: the Raft paper (sections cited inline as "5.x") and Ongaro's thesis ("thesis x").
 */
export class RaftNode {
  /** This node's id. */
  readonly id: NodeId;
  private readonly cfg: RaftConfig;
  private term: number;
  private vote: NodeId | null;
  private lead: NodeId | null = null;
  private role: Role = 'follower';
  private readonly log: RaftLog;
  /** Membership in force: that of the snapshot plus every applied conf-change entry. */
  private conf: ConfState;
  /** Leader only: replication progress per member (self included). */
  private prs = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since this node object was created: the local clock for the leader lease. */
  private ticks = 0;
  private leadTransferee: NodeId | null = null;
  /**
   * This leader sent MsgTimeoutNow in its current term. The target's election overrides
   * every follower's lease whenever the message arrives (even after the transfer was
   * abandoned), so the leader lease is void for the rest of the term (etcd-io/raft#99).
   */
  private timeoutNowSent = false;
  /** A conf change may be proposed only once the log is applied past this index. */
  private pendingConfIndex = 0;
  private readIndexQueue = new ReadIndexQueue();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndex: Message[] = [];
  /** Leader only: per voter, the newest heartbeat send-tick it acknowledged (lease). */
  private heartbeatAckTick = new Map<NodeId, number>();
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private outstanding: Ready | null = null;
  /** After a restart (not a first boot), votes are refused for this many ticks (lease). */
  private readonly restartQuietTicks: number;

  constructor(config: RaftConfig, restored: RestoredState) {
    validateConfig(config);
    this.id = config.id;
    this.cfg = config;
    const snapshot = restored.snapshot ?? EMPTY_SNAPSHOT;
    this.log = new RaftLog(snapshot, restored.entries, restored.hardState.commit);
    this.conf = cloneConf(snapshot.metadata.confState);
    // currentTerm >= lastLogTerm always; a founder's bootstrap snapshot has term 1.
    this.term = Math.max(restored.hardState.term, this.log.lastTerm());
    this.vote = restored.hardState.term === this.term ? restored.hardState.vote : null;
    this.prevHardState = { ...restored.hardState };
    this.prevSoftState = { leader: null, role: 'follower' };
    this.restartQuietTicks = restored.hardState.term > 0 ? config.electionTicks : 0;
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- inputs

  /** Advance logical time by one tick (election and heartbeat timers). */
  tick(): void {
    this.assertNoReadyOutstanding('tick');
    this.ticks++;
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  /** Feed one message received from the network. */
  step(m: Message): void {
    this.assertNoReadyOutstanding('step');
    this.stepInner(m);
  }

  /** Start an election now (PreVote first when enabled); ignored by leaders and non-voters. */
  campaign(): void {
    this.assertNoReadyOutstanding('campaign');
    this.stepLocal('MsgHup', {});
  }

  /** Propose a state-machine command. */
  propose(data: Uint8Array): ProposeResult {
    this.assertNoReadyOutstanding('propose');
    return this.proposeEntry('normal', data);
  }

  /** Propose a one-server membership change (validated by the leader). */
  proposeConfChange(cc: ConfChange): ProposeResult {
    this.assertNoReadyOutstanding('proposeConfChange');
    return this.proposeEntry('conf-change', encodeConfChange(cc));
  }

  /**
   * Request a linearizable read. When the cluster confirms this node's leader is still the
   * leader, a ReadState with the same `context` appears in a Ready; the read is served once
   * the applied index reaches its `index`. Without a known leader the request is dropped and
   * the caller retries. Contexts must be unique cluster-wide (e.g. prefixed by the node id).
   */
  readIndex(context: string): void {
    this.assertNoReadyOutstanding('readIndex');
    this.stepLocal('MsgReadIndex', { context });
  }

  /** Hand leadership to `to` (the leader sends TimeoutNow once `to` is up to date). */
  transferLeadership(to: NodeId): void {
    this.assertNoReadyOutstanding('transferLeadership');
    this.stepLocal('MsgTransferLeader', { context: to });
  }

  /** Tell the leader a peer could not be reached (its replication falls back to probing). */
  reportUnreachable(id: NodeId): void {
    this.assertNoReadyOutstanding('reportUnreachable');
    this.stepLocal('MsgUnreachable', { from: id });
  }

  /** Tell the leader whether sending a snapshot to `id` succeeded. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.assertNoReadyOutstanding('reportSnapshot');
    this.stepLocal('MsgSnapStatus', { from: id, reject: !ok });
  }

  /**
   * Replace the log up to `index` with a snapshot holding `data`, the state machine's image
   * at that index. `index` must equal the applied index (so the snapshot's membership is the
   * one in force). Returns the snapshot for the driver to persist; afterwards the storage may
   * drop entries up to `index`.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    this.assertNoReadyOutstanding('compact');
    if (index !== this.log.applied) {
      throw new Error(`compact(${index}): must equal the applied index ${this.log.applied}`);
    }
    const term = this.log.term(index);
    if (term === undefined) throw new Error(`compact(${index}): index already compacted`);
    const snapshot: Snapshot = { metadata: { index, term, confState: cloneConf(this.conf) }, data };
    this.log.compact(snapshot);
    return snapshot;
  }

  // ---------------------------------------------------------------- outputs

  /** Whether `ready()` has anything to do. */
  hasReady(): boolean {
    return (
      this.softStateChanged() ||
      this.hardStateChanged() ||
      this.log.pendingSnapshot !== null ||
      this.log.stabled < this.log.lastIndex() ||
      (this.log.pendingSnapshot === null && this.log.committed > this.log.applied) ||
      this.msgs.length > 0 ||
      this.readStates.length > 0
    );
  }

  /** Collect pending work; see {@link Ready} for the order to carry it out. */
  ready(): Ready {
    this.assertNoReadyOutstanding('ready');
    const hardState = this.hardStateChanged() ? this.hardState() : null;
    const entries = this.log.unstableEntries();
    const snapshot = this.log.pendingSnapshot;
    const rd: Ready = {
      softState: this.softStateChanged() ? { leader: this.lead, role: this.role } : null,
      hardState,
      snapshot,
      entries,
      committedEntries: this.log.nextCommittedEntries(MAX_COMMITTED_PER_READY),
      messages: this.msgs,
      readStates: this.readStates,
      mustSync:
        entries.length > 0 ||
        snapshot !== null ||
        (hardState !== null &&
          (hardState.term !== this.prevHardState.term ||
            hardState.vote !== this.prevHardState.vote)),
    };
    this.msgs = [];
    this.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /** Acknowledge that the last `ready()` was fully handled (persisted, sent, applied). */
  advance(rd: Ready): void {
    if (rd !== this.outstanding)
      throw new Error('advance() with a Ready that is not the outstanding one');
    this.outstanding = null;
    if (rd.softState !== null) this.prevSoftState = rd.softState;
    if (rd.hardState !== null) this.prevHardState = rd.hardState;
    if (rd.snapshot !== null) {
      this.log.applied = rd.snapshot.metadata.index;
      this.log.pendingSnapshot = null;
    }
    if (rd.entries.length > 0) this.log.stabled = rd.entries.at(-1)!.index;
    for (const entry of rd.committedEntries) {
      this.log.applied = entry.index;
      if (entry.type === 'conf-change') this.applyConfEntry(entry);
    }
  }

  /** A snapshot of the node's state for reports and tests. */
  status(): RaftStatus {
    const progress: Record<NodeId, PeerProgress> = {};
    if (this.role === 'leader') {
      for (const [id, pr] of this.prs) {
        progress[id] = {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        };
      }
    }
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      leader: this.lead,
      role: this.role,
      confState: cloneConf(this.conf),
      progress,
      leaseValid: this.leaseValid(),
      leadTransferee: this.leadTransferee,
    };
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    if (this.role === 'leader') throw new Error('invalid transition leader -> pre-candidate');
    // Thesis 9.6: a pre-candidate changes neither its term nor its vote.
    this.votes = new Map();
    this.lead = null;
    this.role = 'pre-candidate';
  }

  private becomeCandidate(): void {
    if (this.role === 'leader') throw new Error('invalid transition leader -> candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    if (this.role === 'follower') throw new Error('invalid transition follower -> leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const self = this.prs.get(this.id);
    self?.becomeReplicate();
    // Peers count as active only once they answer this leader (the first CheckQuorum comes a
    // full election timeout later); the leader itself always is.
    if (self !== undefined) self.recentActive = true;
    // 5.4.2 / thesis 3.6.2: a leader commits earlier terms' entries only by committing one of
    // its own; the empty entry does that at once. Until it is applied, no conf change may be
    // proposed (the fix for single-server changes in thesis errata) and no read is answered.
    this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }]);
    this.pendingConfIndex = this.log.lastIndex();
  }

  /** Common part of every role change: a new term forgets the vote; timers restart. */
  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.cfg.electionTicks + Math.floor(this.cfg.random() * this.cfg.electionTicks);
    this.leadTransferee = null;
    this.timeoutNowSent = false;
    this.votes = new Map();
    this.pendingConfIndex = 0;
    this.readIndexQueue = new ReadIndexQueue();
    this.pendingReadIndex = [];
    this.heartbeatAckTick = new Map();
    this.resetProgress();
  }

  private resetProgress(): void {
    this.prs = new Map();
    const last = this.log.lastIndex();
    for (const id of this.conf.voters) this.prs.set(id, this.newProgress(id, false, last));
    for (const id of this.conf.learners) this.prs.set(id, this.newProgress(id, true, last));
  }

  private newProgress(id: NodeId, isLearner: boolean, last: number): Progress {
    const pr = new Progress(last + 1, isLearner, this.cfg.maxInflightAppends);
    if (id === this.id) pr.match = last;
    return pr;
  }

  // ---------------------------------------------------------------- timers

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.stepLocal('MsgHup', {});
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const pr of this.prs.values()) {
      // A snapshot that was lost in transit would leave the peer waiting forever.
      if (pr.state === 'snapshot' && ++pr.snapshotWaitTicks > this.cfg.electionTicks)
        pr.becomeProbe();
    }
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.stepLocal('MsgCheckQuorum', {});
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === 'leader') this.leadTransferee = null;
    }
    if (this.role !== 'leader') return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readIndexQueue.lastContext());
    }
  }

  // ---------------------------------------------------------------- step

  private stepLocal(type: MessageType, fields: Partial<Message>): void {
    this.stepInner(makeMessage({ type, from: this.id, to: this.id, term: 0, ...fields }));
  }

  private stepInner(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // Thesis 4.2.3: while we hear from a leader, ignore candidates (unless the leader
        // itself asked for the election by transferring leadership). This is also what
        // makes the leader lease sound. A restarted node has forgotten whether it heard from
        // a leader, so it waits out one election timeout too.
        const force = m.context === TRANSFER_CONTEXT;
        const heardFromLeader = this.lead !== null || this.ticks < this.restartQuietTicks;
        const inLease =
          this.cfg.checkQuorum && heardFromLeader && this.electionElapsed < this.cfg.electionTicks;
        if (!force && inLease) return;
      }
      if (m.type === 'MsgPreVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // A granted pre-vote carries the term we would campaign at: not a newer term.
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term && m.term !== 0) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')
      ) {
        // A stale leader (e.g. back from a partition) learns the new term and steps down;
        // with PreVote it would otherwise never hear a higher term.
        this.send({ type: 'MsgAppResp', to: m.from });
      } else if (m.type === 'MsgPreVote') {
        this.send({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case 'MsgHup':
        this.hup(m.context === TRANSFER_CONTEXT);
        return;
      case 'MsgVote':
      case 'MsgPreVote':
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    switch (this.role) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'MsgBeat':
        this.bcastHeartbeat(this.readIndexQueue.lastContext());
        return;
      case 'MsgCheckQuorum':
        if (!this.quorumActive()) this.becomeFollower(this.term, null);
        for (const [id, pr] of this.prs) pr.recentActive = id === this.id;
        return;
      case 'MsgProp':
        for (const e of m.entries) this.appendProposal(e.type, e.data);
        return;
      case 'MsgReadIndex':
        this.leaderReadIndex(m);
        return;
      case 'MsgAppResp':
        this.handleAppendResponse(m);
        return;
      case 'MsgHeartbeatResp':
        this.handleHeartbeatResponse(m);
        return;
      case 'MsgSnapStatus': {
        const pr = this.prs.get(m.from);
        if (pr === undefined || pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's answer (or a heartbeat) before probing again.
        pr.paused = true;
        return;
      }
      case 'MsgUnreachable': {
        const pr = this.prs.get(m.from);
        if (pr?.state === 'replicate') pr.becomeProbe();
        return;
      }
      case 'MsgTransferLeader':
        this.leaderTransfer(m.context);
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myResponse = this.role === 'pre-candidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgApp':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case 'MsgPreVoteResp':
      case 'MsgVoteResp': {
        if (m.type !== myResponse) return;
        if (!this.conf.voters.includes(m.from)) return;
        if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
        const result = voteResult(this.conf.voters, this.votes);
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.startCampaign('election');
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      default:
        return; // proposals, reads and transfers are dropped without a leader
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'MsgProp':
      case 'MsgReadIndex':
      case 'MsgTransferLeader':
        if (this.lead === null) return; // dropped: the caller retries
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case 'MsgApp':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'MsgTimeoutNow':
        // Leadership transfer: campaign at once, skipping PreVote, ignoring leases.
        this.hup(true);
        return;
      case 'MsgReadIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- elections

  private hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return; // the membership we would count is not final
    this.startCampaign(transfer ? 'transfer' : this.cfg.preVote ? 'pre-vote' : 'election');
  }

  private startCampaign(kind: 'pre-vote' | 'election' | 'transfer'): void {
    let voteType: MessageType;
    let term: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteType = 'MsgPreVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'MsgVote';
      term = this.term;
    }
    this.votes.set(this.id, true);
    if (voteResult(this.conf.voters, this.votes) === 'won') {
      // A single-voter cluster wins at once.
      if (kind === 'pre-vote') this.startCampaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send({
        type: voteType,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === 'transfer' ? TRANSFER_CONTEXT : '',
      });
    }
  }

  /** RequestVote receiver (5.2, 5.4.1); pre-votes are answered the same way without voting. */
  private handleVoteRequest(m: Message): void {
    const responseType = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'MsgPreVote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // A granted (pre-)vote carries the candidate's term, not ours: a pre-candidate counts it.
      this.send({ type: responseType, to: m.from, term: m.term });
      if (m.type === 'MsgVote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: responseType, to: m.from, term: this.term, reject: true });
    }
  }

  // ---------------------------------------------------------------- follower side

  /** AppendEntries receiver (5.3), with the fast back-off hint of etcd-raft. */
  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'MsgAppResp', to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send({ type: 'MsgAppResp', to: m.from, index: lastNew });
      return;
    }
    const hintIndex = this.log.findConflictByTerm(
      Math.min(m.index, this.log.lastIndex()),
      m.logTerm,
    );
    this.send({
      type: 'MsgAppResp',
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hintIndex,
      logTerm: this.log.term(hintIndex) ?? 0,
    });
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(m.commit);
    // Echo the leader's send tick (lease) and the read context (ReadIndex).
    this.send({ type: 'MsgHeartbeatResp', to: m.from, index: m.index, context: m.context });
  }

  /** InstallSnapshot receiver (7). */
  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    if (snapshot === null) return;
    const { index, term } = snapshot.metadata;
    if (index <= this.log.committed) {
      this.send({ type: 'MsgAppResp', to: m.from, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(index, term)) {
      // We already hold the snapshot's last entry, hence (log matching) all before it.
      this.log.commitTo(index);
      this.send({ type: 'MsgAppResp', to: m.from, index: this.log.committed });
      return;
    }
    this.log.restore(snapshot);
    this.conf = cloneConf(snapshot.metadata.confState);
    this.resetProgress();
    this.send({ type: 'MsgAppResp', to: m.from, index: this.log.lastIndex() });
  }

  // ---------------------------------------------------------------- leader side

  private proposeEntry(type: Entry['type'], data: Uint8Array): ProposeResult {
    if (this.role === 'leader') return this.appendProposal(type, data);
    if (this.role === 'follower' && this.lead !== null) {
      // Term 0: a forwarded proposal is not bound to our term (the leader may be newer).
      const entries = [{ term: 0, index: 0, type, data }];
      this.send({ type: 'MsgProp', to: this.lead, term: 0, entries });
      return { ok: true };
    }
    return { ok: false, error: 'not-leader', leader: this.lead, reason: 'no leader is known' };
  }

  private appendProposal(type: Entry['type'], data: Uint8Array): ProposeResult {
    const refuse = (error: ProposalError, reason: string): ProposeResult => ({
      ok: false,
      error,
      leader: this.lead,
      reason,
    });
    if (!this.prs.has(this.id))
      return refuse('not-member', 'this leader was removed from the cluster');
    if (this.leadTransferee !== null) {
      return refuse('transfer-in-progress', `leadership is moving to ${this.leadTransferee}`);
    }
    if (type === 'conf-change') {
      if (this.pendingConfIndex > this.log.applied) {
        return refuse(
          'conf-change-pending',
          "a membership change, or this new leader's first entry, is not applied yet; retry shortly",
        );
      }
      let problem: string | null;
      try {
        problem = confChangeError(this.conf, decodeConfChange(data));
      } catch (err) {
        problem = (err as Error).message;
      }
      if (problem !== null) return refuse('invalid-conf-change', problem);
    }
    this.appendEntries([{ term: 0, index: 0, type, data }]);
    if (type === 'conf-change') this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
    return { ok: true };
  }

  /** Append entries to the leader's log, stamping term and index. */
  private appendEntries(entries: Entry[]): void {
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ ...e, term: this.term, index: ++index }));
    const last = this.log.append(stamped);
    this.prs.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
  }

  /** Commit the highest index a quorum has, if it is from this term (5.4.2). */
  private maybeCommit(): boolean {
    const index = committedIndex(this.conf.voters, (id) => this.prs.get(id)?.match ?? 0);
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const firstInTerm = !this.committedInCurrentTerm();
    this.log.commitTo(index);
    if (firstInTerm) {
      const pending = this.pendingReadIndex;
      this.pendingReadIndex = [];
      for (const m of pending) this.leaderReadIndex(m);
    }
    return true;
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      const wasReplicating = pr.state === 'replicate';
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (wasReplicating) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (wasPaused && !pr.isPaused()) this.sendAppend(m.from);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else {
      // Keep the pipeline full: send what we have, bounded by the inflight window.
      for (let i = 0; i < this.cfg.maxInflightAppends && this.maybeSendAppend(m.from, false); i++);
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex())
      this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message): void {
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    pr.recentActive = true;
    pr.resume();
    if (!pr.isLearner) {
      this.heartbeatAckTick.set(m.from, Math.max(this.heartbeatAckTick.get(m.from) ?? -1, m.index));
    }
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context === '' || pr.isLearner) return;
    const acks = this.readIndexQueue.recvAck(m.from, m.context);
    if (acks === undefined) return;
    const acked = this.conf.voters.filter((id) => acks.has(id)).length;
    if (acked < majority(this.conf.voters.length)) return;
    for (const req of this.readIndexQueue.confirm(m.context))
      this.answerRead(req.from, req.index, req.context);
  }

  /** Leader side of ReadIndex (thesis 6.4), or the lease shortcut (thesis 6.4.1). */
  private leaderReadIndex(m: Message): void {
    if (!this.committedInCurrentTerm()) {
      // The commit index of a new leader may lag; wait until its first entry commits.
      if (this.pendingReadIndex.length < MAX_PENDING_READS) this.pendingReadIndex.push(m);
      return;
    }
    const index = this.log.committed;
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      this.answerRead(m.from, index, m.context);
      return;
    }
    if (this.cfg.readOnly === 'lease-based' && this.leaseValid()) {
      this.answerRead(m.from, index, m.context);
      return;
    }
    if (this.readIndexQueue.size >= MAX_PENDING_READS) return; // dropped: the caller retries
    this.readIndexQueue.add(index, m.context, m.from);
    this.readIndexQueue.recvAck(this.id, m.context);
    this.bcastHeartbeat(m.context);
  }

  private answerRead(from: NodeId, index: number, context: string): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'MsgReadIndexResp', to: from, index, context });
  }

  /**
   * The leader lease (thesis 6.4.1): a quorum acknowledged a heartbeat sent at tick `t`, and
   * none of them will vote for another candidate for `electionTicks` of their own ticks after
   * receiving it; so nobody else can lead before `t + electionTicks` on our clock, less a
   * margin for clock drift. Void during a leadership transfer, and for the rest of the term once
   * MsgTimeoutNow was sent (the target's election ignores leases whenever it arrives).
   */
  private leaseValid(): boolean {
    if (this.role !== 'leader' || !this.cfg.checkQuorum) return false;
    if (this.timeoutNowSent || this.leadTransferee !== null) return false;
    if (!this.committedInCurrentTerm()) return false;
    const ackedTick = quorumMin(this.conf.voters, (id) =>
      id === this.id ? this.ticks : (this.heartbeatAckTick.get(id) ?? -1),
    );
    if (ackedTick < 0) return false;
    return this.ticks < ackedTick + this.cfg.electionTicks - this.cfg.leaseMarginTicks;
  }

  private leaderTransfer(to: NodeId): void {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isLearner || to === this.id) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0; // the transfer must finish within one election timeout
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.timeoutNowSent = true;
    this.send({ type: 'MsgTimeoutNow', to });
  }

  private quorumActive(): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.conf.voters) {
      if (id === this.id || this.prs.get(id)?.recentActive) active.set(id, true);
    }
    return voteResult(this.conf.voters, active) === 'won';
  }

  private bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(context: string): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      this.send({
        type: 'MsgHeartbeat',
        to: id,
        commit,
        index: this.ticks,
        context,
      });
    }
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Send `to` its next entries (or a snapshot); false when nothing was sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      if (!pr.recentActive) return false; // don't ship a snapshot to a peer that is not answering
      const snapshot = this.log.snapshot;
      this.send({ type: 'MsgSnap', to, snapshot });
      pr.becomeSnapshot(snapshot.metadata.index);
      return true;
    }
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxEntriesPerAppend);
    if (entries.length === 0 && !sendIfEmpty && pr.sentCommit >= this.log.committed) return false;
    this.send({
      type: 'MsgApp',
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentCommit = Math.max(pr.sentCommit, this.log.committed);
    pr.sentEntries(entries.length, entries.at(-1)?.index ?? prevIndex);
    return true;
  }

  // ---------------------------------------------------------------- membership

  private applyConfEntry(entry: Entry): void {
    const cc = decodeConfChange(entry.data);
    this.conf = applyConfChange(this.conf, cc);
    if (this.role !== 'leader') return;
    const last = this.log.lastIndex();
    const added: NodeId[] = [];
    for (const id of [...this.conf.voters, ...this.conf.learners]) {
      const isLearner = this.conf.learners.includes(id);
      const pr = this.prs.get(id);
      if (pr !== undefined) {
        pr.isLearner = isLearner;
        continue;
      }
      const fresh = this.newProgress(id, isLearner, last);
      // A new member gets a grace period before CheckQuorum counts it (as in etcd).
      fresh.recentActive = true;
      this.prs.set(id, fresh);
      added.push(id);
    }
    for (const id of [...this.prs.keys()]) {
      if (!this.conf.voters.includes(id) && !this.conf.learners.includes(id)) {
        this.prs.delete(id);
        this.heartbeatAckTick.delete(id);
      }
    }
    if (this.leadTransferee !== null && !this.conf.voters.includes(this.leadTransferee)) {
      this.leadTransferee = null;
    }
    if (!this.conf.voters.includes(this.id)) {
      // Removed (or demoted): tell everyone the commit index, then stop leading.
      this.bcastAppend();
      this.becomeFollower(this.term, null);
      return;
    }
    // A smaller quorum may commit more at once; new members are probed at once.
    if (this.maybeCommit()) this.bcastAppend();
    else for (const id of added) this.sendAppend(id);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied || this.log.pendingSnapshot !== null) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    return this.log.slice(lo, this.log.committed + 1).some((e) => e.type === 'conf-change');
  }

  // ---------------------------------------------------------------- helpers

  private promotable(): boolean {
    return this.conf.voters.includes(this.id) && this.log.pendingSnapshot === null;
  }

  private send(fields: Partial<Message> & Pick<Message, 'type' | 'to'>): void {
    const m = makeMessage({ from: this.id, term: this.term, ...fields });
    if (m.to === this.id) throw new Error(`${m.type} addressed to self`);
    this.msgs.push(m);
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private hardStateChanged(): boolean {
    const prev = this.prevHardState;
    return prev.term !== this.term || prev.vote !== this.vote || prev.commit !== this.log.committed;
  }

  private softStateChanged(): boolean {
    return this.prevSoftState.leader !== this.lead || this.prevSoftState.role !== this.role;
  }

  private assertNoReadyOutstanding(what: string): void {
    if (this.outstanding !== null)
      throw new Error(`${what}() called between ready() and advance()`);
  }
}

function cloneConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters], learners: [...conf.learners] };
}

function validateConfig(c: RaftConfig): void {
  const problems: string[] = [];
  if (c.id === '') problems.push('id must not be empty');
  if (!(c.heartbeatTicks >= 1)) problems.push('heartbeatTicks must be >= 1');
  if (!(c.electionTicks > c.heartbeatTicks))
    problems.push('electionTicks must exceed heartbeatTicks');
  if (!(c.leaseMarginTicks >= 0 && c.leaseMarginTicks < c.electionTicks)) {
    problems.push('leaseMarginTicks must be in [0, electionTicks)');
  }
  if (c.readOnly === 'lease-based' && !c.checkQuorum)
    problems.push('lease-based reads require checkQuorum');
  if (!(c.maxEntriesPerAppend >= 1)) problems.push('maxEntriesPerAppend must be >= 1');
  if (!(c.maxInflightAppends >= 1)) problems.push('maxInflightAppends must be >= 1');
  if (problems.length > 0) throw new Error(`invalid Raft config: ${problems.join('; ')}`);
}
