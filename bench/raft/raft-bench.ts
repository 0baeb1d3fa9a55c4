/**
 * Raft benchmark: three clusterd processes on loopback with real WAL files and fsync. For each
 * client concurrency (proposals kept in flight, which is what makes the leader batch entries
 * into one fsync and one MsgApp), it measures commits per second and the latency from
 * proposal to "applied on the leader" as a client sees it over the control channel.
 *
 *   npm run bench:raft -- [--count N] [--concurrency 1,8,64,256] [--value-bytes 100]
 *
 * A benchmark prints figures; it passes or fails nothing.
 */
import { parseArgs } from 'node:util';
import { AgentCluster } from '../../test/harness/agent-processes.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,8,64,256' },
    'value-bytes': { type: 'string', default: '100' },
  },
});
const count = Number(values.count);
const levels = values.concurrency.split(',').map(Number);
const value = 'x'.repeat(Number(values['value-bytes']));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const cluster = await AgentCluster.start(3);
try {
  const { leader } = await cluster.waitForLeader();
  const agent = cluster.agent(leader);
  // Warm-up: JIT, connections, WAL segment creation.
  for (let i = 0; i < 200; i++) await agent.write(`warm${i}`, value);
  console.log(
    `3 agents on loopback, leader ${leader}, ${count} proposals per row, ${value.length}-byte values, fsync on`,
  );
  console.log('concurrency  commits/s   p50 ms   p99 ms   max ms');
  for (const concurrency of levels) {
    const latencies: number[] = [];
    let next = 0;
    const startMs = performance.now();
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await agent.write(`c${concurrency}-${i}`, value, 30_000);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - startMs) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `${String(concurrency).padStart(11)}  ${(count / seconds).toFixed(0).padStart(9)}  ${percentile(latencies, 50).toFixed(2).padStart(7)}  ${percentile(latencies, 99).toFixed(2).padStart(7)}  ${latencies.at(-1)!.toFixed(2).padStart(7)}`,
    );
  }
} finally {
  await cluster.destroy();
}
