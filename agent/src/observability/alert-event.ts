import type { ClusterEvent } from '../state/cluster-state.js';

/**
 * The kinds of event alert scripts hear about (Pacemaker's alert agents hear of resource
 * operations, node changes and fencing):
 * - `resource-start`, `resource-stop`: a node reported the resource started / stopped;
 * - `resource-fail`: a node reported a failure (failed, or a stop that failed);
 * - `failover`: a resource started on a node other than the one it last ran on;
 * - `node-lost`: the leader declared a node down because its lease ran out;
 * - `fence`: a node was declared down on a fence device's word.
 */
export type AlertKind =
  'resource-start' | 'resource-stop' | 'resource-fail' | 'failover' | 'node-lost' | 'fence';

/** Every {@link AlertKind}, for flag validation and docs. */
export const ALERT_KINDS: readonly AlertKind[] = [
  'resource-start',
  'resource-stop',
  'resource-fail',
  'failover',
  'node-lost',
  'fence',
];

/** One event for alert scripts, metrics and the log. */
export interface AlertEvent {
  kind: AlertKind;
  /** Raft log index of the command behind it: unique and ordered cluster-wide. */
  index: number;
  /** Cluster time of the command (ms since the epoch). */
  atMs: number;
  /** The node it happened on (for `failover`: the node it moved to). */
  node: string;
  /** The resource instance, or "" for node events. */
  resource: string;
  /** For `failover`: where it ran before. */
  fromNode: string;
  /** The state-machine's own description. */
  message: string;
}

/** The resource state a `record-state` event reports: the first word of its message. */
function reportedState(e: ClusterEvent): string | null {
  const m = /^(started|stopped|failed|stop-failed|unknown)\b/.exec(e.message);
  return m === null ? null : m[1]!;
}

/** What {@link alertEventsOf} remembers between events. */
export interface AlertMemory {
  /** Resource instance → the node it last started on: how a failover is recognised. */
  lastStartedOn: Map<string, string>;
  /** `resource@node` → the state last reported there: a stop is news only after a run. */
  lastState: Map<string, string>;
}

/**
 * The alert events one cluster event stands for, in order, updating `memory`. A move is
 * stop-then-start, so "started on B after last starting on A" is the failover; a stop is
 * reported only where the resource was not already stopped (a first probe finding nothing
 * is no event); a node declared down forgets what it ran. Pure: the same events and memory
 * give the same answer on every agent.
 */
export function alertEventsOf(e: ClusterEvent, memory: AlertMemory): AlertEvent[] {
  const { lastStartedOn, lastState } = memory;
  const base = { index: e.index, atMs: e.atMs, message: e.message, fromNode: '' };
  if (e.kind === 'node-down' && e.node !== null) {
    for (const key of [...lastState.keys()]) if (key.endsWith(`@${e.node}`)) lastState.delete(key);
    const kind: AlertKind = e.message.includes('fenced') ? 'fence' : 'node-lost';
    return [{ ...base, kind, node: e.node, resource: '' }];
  }
  if (e.kind !== 'record-state' || e.node === null || e.resource === null) return [];
  const state = reportedState(e);
  const at = { ...base, node: e.node, resource: e.resource };
  const key = `${e.resource}@${e.node}`;
  const before = lastState.get(key);
  if (state !== null) lastState.set(key, state);
  switch (state) {
    case 'started': {
      const out: AlertEvent[] = [{ ...at, kind: 'resource-start' }];
      const previousNode = lastStartedOn.get(e.resource);
      if (previousNode !== undefined && previousNode !== e.node)
        out.push({ ...at, kind: 'failover', fromNode: previousNode });
      lastStartedOn.set(e.resource, e.node);
      return out;
    }
    case 'stopped':
      return before === undefined || before === 'stopped' ? [] : [{ ...at, kind: 'resource-stop' }];
    case 'failed':
    case 'stop-failed':
      return [{ ...at, kind: 'resource-fail' }];
    default:
      return [];
  }
}
