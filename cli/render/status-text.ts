import type { IntentView, StatusReply } from '../../agent/src/api/admin-messages.js';
import { renderTable } from './table.js';
import { clockText, relativeText } from './time-text.js';

/** When a ban or move lapses, in words: `until cleared`, `in 4m59s (2025-06-01 03:04:05)`. */
export function intentExpiryText(intent: IntentView, nowMs: number): string {
  if (intent.expiresAtMs === 0) return 'until cleared';
  if (intent.expired) return `expired ${relativeText(intent.expiresAtMs, nowMs)} (no effect)`;
  return `${relativeText(intent.expiresAtMs, nowMs)} (${clockText(intent.expiresAtMs)})`;
}

/**
 * The status report as a person reads it at 3 a.m.: one header line (cluster, leader, term,
 * configuration version, who answered), warnings first, then nodes, resources, bans and
 * moves (never hidden), and failures. Sections with nothing to show say so in one line.
 */
export function renderStatus(s: StatusReply): string {
  const out: string[] = [];
  const leader = s.leader === '' ? 'NO LEADER' : `leader ${s.leader} (term ${s.term})`;
  const config = s.configVersion === 0 ? 'no configuration' : `config v${s.configVersion}`;
  out.push(`Cluster ${s.clusterId}: ${leader}, ${config}, answered by ${s.answeredBy}`);
  for (const w of s.warnings) out.push(`WARNING: ${w}`);
  out.push('', 'NODES');
  out.push(
    renderTable(
      ['name', 'role', 'liveness', 'standby', 'maintenance', 'resources', 'address'],
      s.nodes.map((n) => [
        n.id,
        n.role,
        n.liveness,
        n.standby ? 'standby' : '',
        n.maintenance ? 'maintenance' : '',
        String(n.resources),
        n.address,
      ]),
    ),
  );
  out.push('', 'RESOURCES');
  if (s.resources.length === 0) out.push('(none configured)');
  else
    out.push(
      renderTable(
        ['name', 'state', 'node', 'target', 'group', 'agent', 'fails', 'gen'],
        s.resources.map((r) => [
          r.id,
          r.targetRole === 'stopped' && r.state === 'stopped' ? 'stopped (target-role)' : r.state,
          r.activeOn.join(','),
          r.target,
          r.group || r.clone,
          r.agent,
          String(r.nodes.reduce((sum, n) => sum + n.failCount, 0)),
          String(r.generation),
        ]),
      ),
    );
  out.push('', 'BANS AND MOVES');
  if (s.intents.length === 0) out.push('(none)');
  else
    out.push(
      renderTable(
        ['kind', 'resource', 'node', 'expires'],
        s.intents.map((i) => [
          i.kind === 'ban' ? 'ban' : 'move (prefer)',
          i.resource,
          i.node,
          intentExpiryText(i, s.nowMs),
        ]),
      ),
    );
  out.push('', 'FAILURES');
  if (s.failures.length === 0) out.push('(none)');
  else
    out.push(
      renderTable(
        ['resource', 'node', 'fails', 'threshold', 'last', 'reason'],
        s.failures.map((f) => [
          f.resource,
          f.node,
          String(f.failCount),
          f.migrationThreshold === 0 ? 'never' : String(f.migrationThreshold),
          f.lastFailureMs === 0 ? '' : relativeText(f.lastFailureMs, s.nowMs),
          f.reason,
        ]),
      ),
    );
  return out.join('\n');
}
