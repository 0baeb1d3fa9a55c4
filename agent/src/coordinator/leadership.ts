import { LeaseTable, type NodeLiveness } from '../liveness/lease-table.js';
import type { LeaseTiming } from '../liveness/lease-timing.js';
import {
  UNKNOWN_SENDER,
  type HeardRequest,
  type LeaseWitness,
  type RenewSender,
  type RevokeAnswer,
} from '../liveness/lease-witness.js';
import { fenceDelayMs } from '../fencing/fence-policy.js';
import { majority } from '../raft/quorum.js';
import type { Plan, SchedulerInput } from '../scheduler/types.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';
import { decide, type Decision } from './decide.js';

/** A member's silence as this leader saw it begin. */
interface Silence {
  sinceMs: number;
  /** How long its agent had been up at its last request (undefined: unknown). */
  upMs: number | undefined;
}

/** A decision round's result, with what it was based on (for logs). */
export interface LeadershipRound {
  decision: Decision;
  liveness: Record<string, NodeLiveness>;
  /** Members confirmed off by this leader's fence device and not seen alive since. */
  fenced: string[];
}

/**
 * What a node keeps while it leads one term, beyond Raft, shared by the agent
 * (agent/src/node/) and the whole-cluster simulation so both run one mechanism. Pure: the
 * caller passes its monotonic time in, proposes the commands, runs the fence requests.
 *
 * - The {@link LeaseTable}: a new one per leadership. Silent members become `down` once a
 *   quorum of voters promised to refuse their renewals ({@link revokeRound},
 *   {@link revokeAnswered}); the election does not matter, since any voter renews leases.
 * - Lease grants (the leader's yes that lets a member start resources): refused while a decision that treated the member as down or fenced is
 *   uncommitted (`LeaseTable.holdGrants`), so a member never comes back to a log that still
 *   gives it what the decision moved away.
 * - Since when each member has not been alive (the fencing grace, dated from the member's
 *   last request, also one heard before this term through the leader's own voter record),
 *   and which members this
 *   leader's fence device confirmed off: those count as `fenced` for {@link decide} until they
 *   renew again. Once a decision records the fence in the log (`node-down`, cause `fenced`),
 *   a later leader knows it too.
 */
export class Leadership {
  private readonly table: LeaseTable;
  /**
   * Each member not alive now: since when (this leader's clock) and, when known, how long its
   * agent had been up at its last request. Kept while it stays `suspect` or `down`.
   */
  private readonly silences = new Map<string, Silence>();
  private readonly fencedNodes = new Set<string>();
  /** The agent process each member ran when a fence device confirmed it off. */
  private readonly fencedIncarnation = new Map<string, string>();

  /**
   * @param heard what this node heard as a voter before it led (`LeaseWitness.heard`): the
   *   silence of a member that stopped renewing before the election (the old leader, say)
   *   counts from its last request, not from this leadership's first round.
   */
  constructor(
    readonly self: string,
    readonly term: number,
    timing: LeaseTiming,
    private readonly suspectFenceDelayMs?: number,
    heard?: ReadonlyMap<string, Readonly<HeardRequest>>,
  ) {
    this.table = new LeaseTable(timing);
    if (heard !== undefined) this.table.seed(heard);
  }

  /**
   * A renewal request from `node`, sent by `sender`, arrived at `nowMs` while the commit index
   * is `commitIndex` and the leader's applied state is `doc`. Returns whether to grant it. The caller checked
   * that it leads with a valid Raft lease.
   *
   * Refused while a decision that treated the node as down is uncommitted, and while the log
   * marks it fenced: the next decision proposes `node-up` first (the node is alive now), so a
   * later leader never takes the mark for proof that a node with a lease runs nothing.
   */
  renewal(
    node: string,
    nowMs: number,
    commitIndex: number,
    doc: Readonly<ClusterStateDoc>,
    sender: RenewSender = UNKNOWN_SENDER,
  ): boolean {
    // From the process a fence device confirmed off: sent before the fence, delivered late
    // (TCP retransmits what a killed process left queued once the host's link is back). It
    // proves nothing about now; counted, it would make the node alive and, when it falls
    // silent again, fence the host a second time while it boots.
    if (sender.incarnation !== '' && this.fencedIncarnation.get(node) === sender.incarnation)
      return false;
    this.table.requestReceived(node, nowMs, sender);
    if (doc.nodes[node]?.fenced === true) return false;
    return this.table.mayGrant(node, commitIndex);
  }

  /**
   * The verdict on every member at `nowMs`, with `voters` the Raft voters (the leader itself
   * is alive).
   */
  liveness(
    members: readonly string[],
    voters: readonly string[],
    nowMs: number,
  ): Record<string, NodeLiveness> {
    const out: Record<string, NodeLiveness> = {};
    for (const m of members)
      out[m] = m === this.self ? 'alive' : this.table.liveness(m, nowMs, voters);
    return out;
  }

  /**
   * One revocation round at `nowMs`: for every silent member due to be asked, this leader's
   * own voter answers at once (through `witness`, when the leader votes), and the returned
   * requests, one per other voter but the member itself, are for the caller to send; each
   * answer goes to {@link revokeAnswered} with `nowMs` as the send time.
   */
  revokeRound(
    members: readonly string[],
    voters: readonly string[],
    nowMs: number,
    witness: LeaseWitness,
  ): { node: string; voter: string }[] {
    const requests: { node: string; voter: string }[] = [];
    const targets = this.table.revokeTargets(
      members.filter((m) => m !== this.self),
      nowMs,
    );
    for (const node of targets)
      for (const voter of voters) {
        if (voter === node) continue;
        if (voter === this.self)
          this.table.revokeAnswered(node, voter, nowMs, witness.revoke(node, nowMs), nowMs);
        else requests.push({ node, voter });
      }
    return requests;
  }

  /** A voter's answer to a revocation request about `node` sent at `sentAtMs`. */
  revokeAnswered(
    node: string,
    voter: string,
    sentAtMs: number,
    answer: RevokeAnswer,
    nowMs: number,
  ): void {
    this.table.revokeAnswered(node, voter, sentAtMs, answer, nowMs);
  }

  /**
   * One decision round: the member verdicts, the fencing grace, then {@link decide}. Returns
   * the decision; the caller proposes its commands, then calls {@link proposed} with the last
   * log index, and hands `decision.fence` to its fencer.
   */
  round(
    doc: Readonly<ClusterStateDoc>,
    members: readonly string[],
    voters: readonly string[],
    nowMs: number,
    wallMs: number,
    schedule: (i: SchedulerInput) => Plan,
  ): LeadershipRound {
    const liveness = this.liveness(members, voters, nowMs);
    const suspectSinceMs: Record<string, number> = {};
    const upBeforeSilenceMs: Record<string, number> = {};
    for (const m of members) {
      if (liveness[m] === 'alive') {
        this.silences.delete(m);
        this.fencedNodes.delete(m);
        continue;
      }
      const silence = this.silences.get(m) ?? this.noteSilence(m, nowMs);
      // decide() compares with its `nowMs`, the wall clock: pass the silence as wall time.
      suspectSinceMs[m] = wallMs - (nowMs - silence.sinceMs);
      if (silence.upMs !== undefined) upBeforeSilenceMs[m] = silence.upMs;
    }
    const fenced = [...this.fencedNodes].filter((n) => members.includes(n)).sort();
    const decision = decide(
      {
        doc,
        members: [...members],
        liveness,
        fenced,
        nowMs: wallMs,
        self: this.self,
        suspectSinceMs,
        upBeforeSilenceMs,
        ...(this.suspectFenceDelayMs !== undefined
          ? { suspectFenceDelayMs: this.suspectFenceDelayMs }
          : {}),
      },
      schedule,
    );
    // Fewer than a quorum of voters alive in this leader's view: more likely the leader itself
    // stalled (a loaded machine runs its timers before the renewals that queued meanwhile) or
    // is cut off than that most of the cluster failed at once. Fencing for silence then would
    // power off healthy nodes, even all of them; a stop-failed record still gets its fence.
    const aliveVoters = voters.filter((v) => liveness[v] === 'alive').length;
    if (aliveVoters < majority(voters.length))
      decision.fence = decision.fence.filter((f) => f.reason !== 'suspect');
    return { decision, liveness, fenced };
  }

  /**
   * When the next round should run to act without delay (undefined: nothing is due): the
   * moment a member that is alive now turns silent, or a silent member's fencing grace ends.
   * Renewals come every few tens of milliseconds, so a caller re-reads this after each of its
   * renewal rounds and runs a decision round then; the periodic round is only the fallback.
   */
  nextDueMs(members: readonly string[], nowMs: number): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const m of members) {
      if (m === this.self || this.fencedNodes.has(m)) continue;
      let dueMs: number | undefined;
      if (this.table.isAlive(m, nowMs)) {
        const silent = this.table.silentSinceMs(m);
        dueMs = silent === undefined ? undefined : silent + 1;
      } else {
        const silence = this.silences.get(m);
        const since = silence?.sinceMs ?? this.table.silentSinceMs(m);
        const up = silence !== undefined ? silence.upMs : this.table.lastSenderOf(m)?.upMs;
        if (since !== undefined) dueMs = since + fenceDelayMs(this.suspectFenceDelayMs, up);
      }
      if (dueMs !== undefined && dueMs > nowMs) next = Math.min(next, dueMs);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  /** `member` is first seen not alive: date its silence from its last request when known. */
  private noteSilence(member: string, nowMs: number): Silence {
    const silence = {
      sinceMs: Math.min(nowMs, this.table.silentSinceMs(member) ?? nowMs),
      upMs: this.table.lastSenderOf(member)?.upMs,
    };
    this.silences.set(member, silence);
    return silence;
  }

  /**
   * The commands of `round` were proposed, up to log index `lastIndex`: members it treated as
   * down or fenced get no lease grant until that index is committed.
   */
  proposed(round: LeadershipRound, lastIndex: number): void {
    for (const [m, verdict] of Object.entries(round.liveness))
      if (verdict === 'down') this.table.holdGrants(m, lastIndex);
    for (const m of round.decision.gone) this.table.holdGrants(m, lastIndex);
  }

  /**
   * A fence device confirmed `node` off. Its earlier requests must not make it look alive
   * again, nor late ones from the same agent process; it is `fenced` for the next decisions
   * until it renews from a new one.
   */
  fenceConfirmed(node: string): void {
    const incarnation = this.table.lastSenderOf(node)?.incarnation ?? '';
    if (incarnation !== '') this.fencedIncarnation.set(node, incarnation);
    this.fencedNodes.add(node);
    this.table.forget(node);
  }
}
