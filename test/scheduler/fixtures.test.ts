import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderPlan } from '../../agent/src/scheduler/render.js';
import { schedule } from '../../agent/src/scheduler/schedule.js';
import type { SchedulerInput } from '../../agent/src/scheduler/types.js';
import { reversed } from './plan-checks.js';

// Scheduler fixtures, in the manner of Pacemaker's cts-scheduler: each
// fixtures/<name>.input.json is a SchedulerInput, and fixtures/<name>.plan.txt is the expected
// plan as rendered by renderPlan, after a header of `# ` lines saying what the case shows and
// why the plan is right. Run with QUORATE_REWRITE=1 to rewrite the plans from the current
// behaviour (headers are kept), then review with `git diff test/scheduler/fixtures/`.
const dir = resolve('test/scheduler/fixtures');
const rewrite = process.env['QUORATE_REWRITE'] === '1';

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();

test('there are fixtures', (t) => {
  t.true(names.length >= 40, `only ${names.length} fixtures`);
});

for (const name of names) {
  test(`fixture ${name}`, (t) => {
    const input = JSON.parse(
      readFileSync(join(dir, `${name}.input.json`), 'utf8'),
    ) as SchedulerInput;
    const planPath = join(dir, `${name}.plan.txt`);
    const previous = existsSync(planPath) ? readFileSync(planPath, 'utf8') : '';
    const lines = previous.split('\n');
    const end = lines.findIndex((line) => !line.startsWith('#'));
    const headerLines = lines.slice(0, end === -1 ? lines.length : end);
    const header = headerLines.map((line) => `${line}\n`).join('');
    const actual = header + renderPlan(schedule(input));
    // The same input, with every array reversed, must give the same plan, byte for byte.
    t.is(
      renderPlan(schedule(reversed(input))),
      actual.slice(header.length),
      'depends on input order',
    );
    if (rewrite) {
      writeFileSync(planPath, actual);
      t.pass();
    } else {
      t.is(actual, previous, `${name} differs; rerun with QUORATE_REWRITE=1 and review the diff`);
    }
  });
}
