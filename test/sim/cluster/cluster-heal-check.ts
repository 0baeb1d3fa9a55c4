import { recordKey } from '../../../agent/src/state/cluster-state.js';
import { SimViolation } from '../sim-violation.js';
import type { ClusterWorld } from './cluster-world.js';
import type { OperatorWorkload } from './operator-workload.js';

/** How often the heal phase looks at the cluster (simulated ms). */
const POLL_MS = 100;
/** After the activity bound, how much longer the cluster may take to stop changing. */
const CHURN_ALLOWANCE_MS = 10_000;

/**
 * The liveness checks of the heal phase (network healed and calm, every host up, every agent
 * running, resources well-behaved, the operator has cleared intents, standby and failures):
 *
 * 1. `liveness-placement`: within `healActiveBoundMs` of the heal start, every configured
 *    instance is ACTIVE on some host (ground truth, not what the log says).
 * 2. `liveness-churn`: then nothing changes for `quietMs` (no activation, no stop, no placement
 *    change), and every agent has applied the same log index, holds the same placement and
 *    has applied every acknowledged command, all within `CHURN_ALLOWANCE_MS` more.
 * 3. `acknowledged-lost`: every acknowledged operator command is committed at the index it
 *    was acknowledged at.
 *
 * {@link done} turns true when all hold.
 */
export class ClusterHealCheck {
  /** Every check passed. */
  done = false;
  /** When everything was first active (ms after the heal start), or null. */
  activeAfterMs: number | null = null;
  /** When the cluster was active, quiet and converged (ms after the heal start), or null. */
  settledAfterMs: number | null = null;
  private readonly world: ClusterWorld;
  private readonly operator: OperatorWorkload;
  private readonly expected: string[];
  private readonly startMs: number;

  constructor(world: ClusterWorld, operator: OperatorWorkload, expected: string[]) {
    this.world = world;
    this.operator = operator;
    this.expected = expected;
    this.startMs = world.scheduler.nowMs;
  }

  /** Starts polling. */
  start(): void {
    this.world.scheduler.after(POLL_MS, null, () => this.poll());
  }

  private poll(): void {
    const w = this.world;
    const p = w.params;
    const now = w.scheduler.nowMs;
    const elapsedMs = now - this.startMs;
    const missing = this.expected.filter((i) => w.ledger.activeNodes(i).length === 0);
    if (missing.length === 0 && this.activeAfterMs === null) {
      this.activeAfterMs = elapsedMs;
      w.trace.log(`HEAL everything active after ${elapsedMs.toFixed(0)}ms`);
    }
    if (missing.length > 0 && elapsedMs > p.healActiveBoundMs) {
      throw new SimViolation(
        'liveness-placement',
        `${missing.join(', ')} not active anywhere ${p.healActiveBoundMs}ms after the heal ` +
          `started: ${this.describe(missing)}`,
      );
    }
    const lastChangeMs = Math.max(w.ledger.lastChangeMs, w.lastPlacementChangeMs, this.startMs);
    const quiet = now - lastChangeMs >= p.quietMs;
    if (missing.length === 0 && quiet && this.operator.settled && this.converged()) {
      this.checkAcknowledged();
      this.settledAfterMs = elapsedMs;
      this.done = true;
      w.trace.log(`HEAL settled after ${elapsedMs.toFixed(0)}ms`);
      return;
    }
    if (elapsedMs > p.healActiveBoundMs + CHURN_ALLOWANCE_MS) {
      throw new SimViolation(
        'liveness-churn',
        `no steady state ${p.healActiveBoundMs + CHURN_ALLOWANCE_MS}ms after the heal started ` +
          `(last change at ${lastChangeMs.toFixed(0)}ms, operator ${this.operator.settled ? 'settled' : 'not settled'}): ` +
          this.describe(this.expected),
      );
    }
    w.scheduler.after(POLL_MS, null, () => this.poll());
  }

  /** Every agent runs, applied the same index (and every acknowledged command), same placement. */
  private converged(): boolean {
    const now = this.world.scheduler.nowMs;
    let index: number | null = null;
    let placement: string | null = null;
    for (const h of this.world.hosts.values()) {
      if (!h.responsive(now)) return false;
      const a = h.agent!;
      if (index === null) index = a.raft.appliedIndex;
      else if (a.raft.appliedIndex !== index) return false;
      const p = JSON.stringify(a.raft.state.state.placement);
      if (placement === null) placement = p;
      else if (p !== placement) return false;
    }
    return index !== null && index >= this.operator.maxAckedIndex;
  }

  private checkAcknowledged(): void {
    for (const a of this.operator.acked) {
      const c = this.world.observers.committed.at(a.index);
      if (c === undefined || !c.content.includes(a.requestId)) {
        throw new SimViolation(
          'acknowledged-lost',
          `${a.what} (${a.requestId}) was acknowledged at index ${a.index} but index ${a.index} ` +
            `holds ${c === undefined ? 'nothing known committed' : `another entry (term ${c.term})`}`,
        );
      }
    }
  }

  /** Where each instance is placed, recorded and active, and how each host is doing. */
  private describe(instances: string[]): string {
    const w = this.world;
    const now = w.scheduler.nowMs;
    let doc = null;
    let best = -1;
    for (const h of w.hosts.values()) {
      if (h.agent !== null && h.agent.raft.appliedIndex > best) {
        best = h.agent.raft.appliedIndex;
        doc = h.agent.raft.state.state;
      }
    }
    const parts: string[] = [];
    for (const i of instances) {
      const placed = doc?.placement[i];
      const recs = [...w.hosts.keys()]
        .map((n) => {
          const r = doc?.resources[recordKey(i, n)];
          return r === undefined ? null : `${n}:${r.state}/f${r.failCount}/g${r.generation}`;
        })
        .filter((s) => s !== null);
      parts.push(
        `${i} placed=${placed === undefined ? '-' : `${placed.node ?? '∅'}/g${placed.generation}`} ` +
          `records=[${recs.join(' ')}] active=[${w.ledger.activeNodes(i).join(',')}]`,
      );
    }
    for (const h of w.hosts.values()) {
      const d = h.agent?.previewDecision() ?? null;
      if (d === null) continue;
      const wanted = new Set(instances);
      const unplaced = d.plan.unplaced.filter((u) => wanted.has(u.resource));
      const actions = d.plan.actions.filter((a) => wanted.has(a.resource));
      parts.push(
        `leader ${h.id} would propose [${d.commands.map((c) => c.type).join(',')}], plans ` +
          `[${actions.map((a) => `${a.kind} ${a.resource}@${a.node}${a.after.length > 0 ? ` after ${a.after.join(',')}` : ''}`).join('; ')}], ` +
          `unplaced [${unplaced.map((u) => `${u.resource}: ${u.reason}`).join('; ')}]`,
      );
    }
    for (const h of w.hosts.values()) {
      if (!h.powered) parts.push(`${h.id}=off`);
      else if (h.agent === null) parts.push(`${h.id}=no agent`);
      else {
        const st = h.agent.raft.status();
        parts.push(
          `${h.id}=${st.role}/t${st.term} leader=${st.leader ?? '-'} applied=${h.agent.raft.appliedIndex} ` +
            `lease=${h.agent.leaseState()}${h.agent.pausedUntilMs > now ? ' PAUSED' : ''}`,
        );
      }
    }
    return parts.join('; ');
  }
}
