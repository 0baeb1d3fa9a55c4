import { decodeConfChange } from '../../agent/src/raft/conf-change.js';
import type { ConfChange, Entry } from '../../agent/src/raft/types.js';
import { FaultPhaseActor } from './fault-phase-actor.js';
import type { ClusterListener, SimCluster } from './sim-cluster.js';
import type { SimNode } from './sim-node.js';
import type { SimParams } from './sim-params.js';

/** Most voters the driver grows the cluster to. */
const MAX_VOTERS = 5;
/** Fewest voters the driver shrinks the cluster to. */
const MIN_VOTERS = 3;
/** Most nodes the driver adds over a run. */
const MAX_JOINS = 4;
/** Simulated ms a removed node keeps running after its removal committed (to step down). */
const RETIRE_DELAY_MS = 200;

/** Counters for the run summary. */
export interface MembershipStats {
  proposed: number;
  accepted: number;
  committed: number;
}

/**
 * Membership changes during the fault phase, one server at a time, always proposed at the
 * current leader: start a fresh node (ids are never reused) and add it as a learner, promote a
 * caught-up learner to voter, or remove a member (voters stay within 3..5). A removed node is
 * retired (stopped for good) shortly after any node applies its removal, i.e. once it is
 * committed — as an operator would decommission it.
 */
export class MembershipDriver extends FaultPhaseActor implements ClusterListener {
  readonly stats: MembershipStats = { proposed: 0, accepted: 0, committed: 0 };
  private joins = 0;
  private readonly committedIndexes = new Set<number>();
  private nextNodeNumber: number;

  constructor(cluster: SimCluster, params: SimParams) {
    super(cluster, params, 'membership');
    this.nextNodeNumber = params.nodeCount + 1;
  }

  /** One loop of proposals; after {@link stop}, committed removals still retire their node. */
  protected startLoops(): void {
    this.every(this.params.membershipGapMsMean, () => this.proposeOne());
  }

  applied(_node: SimNode, entry: Entry): void {
    if (entry.type !== 'conf-change') return;
    const cc = decodeConfChange(entry.data);
    if (!this.committedIndexes.has(entry.index)) {
      this.committedIndexes.add(entry.index);
      this.stats.committed++;
    }
    if (cc.type !== 'remove-node') return;
    const removed = this.cluster.nodes.get(cc.nodeId);
    if (removed === undefined || removed.retired) return;
    this.cluster.scheduler.after(
      RETIRE_DELAY_MS,
      () => `retire ${cc.nodeId} (removal committed at index ${entry.index})`,
      () => this.cluster.retireNode(removed),
    );
  }

  private proposeOne(): void {
    const leaders = this.cluster.responsiveNodes().filter((n) => n.role === 'leader');
    if (leaders.length === 0) return;
    const leader = leaders.reduce((a, b) => (a.status().term >= b.status().term ? a : b));
    const st = leader.status();
    const { voters, learners } = st.confState;
    const choices: (() => ConfChange | null)[] = [];
    const caughtUp = learners.filter((id) => (st.progress[id]?.match ?? 0) >= st.commit);
    if (caughtUp.length > 0 && voters.length < MAX_VOTERS) {
      choices.push(() => ({ type: 'add-voter', nodeId: this.random.pick(caughtUp) }));
    }
    if (this.joins < MAX_JOINS && voters.length + learners.length < MAX_VOTERS + 1) {
      choices.push(() => {
        const id = `node${this.nextNodeNumber++}`;
        this.joins++;
        this.cluster.addNode(id, null);
        return { type: 'add-learner', nodeId: id };
      });
    }
    if (voters.length > MIN_VOTERS) {
      choices.push(() => ({ type: 'remove-node', nodeId: this.random.pick(voters) }));
    }
    if (learners.length > 0) {
      choices.push(() => ({ type: 'remove-node', nodeId: this.random.pick(learners) }));
    }
    if (choices.length === 0) return;
    const cc = this.random.pick(choices)();
    if (cc === null) return;
    this.stats.proposed++;
    const result = leader.proposeConfChange(cc);
    this.cluster.trace.log(
      () =>
        `MEMBERSHIP propose ${cc.type} ${cc.nodeId} at ${leader.id}: ` +
        (result.ok ? 'accepted' : `refused ${result.error} (${result.reason})`),
    );
    if (result.ok) {
      this.stats.accepted++;
    } else if (cc.type === 'add-learner') {
      // Never became a member: decommission the node we started for it.
      const node = this.cluster.nodes.get(cc.nodeId);
      if (node !== undefined) this.cluster.retireNode(node);
    }
  }
}
