import type { SimCluster } from './sim-cluster.js';
import { FaultPhaseActor } from './fault-phase-actor.js';
import type { SimParams } from './sim-params.js';

/** Counters for the run summary. */
export interface OperatorStats {
  transfers: number;
  campaigns: number;
}

/**
 * What an operator does to a running cluster during the fault phase, besides membership:
 * hand leadership to another voter (`transferLeadership`, which makes the target campaign at
 * once and ignore leader leases) or force an election at a follower (`campaign`). Both are
 * legal at any time, so neither may ever break safety.
 */
export class OperatorActions extends FaultPhaseActor {
  readonly stats: OperatorStats = { transfers: 0, campaigns: 0 };

  constructor(cluster: SimCluster, params: SimParams) {
    super(cluster, params, 'operator');
  }

  /** One loop of operator actions. */
  protected startLoops(): void {
    this.every(this.params.operatorGapMsMean, () => this.act());
  }

  private act(): void {
    const nodes = this.cluster.responsiveNodes();
    if (nodes.length === 0) return;
    const leader = nodes.find((n) => n.role === 'leader');
    if (leader !== undefined && this.random.chance(0.7)) {
      const voters = leader.status().confState.voters.filter((id) => id !== leader.id);
      if (voters.length === 0) return;
      const to = this.random.pick(voters);
      this.stats.transfers++;
      this.cluster.trace.log(`OPERATOR transfer leadership ${leader.id} → ${to}`);
      leader.transferLeadership(to);
      return;
    }
    const node = this.random.pick(nodes);
    this.stats.campaigns++;
    this.cluster.trace.log(`OPERATOR campaign at ${node.id}`);
    node.campaign();
  }
}
