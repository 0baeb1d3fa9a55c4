import test from 'ava';
import { INFINITY } from '../../agent/src/config/model.js';
import { CYCLE_NOTE, orderActions } from '../../agent/src/scheduler/action-order.js';
import { compareNatural } from '../../agent/src/scheduler/natural-order.js';
import { ruleMatches } from '../../agent/src/scheduler/rules.js';
import {
  addScore,
  formatScore,
  resolveScore,
  toInternalScore,
} from '../../agent/src/scheduler/score-math.js';
import type { PlannedAction } from '../../agent/src/scheduler/types.js';

// Unit tests of the scheduler's small building blocks; the fixtures and property tests cover
// the pipeline as a whole.

test('natural order compares digit runs by value and is total', (t) => {
  const ids = ['node10', 'node2', 'node1', 'web:10', 'web:2', 'n01', 'n1', 'a', 'a1', 'b'];
  t.deepEqual([...ids].sort(compareNatural), [
    'a',
    'a1',
    'b',
    'n01',
    'n1',
    'node1',
    'node2',
    'node10',
    'web:2',
    'web:10',
  ]);
  for (const x of ids) {
    for (const y of ids) {
      t.is(Math.sign(compareNatural(x, y)) + Math.sign(compareNatural(y, x)), 0, `${x} ${y}`);
      if (x !== y) t.not(compareNatural(x, y), 0);
    }
  }
});

test('rules compare numbers as numbers, text as text, and handle missing attributes', (t) => {
  const attributes = { load: '20', rack: 'b', cores: 8 };
  t.true(ruleMatches({ attribute: 'load', op: 'lt', value: 100 }, attributes));
  t.true(ruleMatches({ attribute: 'cores', op: 'gte', value: '8' }, attributes));
  t.true(ruleMatches({ attribute: 'rack', op: 'gt', value: 'a' }, attributes));
  t.false(ruleMatches({ attribute: 'missing', op: 'eq', value: 1 }, attributes));
  t.true(ruleMatches({ attribute: 'missing', op: 'ne', value: 1 }, attributes));
  t.false(ruleMatches({ attribute: 'missing', op: 'lt', value: 1 }, attributes));
  t.true(ruleMatches({ attribute: 'missing', op: 'not-defined' }, attributes));
  t.true(ruleMatches({ attribute: 'rack', op: 'defined' }, attributes));
});

test('score sums saturate, a ban wins, and the order of terms does not matter', (t) => {
  const terms = [600_000, 600_000, -900_000, toInternalScore(INFINITY), 5].map(toInternalScore);
  const forward = terms.reduce(addScore, 0);
  const backward = [...terms].reverse().reduce(addScore, 0);
  t.is(resolveScore(forward), INFINITY);
  t.is(resolveScore(backward), INFINITY);
  t.is(resolveScore([...terms, -INFINITY].map(toInternalScore).reduce(addScore, 0)), -INFINITY);
  t.is(resolveScore(addScore(600_000, 600_000)), INFINITY);
  t.is(formatScore(-INFINITY), '-INFINITY');
  t.is(formatScore(-5), '-5');
});

function action(id: number, after: number[]): PlannedAction {
  return { id, kind: 'start', resource: `r${id}`, node: 'node1', after, reason: 'x' };
}

test('actions come out in a topological order, renumbered', (t) => {
  const ordered = orderActions([action(0, [2]), action(1, []), action(2, [1])]);
  t.deepEqual(
    ordered.map((a) => [a.resource, a.id, a.after]),
    [
      ['r1', 0, []],
      ['r2', 1, [0]],
      ['r0', 2, [1]],
    ],
  );
});

test('an ordering cycle is cut at its earliest action, which says so', (t) => {
  // r2 is ready at once; then nothing is, so r0 (the earliest left) loses its edge to r1.
  const ordered = orderActions([action(0, [1]), action(1, [0]), action(2, [])]);
  t.deepEqual(
    ordered.map((a) => [a.resource, a.after]),
    [
      ['r2', []],
      ['r0', []],
      ['r1', [1]],
    ],
  );
  t.true(ordered[1]!.reason.endsWith(CYCLE_NOTE));
  t.false(ordered[2]!.reason.endsWith(CYCLE_NOTE));
  for (const a of ordered) for (const p of a.after) t.true(p < a.id);
});
