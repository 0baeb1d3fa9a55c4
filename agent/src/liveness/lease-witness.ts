import { expiryWaitMs, type LeaseTiming } from './lease-timing.js';

/** Which agent process sent a renewal request, as it says of itself. */
export interface RenewSender {
  /** A random id the agent process picked when it started ('' when unknown). */
  incarnation: string;
  /** How long that process had been running when it sent the request. */
  upMs: number;
}

/** The last renewal request a voter heard from one node: when (its clock), and from whom. */
export interface HeardRequest extends RenewSender {
  atMs: number;
}

/** A sender that said nothing of itself (an older agent, a test). */
export const UNKNOWN_SENDER: RenewSender = { incarnation: '', upMs: 0 };

/** A voter's answer to a leader asking it to revoke a node's lease. */
export type RevokeAnswer =
  /** The node's lease surely ended; this voter refuses its renewals for `holdMs` from now. */
  | { revoked: true; holdMs: number }
  /** This voter renewed the node's lease too recently: ask again in `remainingMs`. */
  | { revoked: false; remainingMs: number };

/**
 * The voter side of node leases (docs/safety.md). Every voter answers every member's renewal
 * requests and remembers when it last said yes to each; a leader that wants to treat a silent
 * member as running nothing asks a quorum of voters to revoke its lease. Pure: the caller
 * passes this voter's monotonic time in.
 *
 * A voter agrees to revoke only once `expiryWaitMs` passed since it last renewed the node (so
 * every lease its yes helped build has ended), and then refuses that node's renewals for
 * `revokeHoldMs`; asked again meanwhile, it extends the refusal. Because a lease needs a
 * quorum's yes and a revocation counts only with a quorum's promise, any lease and any
 * revocation share a voter, and that voter's clock orders them.
 *
 * A voter that just started has no memory of what it granted or promised before: it treats
 * every node as renewed at its own start, and refuses every renewal for `revokeHoldMs` after
 * it, which outlasts any promise its previous process made (a restarted voter that said yes at
 * once could renew a node that a leader is counting it out of; found by the lease property
 * tests with five voters).
 */
export class LeaseWitness {
  private readonly lastYesMs = new Map<string, number>();
  private readonly refuseUntilMs = new Map<string, number>();
  private readonly lastHeard = new Map<string, HeardRequest>();
  private readonly waitMs: number;

  /** @param startedAtMs when this voter's process started (its own clock). */
  constructor(
    private readonly timing: LeaseTiming,
    private readonly startedAtMs: number,
  ) {
    this.waitMs = expiryWaitMs(timing);
  }

  /**
   * A renewal request from `node` (sent by `sender`) at `nowMs`: whether to say yes (recorded
   * if so). Heard either way ({@link heard}).
   */
  renewal(node: string, nowMs: number, sender: RenewSender = UNKNOWN_SENDER): boolean {
    const last = this.lastHeard.get(node);
    if (last === undefined || nowMs >= last.atMs)
      this.lastHeard.set(node, { ...sender, atMs: nowMs });
    if (this.refusing(node, nowMs)) return false;
    this.lastYesMs.set(node, Math.max(this.lastYesMs.get(node) ?? nowMs, nowMs));
    return true;
  }

  /**
   * Whether this voter refuses `node`'s renewals at `nowMs`: it promised a leader to, or it
   * started too recently to know what its previous process promised.
   */
  refusing(node: string, nowMs: number): boolean {
    if (nowMs < this.startedAtMs + this.timing.revokeHoldMs) return true;
    return nowMs < (this.refuseUntilMs.get(node) ?? Number.NEGATIVE_INFINITY);
  }

  /**
   * The last request this voter heard from each node since its process started. A new
   * leader begins its lease table with it (`Leadership`): it then knows at once which
   * members fell silent before it was elected (the old leader among them), and since when.
   */
  heard(): ReadonlyMap<string, Readonly<HeardRequest>> {
    return this.lastHeard;
  }

  /** A leader asks this voter to revoke `node`'s lease at `nowMs`. */
  revoke(node: string, nowMs: number): RevokeAnswer {
    const endsAtMs = (this.lastYesMs.get(node) ?? this.startedAtMs) + this.waitMs;
    if (nowMs < endsAtMs) return { revoked: false, remainingMs: endsAtMs - nowMs };
    const until = nowMs + this.timing.revokeHoldMs;
    this.refuseUntilMs.set(node, Math.max(this.refuseUntilMs.get(node) ?? until, until));
    return { revoked: true, holdMs: this.timing.revokeHoldMs };
  }
}
