import test from 'ava';
import fc from 'fast-check';
import { schedule } from '../../agent/src/scheduler/schedule.js';
import { checkPlan, reversed } from './plan-checks.js';
import { buildInput, recipe } from './random-input.js';

// Property tests: random configurations and states (random-input.ts), checked against the
// scheduler's safety promises (plan-checks.ts). A failure prints the shrunk recipe and the
// seed; QUORATE_PROPERTY_RUNS raises the number of runs.

const RUNS = Number(process.env['QUORATE_PROPERTY_RUNS'] ?? 400);

test('plans keep the safety rules on random clusters', (t) => {
  fc.assert(
    fc.property(recipe, (r) => {
      const input = buildInput(r);
      checkPlan(input, schedule(input));
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('plans are deterministic and ignore input order', (t) => {
  fc.assert(
    fc.property(recipe, (r) => {
      const input = buildInput(r);
      const plan = JSON.stringify(schedule(input));
      if (JSON.stringify(schedule(input)) !== plan) throw new Error('two runs differ');
      if (JSON.stringify(schedule(reversed(input))) !== plan) throw new Error('order matters');
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('the scheduler does not modify its input', (t) => {
  fc.assert(
    fc.property(recipe, (r) => {
      const input = buildInput(r);
      const before = JSON.stringify(input);
      schedule(input);
      if (JSON.stringify(input) !== before) throw new Error('input modified');
    }),
    { numRuns: 100 },
  );
  t.pass();
});
