import type { NodeId } from '../../../agent/src/raft/types.js';
import { SimViolation } from '../sim-violation.js';
import { primitiveOf } from './cluster-config.js';

/** Why a process stopped being active. */
export type InactiveCause =
  /** A stop (or its kill escalation) ended it. */
  | 'stopped'
  /** It died on its own (a monitor will find it failed). */
  | 'died'
  /** Its host lost power: a crash, a watchdog reset or a fence device. */
  | 'host-down';

/** Told of every change of the ground truth. */
export interface LedgerListener {
  activated?(instance: string, node: NodeId, atMs: number): void;
  deactivated?(instance: string, node: NodeId, atMs: number, cause: InactiveCause): void;
}

/**
 * The ground truth of the whole-cluster simulation: which resource instance is ACTIVE on which
 * host, in simulated real time, whatever any agent believes. It is also THE safety observer:
 * the moment a process becomes active it checks
 *
 * - `never-active-twice`: no other host has the same instance (a primitive, or one clone
 *   instance `<primitive>:<n>`) active;
 * - `clone-instances-apart`: no other instance of the same cloned primitive is active on the
 *   same host;
 * - `anti-affinity`: the other primitive of a -INFINITY colocation pair is not active on the
 *   same host.
 *
 * Activity only begins at activation events, so checking there covers every instant.
 */
export class ActiveLedger {
  /** Activations so far. */
  activations = 0;
  /** Simulated time of the last activation or deactivation. */
  lastChangeMs = 0;
  readonly listeners: LedgerListener[] = [];
  private readonly cloned: ReadonlySet<string>;
  private readonly apart: ReadonlyMap<string, readonly string[]>;
  /** instance → node → active since (ms). */
  private readonly byInstance = new Map<string, Map<NodeId, number>>();
  /** node → cloned primitive → instances active there. */
  private readonly clonesByNode = new Map<NodeId, Map<string, Set<string>>>();

  /**
   * @param clonedPrimitives primitives whose instances are clone instances.
   * @param apartPairs primitives that must never be active on the same host.
   */
  constructor(
    clonedPrimitives: ReadonlySet<string>,
    apartPairs: readonly (readonly [string, string])[] = [],
  ) {
    this.cloned = clonedPrimitives;
    const apart = new Map<string, string[]>();
    for (const [a, b] of apartPairs) {
      apart.set(a, [...(apart.get(a) ?? []), b]);
      apart.set(b, [...(apart.get(b) ?? []), a]);
    }
    this.apart = apart;
  }

  /** `instance` became active on `node` at `atMs`; throws when that breaks an invariant. */
  activated(instance: string, node: NodeId, atMs: number): void {
    let nodes = this.byInstance.get(instance);
    if (nodes === undefined) {
      nodes = new Map();
      this.byInstance.set(instance, nodes);
    }
    if (nodes.has(node)) return;
    for (const [other, sinceMs] of nodes) {
      throw new SimViolation(
        'never-active-twice',
        `${instance} became active on ${node} at ${fmt(atMs)} while active on ${other} ` +
          `since ${fmt(sinceMs)}`,
      );
    }
    for (const other of this.apart.get(instance) ?? []) {
      const sinceMs = this.byInstance.get(other)?.get(node);
      if (sinceMs === undefined) continue;
      throw new SimViolation(
        'anti-affinity',
        `${instance} became active on ${node} at ${fmt(atMs)} while ${other}, which must ` +
          `never share its node, is active there since ${fmt(sinceMs)}`,
      );
    }
    const primitive = primitiveOf(instance);
    if (this.cloned.has(primitive)) {
      let perNode = this.clonesByNode.get(node);
      if (perNode === undefined) {
        perNode = new Map();
        this.clonesByNode.set(node, perNode);
      }
      let set = perNode.get(primitive);
      if (set === undefined) {
        set = new Set();
        perNode.set(primitive, set);
      }
      for (const other of set) {
        const sinceMs = this.byInstance.get(other)?.get(node) ?? NaN;
        throw new SimViolation(
          'clone-instances-apart',
          `${instance} became active on ${node} at ${fmt(atMs)} while ${other} of the same ` +
            `clone is active there since ${fmt(sinceMs)}`,
        );
      }
      set.add(instance);
    }
    nodes.set(node, atMs);
    this.activations++;
    this.lastChangeMs = atMs;
    for (const l of this.listeners) l.activated?.(instance, node, atMs);
  }

  /** `instance` stopped being active on `node` (no-op when it was not active). */
  deactivated(instance: string, node: NodeId, atMs: number, cause: InactiveCause): void {
    const nodes = this.byInstance.get(instance);
    if (nodes === undefined || !nodes.delete(node)) return;
    this.clonesByNode.get(node)?.get(primitiveOf(instance))?.delete(instance);
    this.lastChangeMs = atMs;
    for (const l of this.listeners) l.deactivated?.(instance, node, atMs, cause);
  }

  /** Whether `instance` is active on `node`. */
  isActive(instance: string, node: NodeId): boolean {
    return this.byInstance.get(instance)?.has(node) ?? false;
  }

  /** The nodes where `instance` is active. */
  activeNodes(instance: string): NodeId[] {
    return [...(this.byInstance.get(instance)?.keys() ?? [])];
  }

  /** Every instance active on `node`. */
  activeOn(node: NodeId): string[] {
    const out: string[] = [];
    for (const [instance, nodes] of this.byInstance) if (nodes.has(node)) out.push(instance);
    return out.sort();
  }
}

function fmt(ms: number): string {
  return `${ms.toFixed(3)}ms`;
}
