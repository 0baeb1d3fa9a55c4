import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OperationReport } from '../executor/resource-manager.js';
import type { RaftStatus } from '../raft/raft-node.js';
import type { ClusterStateDoc } from '../state/cluster-state.js';
import type { AlertEvent, AlertKind } from './alert-event.js';

/** What the metrics read at scrape time. */
export interface MetricsSource {
  raftStatus(): RaftStatus;
  state(): Readonly<ClusterStateDoc>;
  /** The resource agent (`ocf:heartbeat:IPaddr2`, `systemd:nginx`) of an instance, or "". */
  agentOf(resource: string): string;
}

/** Seconds buckets for resource operations: from a quick monitor to a slow database start. */
const OPERATION_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Resource states a node can report, each a label value of `quorate_resource_state`. */
const RESOURCE_STATES = ['started', 'stopped', 'failed', 'stop-failed', 'unknown'] as const;

/**
 * The agent's Prometheus metrics (names prefixed `quorate_`; list and meaning in
 * docs/observability.md). Raft and resource-state gauges are read from `source` at scrape
 * time, so they are never stale; operation durations, events and alert runs are counted as
 * they happen. Counters count what this agent saw since it started; every agent applies
 * every cluster event, so cluster-wide counts are the max over agents, not the sum.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly operations: Histogram<'op' | 'agent' | 'outcome'>;
  private readonly events: Counter<'kind'>;
  private readonly failovers: Counter;
  private readonly fences: Counter<'result'>;
  private readonly alertRuns: Counter<'kind' | 'result'>;

  constructor(source: MetricsSource, nodeId: string) {
    const registry = this.registry;
    registry.setDefaultLabels({ agent_node: nodeId });
    collectDefaultMetrics({ register: registry, prefix: 'quorate_process_' });
    const raftGauge = (name: string, help: string, read: (s: RaftStatus) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(source.raftStatus()));
        },
      });
    raftGauge('quorate_raft_term', 'Current Raft term', (s) => s.term);
    raftGauge('quorate_raft_commit_index', 'Highest log index known committed', (s) => s.commit);
    raftGauge('quorate_raft_applied_index', 'Highest log index applied here', (s) => s.applied);
    raftGauge('quorate_raft_last_index', 'Last index in the local log', (s) => s.lastIndex);
    raftGauge('quorate_raft_leader', '1 if this agent is the Raft leader, else 0', (s) =>
      s.role === 'leader' ? 1 : 0,
    );
    new Gauge({
      name: 'quorate_raft_follower_lag_entries',
      help: "Leader only: entries between the leader's last index and each follower's match index",
      labelNames: ['follower'],
      registers: [registry],
      collect() {
        this.reset();
        const s = source.raftStatus();
        if (s.role !== 'leader') return;
        for (const [id, p] of Object.entries(s.progress))
          if (id !== s.id) this.set({ follower: id }, Math.max(0, s.lastIndex - p.match));
      },
    });
    new Gauge({
      name: 'quorate_resource_state',
      help: 'Last reported state of each resource instance on each node (1 for the current state)',
      labelNames: ['resource', 'node', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const rec of Object.values(source.state().resources))
          for (const state of RESOURCE_STATES)
            this.set(
              { resource: rec.resource, node: rec.node, state },
              rec.state === state ? 1 : 0,
            );
      },
    });
    new Gauge({
      name: 'quorate_resource_fail_count',
      help: 'Failures of each resource instance on each node since the last cleanup',
      labelNames: ['resource', 'node'],
      registers: [registry],
      collect() {
        this.reset();
        for (const rec of Object.values(source.state().resources))
          this.set({ resource: rec.resource, node: rec.node }, rec.failCount);
      },
    });
    this.operations = new Histogram({
      name: 'quorate_operation_duration_seconds',
      help: 'Resource operations run by this agent, by action, resource agent and outcome',
      labelNames: ['op', 'agent', 'outcome'],
      buckets: OPERATION_BUCKETS_S,
      registers: [registry],
    });
    this.events = new Counter({
      name: 'quorate_events_total',
      help: 'Cluster events applied by this agent since it started, by alert kind',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.failovers = new Counter({
      name: 'quorate_failovers_total',
      help: 'Resources that started on a node other than the one they last ran on',
      registers: [registry],
    });
    this.fences = new Counter({
      name: 'quorate_fence_operations_total',
      help: 'Nodes declared down on a fence device word (result ok); failed fencing (result failed)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.alertRuns = new Counter({
      name: 'quorate_alert_runs_total',
      help: 'Alert script runs by kind and result (ok, failed: non-zero, timed out, dropped)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    });
  }

  /** Count a finished resource operation of this agent, with the agent type from `agent`. */
  observeOperation(report: OperationReport, agent: string): void {
    this.operations.observe(
      { op: report.action, agent, outcome: report.outcome.kind },
      report.durationMs / 1000,
    );
  }

  /** Count a cluster event (and failovers, fences). */
  observeEvent(event: AlertEvent): void {
    this.events.inc({ kind: event.kind });
    if (event.kind === 'failover') this.failovers.inc();
    if (event.kind === 'fence') this.fences.inc({ result: 'ok' });
  }

  /** Count a failed fencing attempt (for the fencer, once wired). */
  observeFenceFailure(): void {
    this.fences.inc({ result: 'failed' });
  }

  /** Count an alert run's end. */
  observeAlertRun(kind: AlertKind, ok: boolean): void {
    this.alertRuns.inc({ kind, result: ok ? 'ok' : 'failed' });
  }
}
