import type { Instance, WorkModel } from './working-model.js';

/**
 * The human summary, one line per instance that changes, in natural id order, in Pacemaker's
 * vocabulary:
 *
 * - `Start vip (node2)`: not running, starts on node2;
 * - `Stop vip (node1)`: stops and does not start again (`Stop vip (node1, node2)` if several);
 * - `Move vip (node1 -> node2)`: stops on node1, then starts on node2; also when node1 is
 *   offline and clean (its stop is implied: the node's lease expired or it was fenced);
 * - `Recover vip (node1)`: failed on node1, stopped and started again there;
 * - `Recover vip (node1 -> node2)`: failed on node1, started on node2;
 * - `Recover vip (node1, node2 -> node2)`: was active on several nodes at once;
 * - `Restart web (node1) due to required db start`: restarted in place because something it
 *   must start after (group predecessor or mandatory order) starts again.
 *
 * Unchanged resources get no line (the placement lists them); held and unplaced resources are
 * listed with reasons in `Plan.unplaced`.
 */
export function summarize(model: WorkModel): string[] {
  const lines: string[] = [];
  for (const instance of model.instances) {
    const line = summaryLine(model, instance);
    if (line !== null) lines.push(line);
  }
  return lines;
}

function summaryLine(model: WorkModel, instance: Instance): string | null {
  const name = (n: number): string => model.nodes[n]!.id;
  const stops = instance.stopNodes;
  const start = instance.startNode;
  if (stops.length === 0 && start < 0) return null;
  if (stops.length === 0) {
    const from = instance.lastKnown[0];
    if (from !== undefined) return `Move ${instance.id} (${name(from)} -> ${name(start)})`;
    return `Start ${instance.id} (${name(start)})`;
  }
  const from = stops.map(name).join(', ');
  if (start < 0) return `Stop ${instance.id} (${from})`;
  if (instance.restartCause !== '') {
    return `Restart ${instance.id} (${name(start)}) due to required ${instance.restartCause} start`;
  }
  if (stops.length > 1) return `Recover ${instance.id} (${from} -> ${name(start)})`;
  if (stops[0] === start) return `Recover ${instance.id} (${name(start)})`;
  const verb = instance.failedOn.includes(stops[0]!) ? 'Recover' : 'Move';
  return `${verb} ${instance.id} (${from} -> ${name(start)})`;
}
