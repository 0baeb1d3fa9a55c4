import test from 'ava';
import { clusterReplayCommand } from './cluster-replay-command.js';
import { DEFAULT_CLUSTER_SIM_OPTIONS } from './cluster-params.js';
import { runClusterSimulation } from './cluster-sim.js';

// The whole-cluster simulation over a fixed range of seeds, with the same options as
// `npm run sim:cluster`, so a failing seed's replay command reproduces it exactly. Seeds run
// in chunks so progress shows and no single test runs for long.
const FIRST_SEED = 1;
const SEED_COUNT = 500;
const CHUNK = 50;

for (let from = FIRST_SEED; from < FIRST_SEED + SEED_COUNT; from += CHUNK) {
  const to = Math.min(from + CHUNK, FIRST_SEED + SEED_COUNT) - 1;
  test.serial(`seeds ${from}..${to}: never active twice, Raft safe, live after healing`, (t) => {
    const failures: string[] = [];
    for (let seed = from; seed <= to; seed++) {
      const r = runClusterSimulation(seed, DEFAULT_CLUSTER_SIM_OPTIONS);
      if (r.violation !== null) {
        failures.push(
          `seed ${seed}: ${r.violation.message}\n${clusterReplayCommand(seed, DEFAULT_CLUSTER_SIM_OPTIONS)}`,
        );
      }
    }
    t.is(failures.length, 0, failures.join('\n'));
  });
}

// Control: without the watchdog and without a fence device, a paused or crashed agent keeps
// its resources running past its lease (docs/safety.md admits it). The same checks must catch
// that split brain, or they would prove nothing.
test.serial(
  'control: without watchdog or fencing, a stalled agent is caught running twice',
  (t) => {
    const options = { ...DEFAULT_CLUSTER_SIM_OPTIONS, fencing: 'never' as const, watchdog: false };
    const caught: number[] = [];
    for (let seed = 1; seed <= 60 && caught.length === 0; seed++) {
      const r = runClusterSimulation(seed, options);
      if (r.violation?.invariant === 'never-active-twice') caught.push(seed);
    }
    t.true(caught.length > 0, 'no seed in 1..60 showed the split brain');
  },
);

test('a seed replays bit-for-bit', (t) => {
  const trace = (seed: number) => {
    const lines: string[] = [];
    const r = runClusterSimulation(seed, DEFAULT_CLUSTER_SIM_OPTIONS, (line) => lines.push(line));
    return { lines, events: r.events, simulatedMs: r.simulatedMs, failovers: r.failoversMs };
  };
  const a = trace(7);
  const b = trace(7);
  t.true(a.lines.length > 1000);
  t.deepEqual(a, b);
  t.notDeepEqual(trace(8).lines, a.lines);
});

test('the replay line is exactly the documented command under default options', (t) => {
  t.is(
    clusterReplayCommand(42, DEFAULT_CLUSTER_SIM_OPTIONS),
    'reproduce with: npm run sim:cluster -- --seed 42 --trace',
  );
  t.is(
    clusterReplayCommand(42, { ...DEFAULT_CLUSTER_SIM_OPTIONS, fencing: 'always' }),
    'reproduce with: npm run sim:cluster -- --seed 42 --trace --fencing always',
  );
});
