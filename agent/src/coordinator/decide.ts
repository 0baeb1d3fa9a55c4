import type { NodeLiveness } from '../liveness/lease-table.js';
import type { Plan, ResourceNodeStatus, SchedulerInput } from '../scheduler/types.js';
import type { ClusterCommand } from '../state/cluster-commands.js';
import { shouldFence, type FenceDecision } from '../fencing/fence-policy.js';
import { StartGate } from './start-gate.js';
import { recordKey, type ClusterStateDoc, type ResourceRecord } from '../state/cluster-state.js';

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
  /** The leader itself (never fenced by its own decision). */
  self?: string;
  /**
   * Since when (leader clock, the same as `nowMs`) each member has not been `alive`, kept by
   * the leader while the member stays `suspect` or `down`. Only fencing uses it.
   */
  suspectSinceMs?: Record<string, number>;
  /** Grace before a silent member is fenced (default `DEFAULT_SUSPECT_FENCE_DELAY_MS`). */
  suspectFenceDelayMs?: number;
  /**
   * How long each silent member's agent had been up at its last request (missing: unknown);
   * one that had only just started gets a longer grace (`fenceDelayMs`).
   */
  upBeforeSilenceMs?: Record<string, number>;
}

/** A member the leader should have a fence device power off now, and why. */
export interface FenceRequestDecision {
  node: string;
  reason: Extract<FenceDecision, { fence: true }>['reason'];
  detail: string;
}

/** The leader's decision for this round. */
export interface Decision {
  /** Commands to propose, in order. Empty when nothing needs to change. */
  commands: ClusterCommand[];
  /** The plan the decision followed (for `clusterctl explain` and logs). */
  plan: Plan;
  /**
   * Members to fence now (fencing enabled only): a member silent for longer than the grace,
   * or with a `stop-failed` record. The leader hands them to its fencer; once a device
   * confirms one off, the next round gets it in `fenced` and declares it down.
   */
  fence: FenceRequestDecision[];
  /**
   * Members this decision treated as running nothing (lease surely over, or fenced by this
   * leader or, per the log, an earlier one): none of them may get a lease grant before the
   * decision is committed (`LeaseTable.holdGrants`).
   */
  gone: string[];
}

/**
 * One round of the leader's control loop (Pacemaker's DC): turn what is known into the next
 * safe step, as commands for the Raft log. Pure, so it is tested by fixtures and driven by the
 * whole-cluster simulation.
 *
 * 1. A member whose lease has surely expired, or that was fenced, and still has records that
 *    are not `stopped` gets a `node-down` command: from then on nothing is believed to run
 *    there. (Until that command commits, the scheduler still sees those records.) With
 *    fencing enabled only the fence device's word counts: an expired lease proves nothing
 *    about an agent that crashed or stalled with its resources still running (the gap
 *    docs/safety.md admits without fencing), so such a member stays `suspect` until fenced.
 * 2. The scheduler plans from the state as the log has it (`schedule` is injected).
 * 3. Only the plan's *runnable* actions (nothing in the plan must happen first) become
 *    placement changes: a stop takes the instance off its node; a start puts it on its target.
 *    The next round sees the results the nodes report and releases the next actions. So a
 *    move is stop, reported, then start, and a group starts member by member.
 *
 * A placement is an order its node may be carrying out at any moment, whatever its record
 * says (a start in progress, or about to begin). So:
 *
 * - the scheduler sees an instance placed on a node that is not down as possibly active there
 *   (`unknown`, unless the record says more);
 * - a start never moves an instance straight off a node that is not down: it is taken off
 *   first (placement null, the node stops it), and the start follows in a later round;
 * - a start is committed only once no other node may still be running the instance, and the
 *   target runs nothing that must never share its node (start-gate.ts).
 */
export function decide(raw: DecisionInput, schedule: (i: SchedulerInput) => Plan): Decision {
  // Confirmed off: by this leader's fencer, or (recorded in the log) by an earlier leader's,
  // and not seen alive since.
  const fenced = new Set(raw.fenced);
  const commands: ClusterCommand[] = [];
  for (const node of raw.members) {
    if (raw.doc.nodes[node]?.fenced !== true) continue;
    if (raw.liveness[node] === 'alive') {
      fenced.delete(node);
      commands.push({ type: 'node-up', node, atMs: raw.nowMs });
    } else fenced.add(node);
  }
  const input = withFencingRule({ ...raw, fenced: [...fenced].sort() });
  const { doc, nowMs } = input;
  const gone = (node: string) => fenced.has(node) || input.liveness[node] === 'down';
  const records = Object.values(doc.resources);

  const notStopped = new Set<string>();
  const stopFailed = new Set<string>();
  // Nodes with a record an expired lease would change (it leaves `stop-failed` ones alone, so
  // those alone must not bring the same node-down round after round).
  const leaseExpiryChanges = new Set<string>();
  for (const r of records) {
    if (r.state !== 'stopped') notStopped.add(r.node);
    if (r.state === 'stop-failed') stopFailed.add(r.node);
    else if (r.state !== 'stopped') leaseExpiryChanges.add(r.node);
  }
  for (const node of input.members) {
    if (!gone(node)) continue;
    const unrecordedFence = fenced.has(node) && doc.nodes[node]?.fenced !== true;
    const changes = fenced.has(node) ? notStopped.has(node) : leaseExpiryChanges.has(node);
    if (!changes && !unrecordedFence) continue;
    commands.push({
      type: 'node-down',
      node,
      cause: fenced.has(node) ? 'fenced' : 'lease-expired',
      atMs: nowMs,
    });
  }

  const plan = schedule(schedulerInput(input, records, fenced));
  const gate = new StartGate(doc, input.members, gone);
  const changes: { resource: string; node: string | null }[] = [];
  for (const action of plan.actions) {
    if (action.after.length > 0) continue; // waits for an earlier action's result
    const current = doc.placement[action.resource]?.node ?? null;
    if (action.kind === 'stop' && current === action.node)
      changes.push({ resource: action.resource, node: null });
    if (action.kind !== 'start' || current === action.node) continue;
    if (current !== null && !gone(current)) changes.push({ resource: action.resource, node: null });
    else if (gate.startIsSafe(action.resource, action.node))
      changes.push({ resource: action.resource, node: action.node });
  }
  // One order per instance per round (a stop and a start of one instance cannot both be runnable,
  // but be strict: the first wins).
  const seen = new Set<string>();
  const unique = changes.filter((c) => !seen.has(c.resource) && seen.add(c.resource));
  if (unique.length > 0) commands.push({ type: 'set-placement', changes: unique, atMs: nowMs });

  const fence: FenceRequestDecision[] = [];
  for (const node of input.members) {
    if (fenced.has(node) || node === input.self) continue;
    const since = raw.liveness[node] === 'alive' ? null : (input.suspectSinceMs?.[node] ?? null);
    const verdict = shouldFence(node, nowMs, {
      fencingEnabled: doc.config.properties.fencingEnabled,
      suspectSinceMs: since,
      stopFailedOnNode: stopFailed.has(node),
      ...(input.suspectFenceDelayMs !== undefined
        ? { suspectDelayMs: input.suspectFenceDelayMs }
        : {}),
      upBeforeSilenceMs: since === null ? null : (input.upBeforeSilenceMs?.[node] ?? null),
    });
    if (verdict.fence) fence.push({ node, reason: verdict.reason, detail: verdict.detail });
  }
  return { commands, plan, fence, gone: input.members.filter(gone) };
}

/** With fencing enabled, a member not fenced is never `down`: at worst `suspect`. */
function withFencingRule(input: DecisionInput): DecisionInput {
  if (!input.doc.config.properties.fencingEnabled) return input;
  const liveness: Record<string, NodeLiveness> = {};
  for (const [node, verdict] of Object.entries(input.liveness))
    liveness[node] = verdict === 'down' && !input.fenced.includes(node) ? 'suspect' : verdict;
  return { ...input, liveness };
}

/** The scheduler's view: nodes from leases and flags, records from the log. */
function schedulerInput(
  input: DecisionInput,
  records: ResourceRecord[],
  fenced: ReadonlySet<string>,
): SchedulerInput {
  const { doc } = input;
  // A node that is not down may be carrying out its latest order: an instance placed there is
  // possibly active there, whatever was last reported.
  const live = (node: string) => !fenced.has(node) && input.liveness[node] !== 'down';
  const status = records.map((r) => {
    let state = stateAfterNodeDown(input, r, fenced);
    if (state === 'stopped' && doc.placement[r.resource]?.node === r.node && live(r.node))
      state = 'unknown';
    return {
      resource: r.resource,
      node: r.node,
      state,
      failCount: r.failCount,
      lastFailureMs: r.lastFailureMs,
      ...(r.runnable === false ? { runnable: false } : {}),
    };
  });
  const byKey = new Set(status.map((s) => recordKey(s.resource, s.node)));
  for (const [resource, placed] of Object.entries(doc.placement)) {
    const node = placed.node;
    if (node !== null && live(node) && !byKey.has(recordKey(resource, node)))
      status.push({ resource, node, state: 'unknown', failCount: 0, lastFailureMs: null });
  }
  return {
    config: doc.config,
    nodes: input.members.map((id) => {
      const verdict = fenced.has(id) ? 'down' : (input.liveness[id] ?? 'suspect');
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
    status,
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
  fenced: ReadonlySet<string>,
): ResourceNodeStatus['state'] {
  if (fenced.has(r.node)) return 'stopped';
  if (input.liveness[r.node] === 'down' && r.state !== 'stop-failed') return 'stopped';
  return r.state;
}
