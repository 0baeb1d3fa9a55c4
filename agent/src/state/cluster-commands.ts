import type { ClusterConfig } from '../config/model.js';
import type { PlacementIntent, ResourceState } from '../scheduler/types.js';

/**
 * The commands that change the replicated cluster state, one per Raft log entry. Each carries
 * `atMs`, the proposing leader's wall-clock time: the state machine never reads a clock, so
 * time-based rules (failure-timeout, intent expiry) give the same answer on every node and on
 * replay.
 */
export type ClusterCommand =
  /** Replace the declared configuration (clusterctl apply). */
  | { type: 'apply-config'; config: ClusterConfig; fingerprint: string; atMs: number }
  /** Set or clear a node's standby / maintenance flag (clusterctl node standby ...). */
  | { type: 'set-node-flags'; node: string; standby?: boolean; maintenance?: boolean; atMs: number }
  /** A node's attributes (health metrics, labels) for location rules. */
  | {
      type: 'set-node-attributes';
      node: string;
      attributes: Record<string, string | number>;
      atMs: number;
    }
  /** A ban or move (clusterctl resource ban|move); replaces an intent of the same kind, resource and node. */
  | { type: 'add-intent'; intent: PlacementIntent; atMs: number }
  /**
   * Several bans and moves at once, all or none (clusterctl failover --to: the preference for
   * the target and the ban on the current node must never be seen one without the other).
   * Each replaces an intent of the same kind, resource and node, as `add-intent` does.
   */
  | { type: 'add-intents'; intents: PlacementIntent[]; atMs: number }
  /** Remove intents for a resource (all nodes, or one) (clusterctl resource clear). */
  | { type: 'clear-intents'; resource: string; node: string | null; atMs: number }
  /**
   * Forget failures of a resource (all nodes, or one) so it may run there again, and mark its
   * state unknown so it is probed anew (clusterctl resource cleanup).
   */
  | { type: 'cleanup'; resource: string; node: string | null; atMs: number }
  /**
   * The leader's new target placement for some resource instances. Each change bumps that
   * instance's generation; agents ignore orders with an older generation.
   */
  | { type: 'set-placement'; changes: { resource: string; node: string | null }[]; atMs: number }
  /**
   * What a node's resource manager observed: the state of one instance on that node after an
   * operation, stamped with the placement generation the node acted on. Ignored when older
   * than the generation the record already has (every order that names a node raises its
   * record's generation), so a delayed report never overwrites what a newer order implies.
   */
  | {
      type: 'record-state';
      node: string;
      resource: string;
      state: ResourceState;
      /** Whether this observation is a failure that counts towards migration-threshold. */
      failed: boolean;
      /**
       * False: a probe found the agent not installed on the node (it cannot run there; see
       * `ResourceNodeStatus.runnable`). True: it can. Absent: a `stopped` report keeps what
       * the record knew, any other clears it (the agent ran).
       */
      runnable?: boolean;
      generation: number;
      reason: string;
      atMs: number;
    }
  /**
   * A node is known to run nothing any more: a fence device confirmed it off, or its lease
   * surely expired. Every instance recorded on it becomes `stopped`.
   */
  | { type: 'node-down'; node: string; cause: 'fenced' | 'lease-expired'; atMs: number }
  /**
   * A node a fence device confirmed off renews its lease again (it was powered back on): it
   * is no longer known to be off, so a later silence needs a new fence or lease expiry.
   */
  | { type: 'node-up'; node: string; atMs: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encode a command for a Raft proposal. */
export function encodeClusterCommand(cmd: ClusterCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

/**
 * Decode a command from a log entry. Throws on bytes that are not JSON; the state machine
 * turns that into an error result (identical on every node) rather than a crash.
 */
export function decodeClusterCommand(data: Uint8Array): ClusterCommand {
  return JSON.parse(decoder.decode(data)) as ClusterCommand;
}
