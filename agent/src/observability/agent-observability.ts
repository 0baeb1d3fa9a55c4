import { formatAgentRef } from '../config/agent-ref.js';
import type { OperationReport } from '../executor/resource-manager.js';
import type { AlertEvent, AlertKind } from './alert-event.js';
import { AgentMetrics, type MetricsSource } from './agent-metrics.js';
import { AlertRunner, type AlertLogger } from './alert-runner.js';
import { EventTap } from './event-tap.js';
import { serveMetrics, type MetricsServer } from './metrics-server.js';

/** What an agent's observability runs with. */
export interface ObservabilityOptions {
  nodeId: string;
  clusterId: string;
  /** Where to serve /metrics ("host:port"), or null for no endpoint. */
  metricsListen: string | null;
  /** Alert scripts, run for events this agent is responsible for (see below). */
  alertScripts: string[];
  /** Kinds to alert on (default: all). */
  alertKinds?: readonly AlertKind[];
  alertTimeoutMs: number;
  source: Omit<MetricsSource, 'agentOf'>;
  logger: AlertLogger;
  /** How often new cluster events are looked for. */
  pollIntervalMs: number;
}

/** The running observability of one agent. */
export interface AgentObservability {
  metrics: AgentMetrics;
  /** The bound metrics address, or null. */
  metricsAddress: string | null;
  /** Hand every finished resource operation here (the resource manager's report). */
  onOperation(report: OperationReport): void;
  close(): Promise<void>;
}

/**
 * Whether this agent speaks for `event` (logs it as an event line and runs alert scripts):
 * the node an operation ran on for resource events, the leader for cluster decisions
 * (failover, node lost, fence). So each event is logged and alerted once cluster-wide while
 * the cluster is healthy; around a leadership change an event may be reported twice or,
 * if the leader dies with it unseen, not at all (alerts are hooks, not a delivery guarantee).
 */
function speaksFor(event: AlertEvent, nodeId: string, isLeader: boolean): boolean {
  if (event.kind.startsWith('resource-')) return event.node === nodeId;
  return isLeader;
}

/**
 * Wire metrics, the metrics endpoint, the event log and alert hooks for one agent. Polls the
 * applied events every `pollIntervalMs`; everything it starts is bounded and never blocks
 * the agent (see {@link AlertRunner}). Rejects when the metrics address cannot be bound.
 */
export async function startObservability(o: ObservabilityOptions): Promise<AgentObservability> {
  const agentOf = (instance: string): string => {
    const base = instance.replace(/:\d+$/, '');
    const def = o.source.state().config.resources.find((r) => r.id === base);
    return def === undefined ? '' : formatAgentRef(def.agent);
  };
  const metrics = new AgentMetrics({ ...o.source, agentOf }, o.nodeId);
  const alerts = new AlertRunner({
    scripts: o.alertScripts,
    kinds: o.alertKinds,
    timeoutMs: o.alertTimeoutMs,
    concurrencyMax: 4,
    queueMax: 1000,
    clusterId: o.clusterId,
    localNode: o.nodeId,
    logger: o.logger,
    onRunEnd: (kind, ok) => metrics.observeAlertRun(kind, ok),
  });
  const tap = new EventTap(o.source.state);
  const timer = setInterval(() => {
    const isLeader = o.source.raftStatus().role === 'leader';
    for (const event of tap.poll()) {
      metrics.observeEvent(event);
      if (!speaksFor(event, o.nodeId, isLeader)) continue;
      o.logger.info(
        {
          event: event.kind,
          resource: event.resource || undefined,
          onNode: event.node,
          fromNode: event.fromNode || undefined,
          index: event.index,
        },
        event.message,
      );
      alerts.notify(event);
    }
  }, o.pollIntervalMs);
  let server: MetricsServer | null = null;
  if (o.metricsListen !== null) {
    try {
      server = await serveMetrics(o.metricsListen, metrics.registry);
    } catch (err) {
      clearInterval(timer);
      throw new Error(`cannot serve metrics on ${o.metricsListen}: ${String(err)}`, { cause: err });
    }
  }
  return {
    metrics,
    metricsAddress: server?.address ?? null,
    onOperation: (report) => {
      const agent = agentOf(report.resourceId);
      metrics.observeOperation(report, agent);
      // Routine monitor results would flood the log; everything else is one line.
      if (report.action === 'monitor' && report.outcome.kind === 'running') return;
      o.logger.info(
        {
          resource: report.resourceId,
          op: report.action,
          agent,
          outcome: report.outcome.kind,
          rc: report.rc,
          durationMs: Math.round(report.durationMs),
          generation: report.generation,
          reason: report.reason ?? undefined,
        },
        'resource operation finished',
      );
    },
    close: async () => {
      clearInterval(timer);
      alerts.close();
      await server?.close();
    },
  };
}
