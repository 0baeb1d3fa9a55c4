import type { Message, NodeId } from '../../agent/src/raft/types.js';
import { copyMessage } from './raft-data-copy.js';
import type { SimRandom } from './sim-random.js';
import type { SimScheduler } from './sim-scheduler.js';
import { formatMessage } from './trace-format.js';

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

/** How the network hands messages to the world around it. */
export interface NetworkEndpoints {
  /** Delivers `m` to its recipient; returns false when the recipient is down or unknown. */
  deliver(m: Message): boolean;
  /** Told whenever a message is dropped (e.g. to report a failed snapshot send). */
  dropped(m: Message, reason: DropReason): void;
}

/** Counters for the run summary. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

/**
 * The simulated network between nodes. Each message gets a random delay (so messages are
 * reordered), may be lost or duplicated, and is dropped while its link is cut. Links are cut
 * per direction, so both symmetric partitions and one-way partitions (A→B dropped while B→A
 * flows) are expressible; a cut is checked both when a message is sent and when it would
 * arrive, so messages in flight when a partition starts are lost too.
 */
export class SimNetwork {
  /** Current conditions; the fault schedule replaces them over time. */
  conditions: NetworkConditions;
  /** Counters since the start of the run. */
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly cut = new Set<string>();
  private readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  private readonly endpoints: NetworkEndpoints;
  private readonly trace: ((line: () => string) => void) | null;

  constructor(
    scheduler: SimScheduler,
    random: SimRandom,
    conditions: NetworkConditions,
    endpoints: NetworkEndpoints,
    trace: ((line: () => string) => void) | null = null,
  ) {
    this.scheduler = scheduler;
    this.random = random;
    this.conditions = conditions;
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
   * Sends a copy of `m` from node `sender` (the link is the sender's, whatever `m.from` says).
   * Returns `cut` when the link is known to be down at send time (a real transport would see
   * the connection fail), otherwise `sent` — even if the message is then lost in flight,
   * which the sender cannot know.
   */
  send(m: Message, sender: NodeId = m.from): 'sent' | 'cut' {
    this.stats.sent++;
    if (this.isCut(sender, m.to)) {
      this.drop(m, 'partition');
      return 'cut';
    }
    const c = this.conditions;
    if (this.random.chance(c.lossRate)) {
      this.drop(m, 'loss');
      return 'sent';
    }
    this.schedule(copyMessage(m), sender);
    if (this.random.chance(c.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(copyMessage(m), sender);
    }
    return 'sent';
  }

  private schedule(m: Message, sender: NodeId): void {
    const c = this.conditions;
    const delayMs = this.random.float(c.delayMsMin, c.delayMsMax);
    this.scheduler.after(
      delayMs,
      () => `deliver ${formatMessage(m)}`,
      () => {
        if (this.isCut(sender, m.to)) {
          this.drop(m, 'partition');
        } else if (this.endpoints.deliver(m)) {
          this.stats.delivered++;
        } else {
          this.drop(m, 'down');
        }
      },
    );
  }

  private drop(m: Message, reason: DropReason): void {
    this.stats.dropped++;
    this.trace?.(() => `drop ${m.type} ${m.from}→${m.to} (${reason})`);
    this.endpoints.dropped(m, reason);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}
