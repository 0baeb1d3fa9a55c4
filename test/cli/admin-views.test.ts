import test from 'ava';
import { buildExplanation } from '../../agent/src/api/explain-view.js';
import { findResource } from '../../agent/src/api/resource-lookup.js';
import { buildStatus } from '../../agent/src/api/status-view.js';
import { loadConfig } from '../../agent/src/config/load-config.js';
import { decide } from '../../agent/src/coordinator/decide.js';
import type { RaftStatus } from '../../agent/src/raft/raft-node.js';
import { schedule } from '../../agent/src/scheduler/schedule.js';
import { emptyClusterState, type ClusterStateDoc } from '../../agent/src/state/cluster-state.js';

// The pure views behind status and explain, on a group, a clone and a ban, without agents.

const YAML = `apiVersion: quorate/v1
resources:
  - { id: a, agent: "ocf:test:marker", params: { dir: /x } }
  - { id: b, agent: "ocf:test:marker", params: { dir: /x } }
  - { id: c, agent: "ocf:test:marker", params: { dir: /x } }
groups:
  - { id: ab, members: [a, b] }
clones:
  - { id: c-clone, resource: c }
constraints:
  location:
    - { id: ab-likes-node2, resource: ab, node: node2, score: 50 }
`;
const MEMBERS = ['node1', 'node2', 'node3'];
const NOW = 1_000_000;

function doc(): ClusterStateDoc {
  const loaded = loadConfig(YAML, 'x.yaml');
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.format()).join('\n'));
  const d = emptyClusterState();
  d.config = loaded.config;
  d.configVersion = 1;
  for (const r of ['a', 'b'])
    for (const node of MEMBERS)
      d.resources[`${r}@${node}`] = {
        resource: r,
        node,
        state: node === 'node2' ? 'started' : 'stopped',
        failCount: node === 'node1' && r === 'a' ? 3 : 0,
        lastFailureMs: node === 'node1' && r === 'a' ? NOW - 5000 : null,
        generation: 1,
        reason: 'test',
        updatedAtMs: NOW,
      };
  d.placement['a'] = { node: 'node2', generation: 1 };
  d.placement['b'] = { node: 'node2', generation: 1 };
  d.intents = [
    { kind: 'ban', resource: 'ab', node: 'node3', expiresAtMs: null },
    { kind: 'prefer', resource: 'ab', node: 'node1', expiresAtMs: NOW - 1 },
  ];
  return d;
}

const liveness = { node1: 'alive', node2: 'alive', node3: 'alive' } as const;

function planOf(d: ClusterStateDoc) {
  return decide({ doc: d, members: MEMBERS, liveness, fenced: [], nowMs: NOW }, schedule).plan;
}

test('explain a group member: the group unit, its scores and reasons', (t) => {
  const d = doc();
  const ref = findResource(d.config, 'a');
  if (!ref.ok) return t.fail(ref.refusal.message);
  const e = buildExplanation({
    doc: d,
    ref: ref.value,
    plan: planOf(d),
    members: MEMBERS,
    liveness,
    nowMs: NOW,
  });
  t.is(e.parent, 'ab');
  t.regex(e.verdict, /^a \(in ab\) is placed on node2 \(score \d+, the highest allowed\)$/);
  t.is(e.units.length, 1);
  const [unit] = e.units;
  t.is(unit!.unit, 'ab');
  const byNode = Object.fromEntries(unit!.nodes.map((n) => [n.node, n]));
  t.is(byNode['node3']!.scoreText, '-INFINITY');
  t.true(byNode['node3']!.notes.some((n) => n.startsWith('banned by clusterctl (until cleared)')));
  t.true(byNode['node2']!.notes.includes('location ab-likes-node2: 50'));
  t.true(
    byNode['node1']!.notes.some((n) =>
      /3 failure\(s\) of a, reached migration-threshold 3/.test(n),
    ),
  );
  t.true(byNode['node1']!.notes.some((n) => /preferred by clusterctl move \(expired/.test(n)));
  t.deepEqual(e.constraints, ['location ab-likes-node2: ab on node node2: 50']);
  t.is(e.intents.find((i) => i.kind === 'prefer')?.expired, true);
  t.deepEqual(
    e.failures.map((f) => `${f.resource}@${f.node}:${f.failCount}`),
    ['a@node1:3'],
  );
});

test('explain a clone: one unit per instance, one instance per node', (t) => {
  const d = doc();
  const ref = findResource(d.config, 'c-clone');
  if (!ref.ok) return t.fail(ref.refusal.message);
  const e = buildExplanation({
    doc: d,
    ref: ref.value,
    plan: planOf(d),
    members: MEMBERS,
    liveness,
    nowMs: NOW,
  });
  t.deepEqual(
    e.units.map((u) => u.unit),
    ['c:0', 'c:1', 'c:2'],
  );
  t.regex(e.verdict, /^c-clone: 3 of 3 instances placed/);
  for (const u of e.units) {
    t.is(u.nodes.filter((n) => n.chosen).length, 1);
    for (const n of u.nodes)
      if (n.scoreText === '-INFINITY') t.true(n.notes.length > 0, `${u.unit}@${n.node}`);
  }
});

test('status: planned clone instances listed, intents with expiry, failures with threshold', (t) => {
  const d = doc();
  const plan = planOf(d);
  const raft: RaftStatus = {
    id: 'node1',
    term: 3,
    vote: null,
    commit: 10,
    applied: 10,
    lastIndex: 10,
    leader: 'node1',
    role: 'leader',
    confState: { voters: MEMBERS, learners: [] },
    progress: {},
    leaseValid: true,
    leadTransferee: null,
  };
  const s = buildStatus({
    id: 'node1',
    clusterId: 'quorate',
    doc: d,
    raft,
    liveness: { ...liveness, node3: 'suspect' },
    livenessFrom: 'node1',
    addressOf: (n) => `127.0.0.1:${7400 + Number(n.slice(4))}`,
    nowMs: NOW,
    unplaced: plan.unplaced,
    planned: Object.keys(plan.placement),
    warnings: [],
  });
  t.deepEqual(
    s.resources.map((r) => r.id),
    ['a', 'b', 'c:0', 'c:1', 'c:2'],
  );
  t.like(s.resources[0], { state: 'started', target: 'node2', group: 'ab', activeOn: ['node2'] });
  t.like(s.resources[2], { clone: 'c-clone', state: 'stopped' });
  t.deepEqual(
    s.nodes.map((n) => `${n.id}:${n.role}:${n.liveness}:${n.resources}`),
    ['node1:leader:alive:0', 'node2:voter:alive:2', 'node3:voter:suspect:0'],
  );
  t.deepEqual(
    s.intents.map((i) => `${i.kind}:${i.node}:${i.expired}`),
    ['ban:node3:false', 'prefer:node1:true'],
  );
  t.like(s.failures[0], { resource: 'a', node: 'node1', failCount: 3, migrationThreshold: 3 });
  t.true(s.warnings.some((w) => w.startsWith('node3 is silent')));
});
