import type { NodeId } from '../../../agent/src/raft/types.js';
import type { DropReason, NetworkConditions, NetworkStats } from '../sim-network.js';
import type { SimRandom } from '../sim-random.js';
import type { SimScheduler } from '../sim-scheduler.js';
import { copyWireMessage, formatWireMessage, type WireMessage } from './wire-message.js';

/** How the wire hands messages to the hosts. */
export interface WireEndpoints {
  /** Delivers `m` to its recipient; returns false when nothing listens there (agent down). */
  deliver(m: WireMessage): boolean;
}

/**
 * The simulated network between hosts, with the same model as the Raft simulation's
 * {@link SimNetwork} but carrying every kind of {@link WireMessage}: each message gets a
 * uniform random delay (so messages reorder), may be lost or duplicated, and is dropped while
 * its link is cut. Links are cut per direction (symmetric and one-way partitions), and a cut
 * is checked both at send time and at arrival, so messages in flight when a partition starts
 * are lost too.
 */
export class SimWire {
  /** Current conditions; the fault schedule replaces them over time. */
  conditions: NetworkConditions;
  /** Counters since the start of the run. */
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly cut = new Set<string>();
  private readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  private readonly endpoints: WireEndpoints;
  private readonly trace: ((line: () => string) => void) | null;

  constructor(
    scheduler: SimScheduler,
    random: SimRandom,
    conditions: NetworkConditions,
    endpoints: WireEndpoints,
    trace: ((line: () => string) => void) | null,
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

  /** Sends a copy of `m`; returns `cut` when its link is down at send time. */
  send(m: WireMessage): 'sent' | 'cut' {
    this.stats.sent++;
    if (this.isCut(m.from, m.to)) {
      this.drop(m, 'partition');
      return 'cut';
    }
    const c = this.conditions;
    if (this.random.chance(c.lossRate)) {
      this.drop(m, 'loss');
      return 'sent';
    }
    this.schedule(copyWireMessage(m));
    if (this.random.chance(c.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(copyWireMessage(m));
    }
    return 'sent';
  }

  private schedule(m: WireMessage): void {
    const c = this.conditions;
    const delayMs = this.random.float(c.delayMsMin, c.delayMsMax);
    this.scheduler.after(
      delayMs,
      () => `deliver ${formatWireMessage(m)}`,
      () => {
        if (this.isCut(m.from, m.to)) this.drop(m, 'partition');
        else if (this.endpoints.deliver(m)) this.stats.delivered++;
        else this.drop(m, 'down');
      },
    );
  }

  private drop(m: WireMessage, reason: DropReason): void {
    this.stats.dropped++;
    this.trace?.(() => `drop ${formatWireMessage(m)} (${reason})`);
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}
