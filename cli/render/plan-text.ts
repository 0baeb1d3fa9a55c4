import type { PlanView } from '../../agent/src/api/admin-messages.js';

/**
 * A plan as people read it: its summary lines (`Move vip (node1 -> node2)`), or that nothing
 * changes; then what cannot run, and why. Each line indented under `heading`.
 */
export function renderPlan(plan: PlanView | null, heading: string): string {
  const out = [heading];
  const summary = plan?.summary ?? [];
  if (summary.length === 0) out.push('  (no changes: everything runs as declared)');
  for (const line of summary) out.push(`  ${line}`);
  const unplaced = plan?.unplaced ?? [];
  if (unplaced.length > 0) {
    out.push('Cannot run:');
    for (const u of unplaced) out.push(`  ${u.resource}: ${u.reason}`);
  }
  return out.join('\n');
}
