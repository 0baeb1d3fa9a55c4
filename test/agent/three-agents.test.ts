import test from 'ava';
import { AgentCluster, pollUntil } from '../harness/agent-processes.js';

// Three real clusterd processes on loopback, talking gRPC and writing real WAL files.
// Waits poll for conditions with a deadline; nothing here asserts on timing.

test('three agents elect one leader, replicate, survive the leader crashing, and catch up a restarted node', async (t) => {
  const cluster = await AgentCluster.start(3);
  t.teardown(() => cluster.destroy());

  const first = await cluster.waitForLeader();
  const leader = cluster.agent(first.leader);
  const followers = cluster.agents.filter((a) => a.id !== first.leader);

  // Writes through the leader and through a follower (forwarded to the leader).
  for (let i = 0; i < 20; i++) await leader.write(`k${i}`, `v${i}`);
  for (let i = 20; i < 40; i++) await followers[0]!.write(`k${i}`, `v${i}`);

  // A linearizable read on every node sees every acknowledged write.
  for (const a of cluster.agents) {
    t.is(await a.read('k0', true), 'v0', `${a.id} k0`);
    t.is(await a.read('k39', true), 'v39', `${a.id} k39`);
  }

  // Crash the leader (kill -9): the other two elect a new leader in a higher term.
  await leader.kill('SIGKILL');
  const second = await cluster.waitForLeader();
  t.not(second.leader, first.leader);
  t.true(second.term > first.term);
  const newLeader = cluster.agent(second.leader);
  for (let i = 40; i < 60; i++) await newLeader.write(`k${i}`, `v${i}`);

  // The old leader restarts from its data directory and catches up.
  await leader.start();
  const caughtUp = await pollUntil(15_000, 50, async () =>
    (await leader.read('k59', true)) === 'v59' ? true : undefined,
  );
  t.true(caughtUp, 'restarted node caught up with writes made while it was down');
  t.is(await leader.read('k10', false), 'v10', 'recovered its own log');
  const statuses = await Promise.all(cluster.agents.map((a) => a.status()));
  t.deepEqual(new Set(statuses.map((s) => s.leader)), new Set([second.leader]));
});
