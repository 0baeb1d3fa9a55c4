import type { NodeId } from '../../../agent/src/raft/types.js';
import type { InactiveCause, LedgerListener } from './active-ledger.js';

/**
 * Failover times, in simulated real time: from the moment an instance's host dies (power
 * loss: crash, watchdog reset, fence device) while the instance is active there, to the moment
 * it is active again (elsewhere, or on the same host if that came back first). An instance
 * that never comes back yields no sample; the heal checks catch that.
 */
export class FailoverRecorder implements LedgerListener {
  /** Every completed failover, in ms. */
  readonly samplesMs: number[] = [];
  private readonly pending = new Map<string, number>();

  deactivated(instance: string, _node: NodeId, atMs: number, cause: InactiveCause): void {
    if (cause === 'host-down' && !this.pending.has(instance)) this.pending.set(instance, atMs);
  }

  activated(instance: string, _node: NodeId, atMs: number): void {
    const sinceMs = this.pending.get(instance);
    if (sinceMs === undefined) return;
    this.pending.delete(instance);
    this.samplesMs.push(atMs - sinceMs);
  }
}
