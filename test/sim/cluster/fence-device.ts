import type { NodeId } from '../../../agent/src/raft/types.js';
import type { SimRandom } from '../sim-random.js';
import type { SimScheduler } from '../sim-scheduler.js';
import type { TraceLog } from '../trace-log.js';

/**
 * The fence device (an IPMI/PDU power switch on its own management network, reachable from
 * every host whatever the cluster network does): `fence(node)` powers the host off after a
 * random delay, then confirms to everyone who asked. Requests for a host already being fenced
 * join the one in progress. Every host it powers off loses everything that ran on it.
 */
export class FenceDevice {
  /** Hosts powered off so far. */
  fences = 0;
  private readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  private readonly trace: TraceLog;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly powerOff: (node: NodeId) => void;
  private readonly inProgress = new Map<NodeId, (() => void)[]>();

  constructor(
    scheduler: SimScheduler,
    random: SimRandom,
    trace: TraceLog,
    minMs: number,
    maxMs: number,
    powerOff: (node: NodeId) => void,
  ) {
    this.scheduler = scheduler;
    this.random = random;
    this.trace = trace;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.powerOff = powerOff;
  }

  /** Powers `node` off; `confirmed` runs once it is off. `by` names the requester (trace). */
  fence(node: NodeId, by: NodeId, confirmed: () => void): void {
    const waiting = this.inProgress.get(node);
    if (waiting !== undefined) {
      waiting.push(confirmed);
      return;
    }
    this.inProgress.set(node, [confirmed]);
    const delayMs = this.random.float(this.minMs, Math.max(this.minMs, this.maxMs));
    this.trace.log(`FENCE DEVICE ${node} requested by ${by}, off in ${delayMs.toFixed(0)}ms`);
    this.scheduler.after(delayMs, null, () => {
      const callbacks = this.inProgress.get(node) ?? [];
      this.inProgress.delete(node);
      this.fences++;
      this.trace.log(`FENCE DEVICE ${node} powered off`);
      this.powerOff(node);
      for (const cb of callbacks) cb();
    });
  }
}
