import test from 'ava';
import { schedule } from '../../agent/src/scheduler/schedule.js';
import { clone, input, node, primitive, record } from './builders.js';

// A probe that found the agent not installed on a node (record `runnable: false`): the
// resource is stopped there and may never be placed there (Pacemaker's probe rc 5).

const nodes = ['node1', 'node2', 'node3'].map((id) => node(id));

test('a primitive is never started where its agent is not installed', (t) => {
  const status = [
    { ...record('vip', 'node1', 'stopped'), runnable: false },
    record('vip', 'node2', 'stopped'),
    record('vip', 'node3', 'stopped'),
  ];
  const plan = schedule(input({ nodes, resources: [primitive('vip')], status }));
  const starts = plan.actions.filter((a) => a.kind === 'start');
  t.is(starts.length, 1);
  t.not(starts[0]?.node, 'node1');
  t.false(
    plan.actions.some((a) => a.node === 'node1'),
    'no action at all on node1',
  );

  const nowhere = schedule(
    input({
      nodes,
      resources: [primitive('vip')],
      status: status.map((r) => ({ ...r, runnable: false })),
    }),
  );
  t.false(
    nowhere.actions.some((a) => a.kind === 'start'),
    'installed nowhere: started nowhere',
  );
});

test('a clone gets no instance on a node where the probe of one instance found no agent', (t) => {
  const status = [
    { ...record('db:0', 'node1', 'stopped'), runnable: false },
    record('db:0', 'node2', 'stopped'),
    record('db:0', 'node3', 'stopped'),
  ];
  const plan = schedule(
    input({ nodes, resources: [primitive('db')], clones: [clone('db-clone', 'db')], status }),
  );
  const starts = plan.actions.filter((a) => a.kind === 'start').map((a) => a.node);
  t.deepEqual([...starts].sort(), ['node2', 'node3']);
});
