import type { ExplainReply } from '../../agent/src/api/admin-messages.js';
import { intentExpiryText } from './status-text.js';
import { renderTable } from './table.js';
import { clockText } from './time-text.js';

/**
 * An explanation as people read it: the verdict first, then per unit a score table (one row
 * per node, `*` where it is placed, and what the score is made of), then constraints, bans
 * and moves, failures, and the plan's pending steps for it.
 */
export function renderExplanation(e: ExplainReply, nowMs = Date.now()): string {
  const out = [e.verdict];
  for (const u of e.units) {
    out.push('', `SCORES (${u.unit})`);
    out.push(
      renderTable(
        ['node', 'score', 'placed', 'why'],
        u.nodes.map((n) => [n.node, n.scoreText, n.chosen ? '*' : '', n.notes.join('\n')]),
      ),
    );
  }
  const list = (title: string, lines: string[]) => {
    out.push('', title);
    if (lines.length === 0) out.push('  (none)');
    for (const l of lines) out.push(`  ${l}`);
  };
  list('CONSTRAINTS', e.constraints);
  list(
    'BANS AND MOVES',
    e.intents.map(
      (i) =>
        `${i.kind === 'ban' ? 'ban' : 'move (prefer)'} ${i.resource} on ${i.node}, ${intentExpiryText(i, nowMs)}`,
    ),
  );
  list(
    'FAILURES',
    e.failures.map(
      (f) =>
        `${f.resource} on ${f.node}: ${f.failCount} (migration-threshold ${f.migrationThreshold === 0 ? 'none' : f.migrationThreshold}), last ${clockText(f.lastFailureMs)}: ${f.reason}`,
    ),
  );
  list('PENDING', [
    ...e.summary,
    ...e.actions.map(
      (a) =>
        `${a.id} ${a.kind} ${a.resource} on ${a.node}${a.after.length > 0 ? ` after ${a.after.join(',')}` : ''} (${a.reason})`,
    ),
  ]);
  if (e.unplaced.length > 0)
    list(
      'CANNOT RUN',
      e.unplaced.map((u) => `${u.resource}: ${u.reason}`),
    );
  return out.join('\n');
}
