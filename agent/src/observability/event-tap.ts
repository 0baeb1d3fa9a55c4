import type { ClusterEvent, ClusterStateDoc } from '../state/cluster-state.js';
import { alertEventsOf, type AlertEvent, type AlertMemory } from './alert-event.js';

/**
 * Follows the events of the replicated state as this agent applies them and turns each new
 * one into {@link AlertEvent}s. Starts after the newest event present when created, so a
 * restart does not replay history to alert scripts; takes where each resource last started
 * and each record's state from the state at that moment. Call `poll()` on a timer: it never throws and returns only
 * events it has not returned before (the state keeps the newest 1000 events, so a poll
 * interval far below the time 1000 events take loses none).
 */
export class EventTap {
  private lastIndex: number;
  private readonly memory: AlertMemory = { lastStartedOn: new Map(), lastState: new Map() };

  constructor(private readonly doc: () => Readonly<ClusterStateDoc>) {
    const d = doc();
    this.lastIndex = d.events.at(-1)?.index ?? 0;
    for (const rec of Object.values(d.resources)) {
      this.memory.lastState.set(`${rec.resource}@${rec.node}`, rec.state);
      if (rec.state === 'started') this.memory.lastStartedOn.set(rec.resource, rec.node);
    }
  }

  /** The alert events of every cluster event applied since the last call, oldest first. */
  poll(): AlertEvent[] {
    const fresh: ClusterEvent[] = this.doc().events.filter((e) => e.index > this.lastIndex);
    if (fresh.length === 0) return [];
    // Events of one log index are applied together, so nothing of this index can follow.
    this.lastIndex = fresh.at(-1)!.index;
    return fresh.flatMap((e) => alertEventsOf(e, this.memory));
  }
}
