import test from 'ava';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCluster, pollUntil } from '../harness/agent-processes.js';
import { activeNode, markerConfig, TEST_OCF_ROOT } from '../harness/marker-resource.js';

// Metrics and alert hooks of real agent processes: a marker resource (ocf:test:marker) starts,
// its node is killed, it fails over. The test scrapes /metrics and reads what an alert script
// wrote from its environment.

/** The metrics address an agent logged at start ("clusterd started"), waiting for the line. */
async function metricsAddress(root: string, id: string): Promise<string> {
  const found = await pollUntil(10_000, 50, async () => {
    for (const line of readFileSync(join(root, `${id}.log`), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; metrics?: string };
      if (entry.msg === 'clusterd started' && typeof entry.metrics === 'string')
        return entry.metrics;
    }
    return undefined;
  });
  if (found === undefined) throw new Error(`${id} logged no metrics address`);
  return found;
}

/** One sample's value from a scrape, by metric name and labels (a subset), or undefined. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const has = ([k, v]: [string, string]) =>
      line.includes(`{${k}="${v}"`) || line.includes(`,${k}="${v}"`);
    if (!Object.entries(labels).every(has)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function scrape(address: string): Promise<string> {
  const res = await fetch(`http://${address}/metrics`);
  if (res.status !== 200) throw new Error(`scrape ${address}: HTTP ${res.status}`);
  return res.text();
}

/** The alert environments written so far, parsed. */
function alerts(dir: string): Record<string, string>[] {
  return readdirSync(dir).map((f) =>
    Object.fromEntries(
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('QUORATE_ALERT_'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    ),
  );
}

test('metrics move with the cluster and alert scripts get each event in their environment', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'qrt-obs-'));
  const markers = join(work, 'markers');
  const alertDir = join(work, 'alerts');
  const script = join(work, 'alert.sh');
  writeFileSync(
    script,
    `#!/bin/sh\nenv | grep '^QUORATE_ALERT_' > "${alertDir}/$QUORATE_ALERT_INDEX-$QUORATE_ALERT_KIND-$QUORATE_ALERT_LOCAL_NODE.env"\n`,
  );
  chmodSync(script, 0o755);
  mkdirSync(markers);
  mkdirSync(alertDir);
  const cluster = await AgentCluster.start(3, [
    '--ocf-root',
    TEST_OCF_ROOT,
    '--metrics-listen',
    '127.0.0.1:0',
    '--alert',
    script,
  ]);
  t.teardown(async () => {
    await cluster.destroy();
    rmSync(work, { recursive: true, force: true });
  });
  const metrics = Object.fromEntries(
    await Promise.all(
      cluster.agents.map(async (a) => [a.id, await metricsAddress(cluster.root, a.id)] as const),
    ),
  );

  const { leader } = await cluster.waitForLeader();
  const before = await scrape(metrics[leader]!);
  t.is(sample(before, 'quorate_raft_leader'), 1);
  const commitBefore = sample(before, 'quorate_raft_commit_index')!;
  t.true(commitBefore >= 1);
  for (const follower of cluster.agents.filter((a) => a.id !== leader)) {
    t.is(sample(await scrape(metrics[follower.id]!), 'quorate_raft_leader'), 0);
  }

  await cluster.applyConfig(markerConfig(markers), 'obs');
  const first = await activeNode(markers, 20_000, undefined, 50);
  t.truthy(first, 'web started somewhere');
  const owner = first!;

  // The state appears, the commit index grew, the start was timed on the owner.
  const started = await pollUntil(10_000, 100, async () => {
    const text = await scrape(metrics[owner]!);
    return sample(text, 'quorate_resource_state', {
      resource: 'web',
      node: owner,
      state: 'started',
    }) === 1
      ? text
      : undefined;
  });
  t.truthy(started, 'quorate_resource_state shows web started on its node');
  t.true(sample(started!, 'quorate_raft_commit_index')! > commitBefore);
  t.true(
    sample(started!, 'quorate_operation_duration_seconds_count', {
      op: 'start',
      agent: 'ocf:test:marker',
    })! >= 1,
  );
  const leaderText = await scrape(metrics[leader]!);
  for (const follower of cluster.agents.filter((a) => a.id !== leader))
    t.not(
      sample(leaderText, 'quorate_raft_follower_lag_entries', { follower: follower.id }),
      undefined,
    );

  // The owner's alert script heard of the start, with the event in its environment.
  const startAlert = await pollUntil(10_000, 100, async () =>
    alerts(alertDir).find(
      (a) => a['QUORATE_ALERT_KIND'] === 'resource-start' && a['QUORATE_ALERT_RESOURCE'] === 'web',
    ),
  );
  t.like(startAlert, {
    QUORATE_ALERT_NODE: owner,
    QUORATE_ALERT_LOCAL_NODE: owner,
    QUORATE_ALERT_CLUSTER: 'quorate',
  });
  t.regex(startAlert?.['QUORATE_ALERT_TIMESTAMP'] ?? '', /^\d{4}-\d\d-\d\dT/);

  // Kill the owner: the leader (possibly a new one) declares it lost and web fails over.
  await cluster.agent(owner).kill('SIGKILL');
  const failover = await pollUntil(30_000, 100, async () =>
    alerts(alertDir).find((a) => a['QUORATE_ALERT_KIND'] === 'failover'),
  );
  t.truthy(failover, 'a failover alert was run');
  t.is(failover?.['QUORATE_ALERT_FROM_NODE'], owner);
  t.not(failover?.['QUORATE_ALERT_NODE'], owner);
  t.is(failover?.['QUORATE_ALERT_RESOURCE'], 'web');
  const lost = alerts(alertDir).find((a) => a['QUORATE_ALERT_KIND'] === 'node-lost');
  t.is(lost?.['QUORATE_ALERT_NODE'], owner);
  const { leader: nowLeader } = await cluster.waitForLeader();
  const after = await scrape(metrics[nowLeader]!);
  t.true(sample(after, 'quorate_failovers_total')! >= 1);
  t.is(
    sample(after, 'quorate_resource_state', {
      resource: 'web',
      node: failover!['QUORATE_ALERT_NODE']!,
      state: 'started',
    }),
    1,
  );
});
