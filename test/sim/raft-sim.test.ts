import test from 'ava';
import { runSimulation } from './raft-sim.js';
import { replayCommand } from './replay-command.js';
import { DEFAULT_SIM_OPTIONS } from './sim-params.js';

// The whole-cluster simulation over a fixed range of seeds, with the same options as
// `npm run sim`, so a failing seed's replay command reproduces it exactly. Seeds run in
// chunks so progress shows and no single test runs for long.
const FIRST_SEED = 1;
const SEED_COUNT = 500;
const CHUNK = 50;

for (let from = FIRST_SEED; from < FIRST_SEED + SEED_COUNT; from += CHUNK) {
  const to = Math.min(from + CHUNK, FIRST_SEED + SEED_COUNT) - 1;
  test.serial(`seeds ${from}..${to} keep every invariant`, (t) => {
    const failures: string[] = [];
    for (let seed = from; seed <= to; seed++) {
      const r = runSimulation(seed, DEFAULT_SIM_OPTIONS);
      if (r.violation !== null) {
        failures.push(
          `seed ${seed}: ${r.violation.message}\n${replayCommand(seed, DEFAULT_SIM_OPTIONS)}`,
        );
      }
    }
    t.is(failures.length, 0, failures.join('\n'));
  });
}

// Lease-based reads (with a driver that catches up missed ticks, as the agent's does) over
// a second range: stale reads after leader pauses are what this mode can get wrong.
test.serial('seeds 7701..7900 with lease-based reads keep every invariant', (t) => {
  const options = { ...DEFAULT_SIM_OPTIONS, leaseReads: true };
  const failures: string[] = [];
  for (let seed = 7701; seed <= 7900; seed++) {
    const r = runSimulation(seed, options);
    if (r.violation !== null)
      failures.push(`seed ${seed}: ${r.violation.message}\n${replayCommand(seed, options)}`);
  }
  t.is(failures.length, 0, failures.join('\n'));
});

test('a seed replays bit-for-bit', (t) => {
  const trace = (seed: number) => {
    const lines: string[] = [];
    const r = runSimulation(seed, DEFAULT_SIM_OPTIONS, (line) => lines.push(line));
    return { lines, events: r.events, simulatedMs: r.simulatedMs };
  };
  const a = trace(17);
  const b = trace(17);
  t.true(a.lines.length > 1000);
  t.deepEqual(a, b);
  t.notDeepEqual(trace(18).lines, a.lines);
});

test('the replay line is exactly the documented command under default options', (t) => {
  t.is(replayCommand(42, DEFAULT_SIM_OPTIONS), 'reproduce with: npm run sim -- --seed 42 --trace');
  t.is(
    replayCommand(42, { ...DEFAULT_SIM_OPTIONS, leaseReads: true }),
    'reproduce with: npm run sim -- --seed 42 --trace --lease-reads',
  );
});
