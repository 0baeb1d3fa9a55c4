import type { NodeLiveness } from '../liveness/lease-table.js';
import type { Plan, ResourceNodeStatus, SchedulerInput } from '../scheduler/types.js';
import type { ClusterCommand } from '../state/cluster-commands.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';

/** What the leader knows when it decides: the replicated state plus its own observations. */
export interface DecisionInput {
  doc: Readonly<ClusterStateDoc>;
  /** Every cluster member (Raft voters and learners). */
  members: string[];
  /** The leader's lease verdict per member (missing: never heard of, treated as `suspect`). */
  liveness: Record<string, NodeLiveness>;
  /** Members a fence device confirmed off since they were last seen alive. */
  fenced: string[];
  /** The leader's wall clock, stamped on the commands (the state machine never reads a clock). */
  nowMs: number;
}

/** The leader's decision for this round. */
export interface Decision {
  /** Commands to propose, in order. Empty when nothing needs to change. */
  commands: ClusterCommand[];
  /** The plan the decision followed (for `clusterctl explain` and logs). */
  plan: Plan;
}

/**
 * One round of the leader's control loop (Pacemaker's DC): turn what is known into the next
 * safe step, as commands for the Raft log. Pure, so it is tested by fixtures and driven by the
 * whole-cluster simulation.
 *
 * 1. A member whose lease has surely expired, or that was fenced, and still has records that
 *    are not `stopped` gets a `node-down` command: from then on nothing is believed to run
 *    there. (Until that command commits, the scheduler still sees those records.)
 * 2. The scheduler plans from the state as the log has it (`schedule` is injected).
 * 3. Only the plan's *runnable* actions (nothing in the plan must happen first) become
 *    placement changes: a stop takes the instance off its node; a start puts it on its target.
 *    The next round sees the results the nodes report and releases the next actions. So a
 *    move is stop, reported, then start, and a group starts member by member.
 */
export function decide(input: DecisionInput, schedule: (i: SchedulerInput) => Plan): Decision {
  const { doc, nowMs } = input;
  const commands: ClusterCommand[] = [];
  const records = Object.values(doc.resources);

  for (const node of input.members) {
    const fenced = input.fenced.includes(node);
    if (!fenced && input.liveness[node] !== 'down') continue;
    const stale = records.some((r) => r.node === node && r.state !== 'stopped');
    if (stale)
      commands.push({
        type: 'node-down',
        node,
        cause: fenced ? 'fenced' : 'lease-expired',
        atMs: nowMs,
      });
  }

  const plan = schedule(schedulerInput(input, records));
  const changes: { resource: string; node: string | null }[] = [];
  for (const action of plan.actions) {
    if (action.after.length > 0) continue; // waits for an earlier action's result
    const current = doc.placement[action.resource]?.node ?? null;
    if (action.kind === 'stop' && current === action.node)
      changes.push({ resource: action.resource, node: null });
    if (action.kind === 'start' && current !== action.node)
      changes.push({ resource: action.resource, node: action.node });
  }
  // One order per instance per round (a stop and a start of one instance cannot both be runnable,
  // but be strict: the first wins).
  const seen = new Set<string>();
  const unique = changes.filter((c) => !seen.has(c.resource) && seen.add(c.resource));
  if (unique.length > 0) commands.push({ type: 'set-placement', changes: unique, atMs: nowMs });
  return { commands, plan };
}

/** The scheduler's view: nodes from leases and flags, records from the log. */
function schedulerInput(input: DecisionInput, records: ResourceNodeStatus[]): SchedulerInput {
  const { doc } = input;
  return {
    config: doc.config,
    nodes: input.members.map((id) => {
      const verdict = input.fenced.includes(id) ? 'down' : (input.liveness[id] ?? 'suspect');
      const flags = doc.nodes[id];
      return {
        id,
        online: verdict === 'alive',
        unclean: verdict === 'suspect',
        standby: flags?.standby ?? false,
        maintenance: flags?.maintenance ?? false,
        attributes: flags?.attributes ?? {},
      };
    }),
    status: records.map((r) => ({
      resource: r.resource,
      node: r.node,
      state: stateAfterNodeDown(input, r),
      failCount: r.failCount,
      lastFailureMs: r.lastFailureMs,
    })),
    intents: doc.intents,
    nowMs: input.nowMs,
  };
}

/**
 * A record as it will read once this round's `node-down` commits (the same rule as the state
 * machine's): the scheduler plans this round as if it already had.
 */
function stateAfterNodeDown(
  input: DecisionInput,
  r: ResourceNodeStatus,
): ResourceNodeStatus['state'] {
  if (input.fenced.includes(r.node)) return 'stopped';
  if (input.liveness[r.node] === 'down' && r.state !== 'stop-failed') return 'stopped';
  return r.state;
}
