import { EMPTY_CLUSTER_CONFIG, type ClusterConfig, type ResourceDef } from '../config/model.js';
import type { StateMachine } from '../raft/driver/state-machine.js';
import type { PlacementIntent, ResourceNodeStatus } from '../scheduler/types.js';
import { decodeClusterCommand, type ClusterCommand } from './cluster-commands.js';

/** Per-node facts the users and the agents set. */
export interface NodeRecord {
  standby: boolean;
  maintenance: boolean;
  attributes: Record<string, string | number>;
  /**
   * A fence device confirmed this node off (`node-down`, cause `fenced`) and it has not been
   * seen alive since (`node-up`). Kept in the log so that a new leader knows the node runs
   * nothing without fencing it again.
   */
  fenced?: boolean;
}

/** Where one resource instance should run, and the generation of that order. */
export interface PlacementRecord {
  node: string | null;
  /** Bumped on every change; an agent ignores an order older than one it has acted on. */
  generation: number;
}

/** What is known of one instance on one node, with the facts behind it. */
export interface ResourceRecord extends ResourceNodeStatus {
  /** The placement generation the node acted on when it observed this. */
  generation: number;
  reason: string;
  updatedAtMs: number;
}

/** Something that happened, for `clusterctl events` and alert hooks. */
export interface ClusterEvent {
  /** Raft log index of the command that caused it (orders events cluster-wide). */
  index: number;
  atMs: number;
  kind: ClusterCommand['type'];
  node: string | null;
  resource: string | null;
  message: string;
}

/** The whole replicated document. Plain JSON: it is the snapshot format too. */
export interface ClusterStateDoc {
  config: ClusterConfig;
  configFingerprint: string;
  /** How many configurations were applied (0: never configured). */
  configVersion: number;
  nodes: Record<string, NodeRecord>;
  intents: PlacementIntent[];
  placement: Record<string, PlacementRecord>;
  /** Keyed by `resource@node`. */
  resources: Record<string, ResourceRecord>;
  /** The newest events, oldest first, at most {@link EVENTS_MAX}. */
  events: ClusterEvent[];
  /** Highest command time applied: the cluster's clock as far as the log knows. */
  lastAtMs: number;
  /**
   * Definitions of resources removed from the configuration while they may still run
   * somewhere (a record not `stopped`), by id: the nodes need the agent and parameters to
   * stop them. Dropped once every record of the resource says stopped. Absent: none.
   */
  orphans?: Record<string, ResourceDef>;
}

/** How many events the document keeps (older ones are in the agents' logs). */
export const EVENTS_MAX = 1000;

/** The result of applying one command: what the proposer is told. */
export type ApplyOutcome = { ok: true } | { ok: false; error: string };

/** A new, unconfigured cluster's document. */
export function emptyClusterState(): ClusterStateDoc {
  return {
    config: EMPTY_CLUSTER_CONFIG,
    configFingerprint: '',
    configVersion: 0,
    nodes: {},
    intents: [],
    placement: {},
    resources: {},
    events: [],
    lastAtMs: 0,
  };
}

/** Key of a {@link ResourceRecord}. */
export function recordKey(resource: string, node: string): string {
  return `${resource}@${node}`;
}

/**
 * The replicated cluster state: applies {@link ClusterCommand}s from the Raft log to the
 * {@link ClusterStateDoc}. Deterministic (no clock, no randomness, no I/O; time comes in the
 * commands) and total: a malformed or impossible command changes nothing and yields the same
 * error result on every node, so one bad proposal can never crash the cluster.
 */
export class ClusterState implements StateMachine {
  private doc: ClusterStateDoc = emptyClusterState();
  /**
   * Type of the last command applied successfully (null: none yet). Lets the agent react at
   * once to a placement change instead of at its next round.
   */
  lastAppliedType: ClusterCommand['type'] | null = null;

  /** The current document. Treat as read-only: mutate only through commands. */
  get state(): Readonly<ClusterStateDoc> {
    return this.doc;
  }

  apply(index: number, command: Uint8Array): ApplyOutcome {
    let cmd: ClusterCommand;
    try {
      cmd = decodeClusterCommand(command);
    } catch {
      return { ok: false, error: 'malformed command (not JSON)' };
    }
    if (typeof cmd !== 'object' || cmd === null || typeof cmd.atMs !== 'number') {
      return { ok: false, error: 'malformed command (no type or time)' };
    }
    const outcome = this.applyCommand(index, cmd);
    if (outcome.ok) {
      this.doc.lastAtMs = Math.max(this.doc.lastAtMs, cmd.atMs);
      this.lastAppliedType = cmd.type;
    }
    return outcome;
  }

  private applyCommand(index: number, cmd: ClusterCommand): ApplyOutcome {
    const d = this.doc;
    switch (cmd.type) {
      case 'apply-config':
        this.keepOrphans(cmd.config);
        d.config = cmd.config;
        d.configFingerprint = cmd.fingerprint;
        d.configVersion++;
        this.event(index, cmd, null, null, `configuration version ${d.configVersion} applied`);
        return { ok: true };
      case 'set-node-flags': {
        const node = this.node(cmd.node);
        if (cmd.standby !== undefined) node.standby = cmd.standby;
        if (cmd.maintenance !== undefined) node.maintenance = cmd.maintenance;
        const flags = [
          node.standby ? 'standby' : 'active',
          node.maintenance ? 'maintenance' : null,
        ];
        this.event(index, cmd, cmd.node, null, `node is ${flags.filter(Boolean).join(', ')}`);
        return { ok: true };
      }
      case 'set-node-attributes':
        this.node(cmd.node).attributes = { ...cmd.attributes };
        return { ok: true };
      case 'add-intent':
        this.addIntent(index, cmd, cmd.intent);
        return { ok: true };
      case 'add-intents':
        if (!Array.isArray(cmd.intents) || cmd.intents.length === 0)
          return { ok: false, error: 'add-intents without intents' };
        for (const intent of cmd.intents) this.addIntent(index, cmd, intent);
        return { ok: true };
      case 'clear-intents': {
        const before = d.intents.length;
        d.intents = d.intents.filter(
          (x) => !(x.resource === cmd.resource && (cmd.node === null || x.node === cmd.node)),
        );
        this.event(
          index,
          cmd,
          cmd.node,
          cmd.resource,
          `${before - d.intents.length} intent(s) cleared`,
        );
        return { ok: true };
      }
      case 'cleanup': {
        let count = 0;
        for (const rec of Object.values(d.resources)) {
          if (rec.resource !== cmd.resource && !rec.resource.startsWith(`${cmd.resource}:`))
            continue;
          if (cmd.node !== null && rec.node !== cmd.node) continue;
          rec.failCount = 0;
          rec.lastFailureMs = null;
          rec.state = 'unknown';
          delete rec.runnable;
          rec.reason = 'cleaned up: to be probed';
          rec.updatedAtMs = cmd.atMs;
          count++;
        }
        this.event(index, cmd, cmd.node, cmd.resource, `cleanup reset ${count} record(s)`);
        return { ok: true };
      }
      case 'set-placement':
        for (const change of cmd.changes) {
          const prev = d.placement[change.resource];
          if (prev !== undefined && prev.node === change.node) continue;
          const generation = (prev?.generation ?? 0) + 1;
          d.placement[change.resource] = { node: change.node, generation };
          if (change.node !== null) {
            // From this order on the instance may be running there, whatever was last seen:
            // `unknown` until the node reports, so a node that dies mid-start holds it
            // (the scheduler never starts elsewhere what may be active on an unclean node).
            // The record takes the order's generation in every case, so a report the node
            // made before it applied this order (stamped older) can no longer overwrite it.
            const key = recordKey(change.resource, change.node);
            const rec = d.resources[key];
            if (rec === undefined || rec.state === 'stopped') {
              d.resources[key] = {
                resource: change.resource,
                node: change.node,
                state: 'unknown',
                failCount: rec?.failCount ?? 0,
                lastFailureMs: rec?.lastFailureMs ?? null,
                generation,
                reason: 'ordered to start; not yet confirmed',
                updatedAtMs: cmd.atMs,
              };
            } else rec.generation = Math.max(rec.generation, generation);
          }
          if (prev?.node != null && prev.node !== change.node) {
            // The node losing the instance may be carrying out its order right now (a start in
            // progress), whatever it reported under that order: its record is no longer
            // `stopped` until it reports under this generation (it confirms with a stop).
            const rec = d.resources[recordKey(change.resource, prev.node)];
            if (rec !== undefined) {
              rec.generation = Math.max(rec.generation, generation);
              if (rec.state === 'stopped') {
                rec.state = 'unknown';
                rec.reason = 'taken off this node; stop not yet confirmed';
                rec.updatedAtMs = cmd.atMs;
              }
            }
          }
          const from = prev?.node ?? 'nowhere';
          this.event(
            index,
            cmd,
            change.node,
            change.resource,
            `placed: ${from} -> ${change.node ?? 'stopped'}`,
          );
        }
        return { ok: true };
      case 'record-state': {
        const key = recordKey(cmd.resource, cmd.node);
        const prev = d.resources[key];
        // Stale: the node observed this before it applied an order that named it since (the
        // proposal was delayed or reordered). Ignored, or a node that has not yet seen its
        // latest order could be recorded `stopped` while it is about to start the instance.
        if (prev !== undefined && cmd.generation < prev.generation) {
          this.event(index, cmd, cmd.node, cmd.resource, `stale report ignored (${cmd.state})`);
          return { ok: true };
        }
        const failCount = (prev?.failCount ?? 0) + (cmd.failed ? 1 : 0);
        // Not installed there: said by a probe, kept by later `stopped` reports that do not
        // say (a re-sent observation), cleared by anything else.
        const runnable = cmd.runnable ?? (cmd.state === 'stopped' ? prev?.runnable : undefined);
        d.resources[key] = {
          resource: cmd.resource,
          node: cmd.node,
          state: cmd.state,
          failCount,
          lastFailureMs: cmd.failed ? cmd.atMs : (prev?.lastFailureMs ?? null),
          generation: cmd.generation,
          reason: cmd.reason,
          updatedAtMs: cmd.atMs,
          ...(runnable === false ? { runnable } : {}),
        };
        if (
          prev?.state !== cmd.state ||
          cmd.failed ||
          (runnable === false) !== (prev?.runnable === false)
        ) {
          const note = cmd.failed
            ? ` (failure ${failCount}: ${cmd.reason})`
            : runnable === false
              ? ` (not installed here: ${cmd.reason})`
              : '';
          this.event(index, cmd, cmd.node, cmd.resource, `${cmd.state}${note}`);
        }
        this.pruneOrphans();
        return { ok: true };
      }
      case 'node-down': {
        for (const rec of Object.values(d.resources)) {
          if (rec.node !== cmd.node) continue;
          // A fence device's word covers everything; an expired lease covers what the node's
          // own stop could end, but not a stop it already reported as failed.
          if (cmd.cause === 'lease-expired' && rec.state === 'stop-failed') continue;
          rec.state = 'stopped';
          rec.reason = cmd.cause === 'fenced' ? 'node fenced' : 'node lease expired';
          rec.updatedAtMs = cmd.atMs;
        }
        if (cmd.cause === 'fenced') this.node(cmd.node).fenced = true;
        this.event(index, cmd, cmd.node, null, `node down (${cmd.cause})`);
        this.pruneOrphans();
        return { ok: true };
      }
      case 'node-up': {
        const node = this.doc.nodes[cmd.node];
        if (node?.fenced !== true) return { ok: true };
        delete node.fenced;
        this.event(index, cmd, cmd.node, null, 'node back after fencing');
        return { ok: true };
      }
      default:
        return {
          ok: false,
          error: `unknown command type ${String((cmd as { type: unknown }).type)}`,
        };
    }
  }

  private addIntent(index: number, cmd: ClusterCommand, i: PlacementIntent): void {
    const d = this.doc;
    d.intents = d.intents.filter(
      (x) => !(x.kind === i.kind && x.resource === i.resource && x.node === i.node),
    );
    d.intents.push({ ...i });
    d.intents.sort(compareIntents);
    const until =
      i.expiresAtMs === null ? 'until cleared' : `until ${new Date(i.expiresAtMs).toISOString()}`;
    this.event(index, cmd, i.node, i.resource, `${i.kind} ${i.resource} on ${i.node} ${until}`);
  }

  private node(id: string): NodeRecord {
    const existing = this.doc.nodes[id];
    if (existing !== undefined) return existing;
    const fresh: NodeRecord = { standby: false, maintenance: false, attributes: {} };
    this.doc.nodes[id] = fresh;
    return fresh;
  }

  /**
   * Before `next` replaces the configuration: keep the definition of every resource it drops
   * that may still run somewhere, so that it can be stopped (an orphan, as Pacemaker says).
   */
  private keepOrphans(next: ClusterConfig): void {
    const d = this.doc;
    const kept = new Set(next.resources.map((r) => r.id));
    const orphans = { ...(d.orphans ?? {}) };
    for (const def of d.config.resources) if (!kept.has(def.id)) orphans[def.id] = def;
    for (const id of Object.keys(orphans)) if (kept.has(id)) delete orphans[id];
    d.orphans = orphans;
    this.pruneOrphans();
  }

  /** Forget orphans no record says may run (instances `<id>` and `<id>:<n>` alike). */
  private pruneOrphans(): void {
    const d = this.doc;
    if (d.orphans === undefined) return;
    const mayRun = new Set<string>();
    for (const r of Object.values(d.resources))
      if (r.state !== 'stopped') mayRun.add(r.resource.replace(/:\d+$/, ''));
    for (const id of Object.keys(d.orphans)) if (!mayRun.has(id)) delete d.orphans[id];
    if (Object.keys(d.orphans).length === 0) delete d.orphans;
  }

  private event(
    index: number,
    cmd: ClusterCommand,
    node: string | null,
    resource: string | null,
    message: string,
  ): void {
    this.doc.events.push({ index, atMs: cmd.atMs, kind: cmd.type, node, resource, message });
    if (this.doc.events.length > EVENTS_MAX)
      this.doc.events.splice(0, this.doc.events.length - EVENTS_MAX);
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.doc));
  }

  restore(data: Uint8Array): void {
    this.doc =
      data.length === 0
        ? emptyClusterState()
        : (JSON.parse(new TextDecoder().decode(data)) as ClusterStateDoc);
  }
}

/** Code-unit order, not locale order: every node must sort identically whatever its LANG. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIntents(a: PlacementIntent, b: PlacementIntent): number {
  return (
    compareStrings(a.resource, b.resource) ||
    compareStrings(a.node, b.node) ||
    compareStrings(a.kind, b.kind)
  );
}
