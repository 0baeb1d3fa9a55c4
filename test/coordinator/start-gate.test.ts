import test from 'ava';
import { DEFAULT_RESOURCE_META, EMPTY_CLUSTER_CONFIG } from '../../agent/src/config/model.js';
import { StartGate } from '../../agent/src/coordinator/start-gate.js';
import type { ResourceState } from '../../agent/src/scheduler/types.js';
import {
  emptyClusterState,
  recordKey,
  type ClusterStateDoc,
} from '../../agent/src/state/cluster-state.js';

const members = ['n1', 'n2', 'n3'];
const noneGone = () => false;

function doc(): ClusterStateDoc {
  const d = emptyClusterState();
  const op = { timeoutMs: 1000, intervalMs: 0 };
  const primitive = (id: string) => ({
    id,
    agent: { class: 'ocf' as const, provider: 'quorate', type: 'dummy' },
    params: {},
    operations: { start: op, stop: op, monitor: op },
    meta: DEFAULT_RESOURCE_META,
  });
  d.config = {
    ...EMPTY_CLUSTER_CONFIG,
    resources: ['vip', 'api', 'shard-a', 'shard-b'].map(primitive),
    clones: [{ id: 'api-clone', resource: 'api', maxInstances: null, meta: {} }],
    colocations: [{ id: 'apart', resource: 'shard-b', with: 'shard-a', score: -1_000_000 }],
  };
  return d;
}

function record(
  d: ClusterStateDoc,
  resource: string,
  node: string,
  state: ResourceState,
  generation: number,
) {
  d.resources[recordKey(resource, node)] = {
    resource,
    node,
    state,
    failCount: 0,
    lastFailureMs: null,
    generation,
    reason: '',
    updatedAtMs: 0,
  };
}

const gate = (d: ClusterStateDoc, gone: (n: string) => boolean = noneGone) =>
  new StartGate(d, members, gone);

test('what must never share a node: the other instances of a clone, the other side of -INFINITY', (t) => {
  const d = doc();
  d.placement['api:0'] = { node: 'n1', generation: 1 };
  record(d, 'api:1', 'n2', 'started', 1);
  const g = gate(d);
  t.deepEqual(g.mustNotShareNode('api:2'), ['api:0', 'api:1']);
  t.deepEqual(g.mustNotShareNode('shard-a'), ['shard-b']);
  t.deepEqual(g.mustNotShareNode('shard-b'), ['shard-a']);
  t.deepEqual(g.mustNotShareNode('vip'), []);
});

test('a start waits until every other live member records the instance stopped', (t) => {
  const d = doc();
  d.placement['vip'] = { node: null, generation: 4 };
  record(d, 'vip', 'n1', 'unknown', 3); // ordered to n1 once, never confirmed since
  record(d, 'vip', 'n3', 'stopped', 2);
  t.false(gate(d).startIsSafe('vip', 'n2'), 'n1 may still run it');
  t.true(gate(d, (n) => n === 'n1').startIsSafe('vip', 'n2'), 'unless n1 is down');
  record(d, 'vip', 'n1', 'stopped', 4);
  t.true(gate(d).startIsSafe('vip', 'n2'));
  delete d.resources[recordKey('vip', 'n3')];
  t.false(gate(d).startIsSafe('vip', 'n2'), 'a member that never reported on it');
});

test('a start never goes ahead while the instance is placed on another live member', (t) => {
  const d = doc();
  d.placement['vip'] = { node: 'n1', generation: 4 };
  record(d, 'vip', 'n1', 'stopped', 4);
  record(d, 'vip', 'n3', 'stopped', 1);
  t.false(gate(d).startIsSafe('vip', 'n2'), 'n1 may be carrying out its order');
  t.true(gate(d, (n) => n === 'n1').startIsSafe('vip', 'n2'));
});

test('a clone instance does not start where another instance of the clone may still run', (t) => {
  const d = doc();
  d.placement['api:1'] = { node: null, generation: 2 }; // taken off n2; n2 has not confirmed
  record(d, 'api:1', 'n2', 'started', 1);
  record(d, 'api:1', 'n1', 'stopped', 2);
  record(d, 'api:1', 'n3', 'stopped', 2);
  t.false(gate(d).startIsSafe('api:0', 'n2'));
  t.true(gate(d).startIsSafe('api:0', 'n1'));
  record(d, 'api:1', 'n2', 'stopped', 2);
  t.true(gate(d).startIsSafe('api:0', 'n2'));
});

test('an anti-affinity partner placed on the target keeps the start off it', (t) => {
  const d = doc();
  d.placement['shard-a'] = { node: 'n2', generation: 1 }; // n2 may be starting it now
  record(d, 'shard-a', 'n2', 'stopped', 0);
  t.false(gate(d).startIsSafe('shard-b', 'n2'));
  record(d, 'shard-a', 'n1', 'unknown', 1);
  t.false(gate(d).startIsSafe('shard-b', 'n1'), 'n1 has not confirmed it stopped');
  record(d, 'shard-a', 'n1', 'stopped', 1);
  t.true(gate(d).startIsSafe('shard-b', 'n1'));
});
