import { LeaseTable, type NodeLiveness } from '../liveness/lease-table.js';
import type { LeaseTiming } from '../liveness/lease-timing.js';
import type { LeaseWitness, RevokeAnswer } from '../liveness/lease-witness.js';
import type { Plan, SchedulerInput } from '../scheduler/types.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';
import { decide, type Decision } from './decide.js';

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
 * - Since when each member has not been alive (the fencing grace), and which members this
 *   leader's fence device confirmed off: those count as `fenced` for {@link decide} until they
 *   renew again. Once a decision records the fence in the log (`node-down`, cause `fenced`),
 *   a later leader knows it too.
 */
export class Leadership {
  readonly table: LeaseTable;
  private readonly suspectSinceMs = new Map<string, number>();
  private readonly fencedNodes = new Set<string>();

  constructor(
    readonly self: string,
    readonly term: number,
    timing: LeaseTiming,
    private readonly suspectFenceDelayMs?: number,
  ) {
    this.table = new LeaseTable(timing);
  }

  /**
   * A renewal request from `node` arrived at `nowMs` while the commit index is `commitIndex`
   * and the leader's applied state is `doc`. Returns whether to grant it. The caller checked
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
  ): boolean {
    this.table.requestReceived(node, nowMs);
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
    for (const m of members) {
      if (liveness[m] === 'alive') {
        this.suspectSinceMs.delete(m);
        this.fencedNodes.delete(m);
        continue;
      }
      if (!this.suspectSinceMs.has(m)) this.suspectSinceMs.set(m, nowMs);
      // decide() compares with its `nowMs`, the wall clock: pass the silence as wall time.
      suspectSinceMs[m] = wallMs - (nowMs - this.suspectSinceMs.get(m)!);
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
    if (aliveVoters < Math.floor(voters.length / 2) + 1)
      decision.fence = decision.fence.filter((f) => f.reason !== 'suspect');
    return { decision, liveness, fenced };
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
   * again; it is `fenced` for the next decisions until it renews.
   */
  fenceConfirmed(node: string): void {
    this.fencedNodes.add(node);
    this.table.forget(node);
  }
}
