import type { PlannedAction } from './types.js';

/** Appended to the reason of an action whose ordering cycle was cut. */
export const CYCLE_NOTE = ' (ordering cycle cut here)';

/**
 * Put actions in a topological order of their `after` edges and renumber them, so every
 * `after` refers to an earlier action (the `Plan.actions` contract). Among actions that are
 * ready, the one created first goes first (Kahn's algorithm with a min-heap on the provisional
 * id), so the order is deterministic and close to "probes, stops, starts". `after` lists come
 * out sorted and without duplicates.
 *
 * Order constraints can form a cycle (A then B, B then A). When no action is ready, the
 * earliest remaining one loses its edges to actions not yet placed and is noted in its reason;
 * the plan stays executable rather than deadlocked. O((actions + edges) log actions).
 */
export function orderActions(actions: PlannedAction[]): PlannedAction[] {
  const count = actions.length;
  const indegree = new Int32Array(count);
  let edgeCount = 0;
  for (const action of actions) {
    action.after = uniqueSorted(action.after);
    indegree[action.id] = action.after.length;
    edgeCount += action.after.length;
  }
  const successorStart = new Int32Array(count + 1);
  for (const action of actions) for (const p of action.after) successorStart[p + 1]!++;
  for (let i = 0; i < count; i++) successorStart[i + 1]! += successorStart[i]!;
  const successors = new Int32Array(edgeCount);
  const fill = successorStart.slice(0, count);
  for (const action of actions) for (const p of action.after) successors[fill[p]!++] = action.id;

  const heap = new MinHeap(count);
  for (let i = 0; i < count; i++) if (indegree[i] === 0) heap.push(i);
  const newId = new Int32Array(count).fill(-1);
  const ordered: PlannedAction[] = [];
  let scan = 0;
  while (ordered.length < count) {
    if (heap.size === 0) {
      while (newId[scan] !== -1) scan++;
      const stuck = actions[scan]!;
      stuck.after = stuck.after.filter((p) => newId[p] !== -1);
      stuck.reason += CYCLE_NOTE;
      indegree[scan] = 0;
      heap.push(scan);
    }
    const id = heap.pop();
    if (newId[id] !== -1) continue;
    newId[id] = ordered.length;
    ordered.push(actions[id]!);
    for (let k = successorStart[id]!; k < successorStart[id + 1]!; k++) {
      const s = successors[k]!;
      if (newId[s] !== -1) continue;
      if (--indegree[s]! === 0) heap.push(s);
    }
  }
  for (const action of ordered) {
    action.id = newId[action.id]!;
    if (action.after.length > 0) {
      action.after = action.after.map((p) => newId[p]!).sort((a, b) => a - b);
    }
  }
  return ordered;
}

function uniqueSorted(ids: number[]): number[] {
  if (ids.length < 2) return ids;
  const sorted = ids.sort((a, b) => a - b);
  const out = [sorted[0]!];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) out.push(sorted[i]!);
  return out;
}

/** A binary min-heap of action ids with a fixed capacity. */
class MinHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  push(value: number): void {
    const items = this.items;
    let i = this.size++;
    items[i] = value;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      items[parent] = value;
      i = parent;
    }
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.size]!;
    let i = 0;
    const size = this.size;
    if (size > 0) {
      items[0] = last;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= size) break;
        const right = left + 1;
        const child = right < size && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        items[child] = last;
        i = child;
      }
    }
    return top;
  }
}
