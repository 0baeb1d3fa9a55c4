import test from 'ava';
import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  type ResourceDef,
} from '../../agent/src/config/model.js';
import { reconcile, type ReconcileInput } from '../../agent/src/coordinator/reconcile.js';
import type { ResourceState } from '../../agent/src/scheduler/types.js';
import { emptyClusterState, recordKey } from '../../agent/src/state/cluster-state.js';

const op = { timeoutMs: 20_000, intervalMs: 0 };
const primitive = (id: string): ResourceDef => ({
  id,
  agent: { class: 'ocf', provider: 'heartbeat', type: 'Dummy' },
  params: {},
  operations: { start: op, stop: op, monitor: { timeoutMs: 20_000, intervalMs: 10_000 } },
  meta: DEFAULT_RESOURCE_META,
});

function input(
  placement: Record<string, string | null>,
  local: Record<string, ResourceState>,
  lease: ReconcileInput['lease'] = 'valid',
): ReconcileInput {
  const doc = emptyClusterState();
  doc.config = {
    ...EMPTY_CLUSTER_CONFIG,
    resources: [primitive('vip'), primitive('fs'), primitive('api')],
  };
  for (const [r, node] of Object.entries(placement)) doc.placement[r] = { node, generation: 3 };
  return { node: 'n1', lease, doc, local: new Map(Object.entries(local)), busy: new Set() };
}

const kinds = (i: ReconcileInput) => reconcile(i).map((o) => `${o.kind} ${o.resource}`);

test('probe first: nothing is started before it is known whether it already runs', (t) => {
  t.deepEqual(kinds(input({ vip: 'n1' }, {})), ['probe api', 'probe fs', 'probe vip']);
});

test('placed here and stopped: start, with the placement generation', (t) => {
  const ops = reconcile(input({ vip: 'n1' }, { vip: 'stopped', fs: 'stopped', api: 'stopped' }));
  t.deepEqual(ops, [
    { kind: 'start', resource: 'vip', generation: 3, reason: 'placed on n1 (generation 3)' },
  ]);
});

test('placed elsewhere or nowhere but running here: stop', (t) => {
  t.deepEqual(
    kinds(input({ vip: 'n2', fs: null }, { vip: 'started', fs: 'failed', api: 'stop-failed' })),
    ['stop api', 'stop fs', 'stop vip'],
  );
});

test('failed where it is placed: left to the leader (one controller decides recovery)', (t) => {
  t.deepEqual(kinds(input({ vip: 'n1' }, { vip: 'failed', fs: 'stopped', api: 'stopped' })), []);
});

test('without a valid lease: start nothing, stop everything not known stopped', (t) => {
  for (const lease of ['stopping', 'expired'] as const) {
    t.deepEqual(kinds(input({ vip: 'n1', fs: 'n1' }, { vip: 'started', fs: 'stopped' }, lease)), [
      'stop api',
      'stop vip',
    ]);
  }
});

test('maintenance: hands off', (t) => {
  const i = input({ vip: 'n1' }, { vip: 'stopped' });
  i.doc.nodes['n1'] = { standby: false, maintenance: true, attributes: {} };
  t.deepEqual(reconcile(i), []);
});

test('busy instances are left alone this round', (t) => {
  const i = input({ vip: 'n1' }, { vip: 'stopped', fs: 'stopped', api: 'stopped' });
  t.deepEqual(reconcile({ ...i, busy: new Set(['vip']) }), []);
});

test('a clone is probed on every node, as its instance 0, before any of its instances is placed', (t) => {
  const i = input({}, { vip: 'stopped', fs: 'stopped', api: 'stopped' });
  const config = {
    ...i.doc.config,
    resources: [...i.doc.config.resources, primitive('web')],
    clones: [{ id: 'web-clone', resource: 'web', maxInstances: null, meta: {} }],
  };
  t.deepEqual(kinds({ ...i, doc: { ...i.doc, config } }), ['probe web:0']);
});

test('not placed here and stopped, but the log records it otherwise here: confirm with a stop', (t) => {
  const i = input({ vip: 'n2' }, { vip: 'stopped', fs: 'stopped', api: 'stopped' });
  const record = (state: 'unknown' | 'stopped', generation: number) => ({
    resource: 'vip',
    node: 'n1',
    state,
    failCount: 0,
    lastFailureMs: null,
    generation,
    reason: '',
    updatedAtMs: 0,
  });
  // An order to n1 (generation 2) it never carried out before the leader took it back.
  i.doc.resources[recordKey('vip', 'n1')] = record('unknown', 2);
  t.deepEqual(reconcile(i), [
    {
      kind: 'stop',
      resource: 'vip',
      generation: 3,
      reason: 'confirm stopped (the log says unknown)',
    },
  ]);
  i.doc.resources[recordKey('vip', 'n1')] = record('stopped', 2);
  t.deepEqual(reconcile(i), [], 'a stopped record needs no confirmation, whatever its generation');
});

test('catching up with the log after a lease gap: start nothing, stop what is not placed here', (t) => {
  const i = input({ vip: 'n1', fs: 'n2' }, { vip: 'stopped', fs: 'started', api: 'stopped' });
  t.deepEqual(kinds({ ...i, mayStart: false }), ['stop fs']);
  t.deepEqual(kinds(i), ['stop fs', 'start vip']);
});

test('agent not installed here (last probe): no confirming stop, no start, even when placed here', (t) => {
  const i = input({ vip: 'n2' }, { vip: 'stopped', fs: 'stopped', api: 'stopped' });
  i.doc.resources[recordKey('vip', 'n1')] = {
    resource: 'vip',
    node: 'n1',
    state: 'unknown',
    failCount: 0,
    lastFailureMs: null,
    generation: 2,
    reason: 'cleaned up: to be probed',
    updatedAtMs: 0,
  };
  const notInstalled = new Set(['vip']);
  t.deepEqual(reconcile({ ...i, notInstalled }), [], 'the stop could only fail as not installed');
  t.is(reconcile(i).length, 1, 'with the agent installed, the stop confirms');
  const placedHere = input({ vip: 'n1' }, { vip: 'stopped', fs: 'stopped', api: 'stopped' });
  t.deepEqual(reconcile({ ...placedHere, notInstalled }), []);
  t.deepEqual(kinds(placedHere), ['start vip']);
});
