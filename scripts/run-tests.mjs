#!/usr/bin/env node
// The project's test command (`npm test`): compile with tsc (a type error fails the run), run
// every ava test in TAP mode, echo the output, and end with one plain line
// `N passed, N failed, N skipped` that CI reads. Extra arguments are passed to ava.
import { spawnSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('Type check failed: fix the errors above.');
  process.exit(1);
}

const ava = spawn('npx', ['ava', '--tap', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
const lines = createInterface({ input: ava.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  const m = /^# (pass|fail|skip|todo) (\d+)$/.exec(line);
  if (m) counts[m[1]] = Number(m[2]);
});
ava.on('close', (code) => {
  const failed = counts.fail + (code !== 0 && counts.fail === 0 ? 1 : 0);
  console.log(`${counts.pass} passed, ${failed} failed, ${counts.skip + counts.todo} skipped`);
  process.exit(code ?? 1);
});
