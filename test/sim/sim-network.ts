import type { NodeId } from '../../agent/src/raft/types.js';
import type { SimRandom } from './sim-random.js';
import type { SimScheduler } from './sim-scheduler.js';

/** The weather of the network: how long messages take and how often they go astray. */
export interface NetworkConditions {
  /** Shortest one-way delay. */
  delayMsMin: number;
  /** Longest one-way delay; delays are uniform in [min, max], which also reorders messages. */
  delayMsMax: number;
  /** Probability that a message is silently lost. */
  lossRate: number;
  /** Probability that a delivered message is delivered a second time (with its own delay). */
  duplicateRate: number;
}

/** Why a message did not arrive. */
export type DropReason = 'partition' | 'loss' | 'down';

/**
 * What the network needs to know of the messages it carries; it never looks inside them, so
 * one network serves the Raft simulation (bare Raft messages) and the whole-cluster simulation
 * (Raft and lease messages between hosts).
 */
export interface MessageEnvelope<M> {
  /** The sending node (the default link a message travels on). */
  from(m: M): NodeId;
  /** The receiving node. */
  to(m: M): NodeId;
  /** A deep copy, as if the message had been encoded and decoded: no state is shared. */
  copy(m: M): M;
  /** The trace text of a delivery (`deliver <text>`). */
  describe(m: M): string;
  /** The trace text of a drop (`drop <text> (reason)`). */
  describeDrop(m: M): string;
}

/** How the network hands messages to the world around it. */
export interface NetworkEndpoints<M> {
  /** Delivers `m` to its recipient; returns false when the recipient is down or unknown. */
  deliver(m: M): boolean;
  /** Told whenever a message is dropped (e.g. to report a failed snapshot send). */
  dropped?(m: M, reason: DropReason): void;
}

/** Counters for the run summary. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/**
 * The simulated network between nodes, carrying messages of type `M` (see
 * {@link MessageEnvelope}). Each message gets a uniform random delay (so messages are
 * reordered), may be lost or duplicated, and is dropped while its link is cut. Links are cut
 * per direction, so both symmetric partitions and one-way partitions (A→B dropped while B→A
 * flows) are expressible; a cut is checked both when a message is sent and when it would
 * arrive, so messages in flight when a partition starts are lost too. Its only randomness is
 * the stream it is given, drawn in a fixed order per send (loss, delay, duplicate, delay).
 */
export class SimNetwork<M> {
  /** Current conditions; the fault schedule replaces them over time. */
  conditions: NetworkConditions;
  /** Counters since the start of the run. */
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly cut = new Set<string>();
  private readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  private readonly envelope: MessageEnvelope<M>;
  private readonly endpoints: NetworkEndpoints<M>;
  private readonly trace: ((line: () => string) => void) | null;

  constructor(
    scheduler: SimScheduler,
    random: SimRandom,
    conditions: NetworkConditions,
    envelope: MessageEnvelope<M>,
    endpoints: NetworkEndpoints<M>,
    trace: ((line: () => string) => void) | null = null,
  ) {
    this.scheduler = scheduler;
    this.random = random;
    this.conditions = conditions;
    this.envelope = envelope;
    this.endpoints = endpoints;
    this.trace = trace;
  }

  /** Whether messages from `from` to `to` are currently dropped. */
  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(linkKey(from, to));
  }

  /** Drops every message from `from` to `to` (one direction only) until healed. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Cuts every link between the two groups, in both directions. */
  partition(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        this.cutOneWay(a, b);
        this.cutOneWay(b, a);
      }
    }
  }

  /** Restores every link. */
  healAll(): void {
    this.cut.clear();
  }

  /** Number of directed links currently cut. */
  get cutLinks(): number {
    return this.cut.size;
  }

  /**
   * Sends a copy of `m` from node `sender` (the link is the sender's, whatever `m` names).
   * Returns `cut` when the link is known to be down at send time (a real transport would see
   * the connection fail), otherwise `sent` — even if the message is then lost in flight,
   * which the sender cannot know.
   */
  send(m: M, sender: NodeId = this.envelope.from(m)): 'sent' | 'cut' {
    this.stats.sent++;
    const to = this.envelope.to(m);
    if (this.isCut(sender, to)) {
      this.drop(m, 'partition');
      return 'cut';
    }
    const c = this.conditions;
    if (this.random.chance(c.lossRate)) {
      this.drop(m, 'loss');
      return 'sent';
    }
    this.schedule(this.envelope.copy(m), sender, to);
    if (this.random.chance(c.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(this.envelope.copy(m), sender, to);
    }
    return 'sent';
  }

  private schedule(m: M, sender: NodeId, to: NodeId): void {
    const c = this.conditions;
    const delayMs = this.random.float(c.delayMsMin, c.delayMsMax);
    this.scheduler.after(
      delayMs,
      () => `deliver ${this.envelope.describe(m)}`,
      () => {
        if (this.isCut(sender, to)) {
          this.drop(m, 'partition');
        } else if (this.endpoints.deliver(m)) {
          this.stats.delivered++;
        } else {
          this.drop(m, 'down');
        }
      },
    );
  }

  private drop(m: M, reason: DropReason): void {
    this.stats.dropped++;
    this.trace?.(() => `drop ${this.envelope.describeDrop(m)} (${reason})`);
    this.endpoints.dropped?.(m, reason);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}
