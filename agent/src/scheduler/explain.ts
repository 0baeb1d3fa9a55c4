import { isAllowedScore } from './score-math.js';
import type { WorkModel } from './working-model.js';

/** Most node reasons listed in one explanation; the rest are counted. */
const REASONS_MAX = 8;

/**
 * Why no node can take a unit, node by node, for `Plan.unplaced` and `clusterctl explain`:
 * `node1 is offline; node2: must not run with db (anti-db), which runs here`. Lists at most
 * `REASONS_MAX` nodes, in node order, then how many more.
 */
export function explainNoNode(
  model: WorkModel,
  scores: Float64Array,
  banWhy: readonly (string | undefined)[],
): string {
  if (model.nodes.length === 0) return 'no node can run it: the cluster has no nodes';
  const reasons: string[] = [];
  let more = 0;
  for (const node of model.nodes) {
    let reason: string | null = null;
    if (!node.eligible) reason = node.ineligibleWhy;
    else if (!isAllowedScore(scores[node.index]!)) {
      reason = `${node.id}: ${banWhy[node.index] ?? 'score -INFINITY'}`;
    }
    if (reason === null) continue;
    if (reasons.length < REASONS_MAX) reasons.push(reason);
    else more++;
  }
  const tail = more > 0 ? `; and ${more} more` : '';
  return `no node can run it: ${reasons.join('; ')}${tail}`;
}
