import type { NodeId } from '../../../agent/src/raft/types.js';
import type { ResourceState } from '../../../agent/src/scheduler/types.js';
import type { ClusterCommand } from '../../../agent/src/state/cluster-commands.js';
import { recordKey, type ClusterStateDoc } from '../../../agent/src/state/cluster-state.js';

/** One observation of an instance on this node, to be recorded in the log. */
export interface Observation {
  state: ResourceState;
  /** A failure that counts towards migration-threshold. */
  failed: boolean;
  /** The placement generation the node acted on. */
  generation: number;
  reason: string;
}

interface Pending extends Observation {
  /** Agent clock time of the last proposal, or null when not proposed yet. */
  proposedAtMs: number | null;
}

/**
 * How a simulated agent gets what it observes into the log: every operation result and
 * monitor failure is proposed as a `record-state` until the applied state shows it (same
 * state, same or newer generation), again every `retryMs`; and every round it compares its
 * resource manager's view of each instance with the record this node has in the applied
 * state, proposing what the log lost. A proposal may be lost (forwarded to a leader that dies, dropped by the
 * network), so reporting only once per operation could leave a stale record forever; comparing
 * with the applied state makes the log converge to what the node knows. A failure keeps its
 * `failed` flag until the record shows the failed state (a resend may count it twice: the
 * outcome of a lost proposal is unknown).
 */
export class RecordReporter {
  /** Proposals made, for the run summary. */
  proposals = 0;
  private readonly node: NodeId;
  private readonly retryMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly generations = new Map<string, number>();

  constructor(node: NodeId, retryMs: number) {
    this.node = node;
    this.retryMs = retryMs;
  }

  /** An operation or monitor on `instance` found `obs`. */
  observed(instance: string, obs: Observation): void {
    this.generations.set(instance, obs.generation);
    this.pending.set(instance, { ...obs, proposedAtMs: null });
  }

  /**
   * Proposes what the log does not know yet. `propose` returns whether the proposal was
   * accepted (not committed: a refusal is retried on the next round).
   */
  round(
    nowMs: number,
    local: ReadonlyMap<string, ResourceState>,
    busy: ReadonlySet<string>,
    doc: Readonly<ClusterStateDoc>,
    propose: (cmd: ClusterCommand) => boolean,
  ): void {
    for (const [instance, state] of local) {
      if (state === 'unknown' || busy.has(instance)) continue;
      const rec = doc.resources[recordKey(instance, this.node)];
      let p = this.pending.get(instance);
      // Shown, or superseded: the record is newer than the observation (the state machine
      // ignores reports older than the record: an order named this node since).
      if (
        p !== undefined &&
        rec !== undefined &&
        (rec.generation > p.generation || (rec.state === p.state && rec.generation >= p.generation))
      ) {
        this.pending.delete(instance);
        p = undefined;
      }
      if (p === undefined) {
        // Nothing new observed: report only if the log lost or overwrote what we know. An
        // `unknown` record is the leader's word (ordered here and not confirmed yet, or a
        // cleanup): what this node does next reports over it.
        if (rec !== undefined && (rec.state === state || rec.state === 'unknown')) continue;
        const generation = this.generations.get(instance) ?? rec?.generation ?? 0;
        if (rec !== undefined && generation < rec.generation) continue; // would be ignored
        p = {
          state,
          failed: false,
          generation,
          reason: 'the log does not show what this node knows',
          proposedAtMs: null,
        };
        this.pending.set(instance, p);
      }
      if (p.proposedAtMs !== null && nowMs - p.proposedAtMs < this.retryMs) continue;
      const accepted = propose({
        type: 'record-state',
        node: this.node,
        resource: instance,
        state: p.state,
        failed: p.failed,
        generation: p.generation,
        reason: p.reason,
        atMs: nowMs,
      });
      if (accepted) {
        p.proposedAtMs = nowMs;
        this.proposals++;
      }
    }
  }
}
