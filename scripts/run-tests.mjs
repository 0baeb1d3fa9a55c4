#!/usr/bin/env node
// The project's test command (`npm test`): compile with tsc (a type error fails the run), run
// every ava test in TAP mode, echo the output, and end with one plain line
// `N passed, N failed, N skipped` that CI reads. Extra arguments are passed to ava, which
// then runs once with them.
//
// Without arguments the run has two phases: the tests that run in-process (ava runs a few
// files at once), then those that start real agent processes (test/agent, guard, cli,
// security, observability) and the multi-host scenarios (test/netns), one file at a time.
// Several clusters of real agents at once on a small machine starve them of CPU until their
// leases lapse, which tests the machine, not Quorate.
import { spawnSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('0 passed, 1 failed');
  console.error('Type check failed: fix the errors above.');
  process.exit(1);
}

/** Every `*.test.ts` under `dir`, sorted. */
function testFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };

/** Run ava once with `args`, echoing its TAP output and adding up its counts. */
function runAva(args) {
  return new Promise((resolve) => {
    const ava = spawn('npx', ['ava', '--tap', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const phase = { pass: 0, fail: 0, skip: 0, todo: 0 };
    const lines = createInterface({ input: ava.stdout });
    lines.on('line', (line) => {
      process.stdout.write(line + '\n');
      const m = /^# (pass|fail|skip|todo) (\d+)$/.exec(line);
      if (m) phase[m[1]] = Number(m[2]);
    });
    ava.on('close', (code) => {
      for (const k of Object.keys(counts)) counts[k] += phase[k];
      // A failing exit without failed tests (a crash, an unhandled rejection) is one failure.
      if (code !== 0 && phase.fail === 0) counts.fail += 1;
      resolve(code ?? 1);
    });
  });
}

const extra = process.argv.slice(2);
let failedRuns = 0;
if (extra.length > 0) {
  failedRuns += (await runAva(extra)) === 0 ? 0 : 1;
} else {
  const all = testFiles('test');
  const serialDirs = ['agent', 'guard', 'cli', 'security', 'observability', 'netns'];
  const hosts = all.filter((f) => serialDirs.some((d) => f.startsWith(join('test', d) + '/')));
  const rest = all.filter((f) => !hosts.includes(f));
  failedRuns += (await runAva(rest)) === 0 ? 0 : 1;
  if (hosts.length > 0)
    failedRuns += (await runAva(['--concurrency', '1', ...hosts])) === 0 ? 0 : 1;
}
console.log(`${counts.pass} passed, ${counts.fail} failed, ${counts.skip + counts.todo} skipped`);
process.exit(failedRuns === 0 ? 0 : 1);
