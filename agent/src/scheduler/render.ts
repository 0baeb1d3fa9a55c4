import { formatScore } from './score-math.js';
import type { Plan } from './types.js';

/**
 * A plan as stable text, for fixtures (`test/scheduler/fixtures/*.plan.txt`) and for
 * `clusterctl` (what `crm_simulate` prints for Pacemaker). Sections, each always present
 * (`(none)` when empty):
 *
 * ```
 * Summary:
 *   Move vip (node1 -> node2)
 * Actions:
 *   0 stop vip on node1 (node1 is in standby)
 *   1 start vip on node2 after 0 (placed here (score 0))
 * Unplaced:
 *   db: target-role is stopped
 * Placement:
 *   db: -
 *   vip: node2
 * Scores:
 *   vip: node1=-INFINITY node2=0
 * ```
 *
 * Everything keeps the plan's own order (natural id order); only `Scores` can be left out
 * (`scores: false`), for large plans.
 */
export function renderPlan(plan: Plan, options: { scores?: boolean } = {}): string {
  const out: string[] = [];
  section(out, 'Summary', plan.summary);
  section(
    out,
    'Actions',
    plan.actions.map((a) => {
      const after = a.after.length > 0 ? ` after ${a.after.join(',')}` : '';
      return `${a.id} ${a.kind} ${a.resource} on ${a.node}${after} (${a.reason})`;
    }),
  );
  section(
    out,
    'Unplaced',
    plan.unplaced.map((u) => `${u.resource}: ${u.reason}`),
  );
  section(
    out,
    'Placement',
    Object.entries(plan.placement).map(([resource, node]) => `${resource}: ${node ?? '-'}`),
  );
  if (options.scores !== false) {
    section(
      out,
      'Scores',
      Object.entries(plan.scores).map(
        ([unit, byNode]) =>
          `${unit}: ${Object.entries(byNode)
            .map(([node, score]) => `${node}=${formatScore(score)}`)
            .join(' ')}`,
      ),
    );
  }
  return out.join('\n') + '\n';
}

function section(out: string[], title: string, lines: readonly string[]): void {
  out.push(`${title}:`);
  if (lines.length === 0) out.push('  (none)');
  for (const line of lines) out.push(`  ${line}`);
}
