import {
  aliveWithinMs as defaultAliveWithinMs,
  promiseHoldsMs,
  revocationNeedMs,
  type LeaseTiming,
} from './lease-timing.js';
import { majority } from '../raft/quorum.js';
import {
  UNKNOWN_SENDER,
  type HeardRequest,
  type RenewSender,
  type RevokeAnswer,
} from './lease-witness.js';

/** The leader's verdict on one node. */
export type NodeLiveness =
  /** Renewed recently: online. */
  | 'alive'
  /** Silent, but its lease may still hold: it may still run resources (unclean). */
  | 'suspect'
  /** Its lease surely ended and it has not been heard since: it runs nothing (safe to move away). */
  | 'down';

/**
 * The leader side of node leases (Pacemaker's membership view, with timing instead of a
 * token ring). Pure: the caller passes the leader's monotonic time in. One table per
 * leadership.
 *
 * A node is `alive` while its renewal requests keep reaching the leader within
 * `aliveWithinMs`. A silent node is `suspect` until a quorum of voters (the leader among
 * them, the node itself never) promised to refuse its renewals (`LeaseWitness.revoke`), each
 * promise holding at least {@link revocationNeedMs} past now; then it is `down`, and stays
 * so until a request from it reaches this leader. At that moment its lease had surely ended,
 * and any lease it gets later begins a new stretch in which it starts nothing before a
 * leader grants it (`NodeLease.mayStart`), which this table holds back while a decision that
 * treated it as down is uncommitted ({@link holdGrants}).
 */
export class LeaseTable {
  private readonly lastRequestMs = new Map<string, number>();
  /** Who sent each node's last request (its agent process, and how long it had been up). */
  private readonly lastSender = new Map<string, RenewSender>();
  private readonly holdIndex = new Map<string, number>();
  private readonly promises = new Map<string, Map<string, number>>();
  private readonly nextAskMs = new Map<string, number>();
  private readonly down = new Set<string>();
  private readonly needMs: number;

  /** @param aliveWithinMs a node whose last request is older than this is no longer `alive`. */
  constructor(
    private readonly timing: LeaseTiming,
    private readonly aliveWithinMs: number = defaultAliveWithinMs(timing),
  ) {
    this.needMs = revocationNeedMs(timing);
  }

  /**
   * Begin with what this node heard as a voter before it led (`LeaseWitness.heard`), so a
   * member that fell silent before the election, the old leader among them, is known silent
   * since then rather than from this table's first round. Only for nodes this table has no
   * request from. It only dates silence: `down` still needs a quorum's promises.
   */
  seed(heard: ReadonlyMap<string, Readonly<HeardRequest>>): void {
    for (const [node, { atMs, incarnation, upMs }] of heard) {
      if (this.lastRequestMs.has(node)) continue;
      this.lastRequestMs.set(node, atMs);
      this.lastSender.set(node, { incarnation, upMs });
    }
  }

  /**
   * A renewal request from `node` (sent by `sender`) arrived at `nowMs`: it is alive, and no
   * longer down.
   */
  requestReceived(node: string, nowMs: number, sender: RenewSender = UNKNOWN_SENDER): void {
    const last = this.lastRequestMs.get(node);
    if (last === undefined || nowMs >= last) this.lastSender.set(node, sender);
    this.lastRequestMs.set(node, Math.max(last ?? nowMs, nowMs));
    this.down.delete(node);
    this.promises.delete(node);
    this.nextAskMs.delete(node);
  }

  /**
   * This leader proposed, up to log index `index`, commands decided while it treated `node`
   * as down or fenced (node-down, resources moved away without the node's word). Until they
   * are committed, renewals from `node` are not granted ({@link mayGrant}).
   */
  holdGrants(node: string, index: number): void {
    this.holdIndex.set(node, Math.max(this.holdIndex.get(node) ?? 0, index));
  }

  /**
   * Whether a renewal from `node` may be granted while the leader's commit index is
   * `commitIndex`. Not while a decision that treated it as down is uncommitted: the grant
   * carries the commit index, and the node starts nothing before it has applied the log that
   * far (`NodeLease.mayStart`), so it must not come back to a state that still places the
   * moved resources on it.
   */
  mayGrant(node: string, commitIndex: number): boolean {
    return commitIndex >= (this.holdIndex.get(node) ?? 0);
  }

  /** Forget a node (removed from the cluster, or confirmed off by a fence device). */
  forget(node: string): void {
    this.lastRequestMs.delete(node);
    this.lastSender.delete(node);
  }

  /**
   * Since when `node` has not been alive (its last request plus `aliveWithinMs`), or
   * undefined when no request of it is known. Only meaningful once it is not alive.
   */
  silentSinceMs(node: string): number | undefined {
    const last = this.lastRequestMs.get(node);
    return last === undefined ? undefined : last + this.aliveWithinMs;
  }

  /** Who sent `node`'s last request, or undefined when none is known. */
  lastSenderOf(node: string): RenewSender | undefined {
    return this.lastSender.get(node);
  }

  /**
   * The members to ask the voters about now (silent, not yet down, not asked too recently).
   * Marks them asked: the caller sends the revocation requests at once.
   */
  revokeTargets(members: readonly string[], nowMs: number): string[] {
    const out: string[] = [];
    for (const m of members) {
      if (this.isAlive(m, nowMs) || this.down.has(m)) continue;
      if (nowMs < (this.nextAskMs.get(m) ?? Number.NEGATIVE_INFINITY)) continue;
      this.nextAskMs.set(m, nowMs + this.timing.renewTimeoutMs);
      out.push(m);
    }
    return out;
  }

  /**
   * Voter `voter` answered, at `nowMs`, a revocation request about `node` this leader sent at
   * `sentAtMs`. A yes is a promise that holds until {@link promiseHoldsMs} after the send; a
   * no says when to ask again.
   */
  revokeAnswered(
    node: string,
    voter: string,
    sentAtMs: number,
    answer: RevokeAnswer,
    nowMs: number,
  ): void {
    if (this.down.has(node) || voter === node) return;
    if (answer.revoked) {
      const byVoter = this.promises.get(node) ?? new Map<string, number>();
      // Never longer than this leader's own configured hold, nor than the voter said it holds.
      const holdMs = Math.min(this.timing.revokeHoldMs, answer.holdMs);
      const until = sentAtMs + promiseHoldsMs({ ...this.timing, revokeHoldMs: holdMs });
      byVoter.set(voter, Math.max(byVoter.get(voter) ?? until, until));
      this.promises.set(node, byVoter);
      return;
    }
    const again = nowMs + Math.max(1, answer.remainingMs);
    this.nextAskMs.set(node, Math.min(this.nextAskMs.get(node) ?? again, again));
  }

  /** The verdict on `node` at `nowMs`, with `voters` the Raft voters now. */
  liveness(node: string, nowMs: number, voters: readonly string[]): NodeLiveness {
    if (this.isAlive(node, nowMs)) return 'alive';
    if (this.down.has(node)) return 'down';
    const byVoter = this.promises.get(node);
    if (byVoter === undefined) return 'suspect';
    let holding = 0;
    for (const v of voters)
      if (v !== node && (byVoter.get(v) ?? Number.NEGATIVE_INFINITY) >= nowMs + this.needMs)
        holding++;
    if (holding < majority(voters.length)) return 'suspect';
    this.down.add(node);
    this.promises.delete(node);
    return 'down';
  }

  /** Whether `node`'s last request is at most `aliveWithinMs` old at `nowMs`. */
  isAlive(node: string, nowMs: number): boolean {
    const last = this.lastRequestMs.get(node);
    return last !== undefined && nowMs - last <= this.aliveWithinMs;
  }
}
