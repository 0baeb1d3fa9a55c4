import test from 'ava';
import { decide, type DecisionInput } from '../../agent/src/coordinator/decide.js';
import type { Plan, PlannedAction, SchedulerInput } from '../../agent/src/scheduler/types.js';
import {
  emptyClusterState,
  recordKey,
  type ClusterStateDoc,
} from '../../agent/src/state/cluster-state.js';

// The decision step with a scripted scheduler: these tests pin what the coordinator does with
// a plan (runnable actions only, stop before start, node-down first), not how plans are made.

function planOf(actions: Omit<PlannedAction, 'id'>[]): Plan {
  return {
    placement: {},
    actions: actions.map((a, id) => ({ id, ...a })),
    summary: [],
    unplaced: [],
    scores: {},
  };
}

function docWith(
  records: { resource: string; node: string; state: 'started' | 'stopped' | 'stop-failed' }[],
  placement: Record<string, string | null>,
): ClusterStateDoc {
  const doc = emptyClusterState();
  for (const r of records) {
    doc.resources[recordKey(r.resource, r.node)] = {
      ...r,
      failCount: 0,
      lastFailureMs: null,
      generation: 1,
      reason: '',
      updatedAtMs: 0,
    };
  }
  for (const [resource, node] of Object.entries(placement))
    doc.placement[resource] = { node, generation: 1 };
  return doc;
}

const base = (
  doc: ClusterStateDoc,
  liveness: DecisionInput['liveness'],
  fenced: string[] = [],
): DecisionInput => ({
  doc,
  members: ['n1', 'n2', 'n3'],
  liveness,
  fenced,
  nowMs: 1000,
});

test('a move is carried out as the stop first; the start waits for the next round', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'started' }], { vip: 'n1' });
  const plan = planOf([
    { kind: 'stop', resource: 'vip', node: 'n1', after: [], reason: 'n1 in standby' },
    { kind: 'start', resource: 'vip', node: 'n2', after: [0], reason: 'moving' },
  ]);
  const d = decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), () => plan);
  t.deepEqual(d.commands, [
    { type: 'set-placement', changes: [{ resource: 'vip', node: null }], atMs: 1000 },
  ]);
});

test('a start is committed when nothing precedes it', (t) => {
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'stopped' },
      { resource: 'vip', node: 'n3', state: 'stopped' },
    ],
    { vip: null },
  );
  const plan = planOf([{ kind: 'start', resource: 'vip', node: 'n2', after: [], reason: '' }]);
  const d = decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), () => plan);
  t.deepEqual(d.commands, [
    { type: 'set-placement', changes: [{ resource: 'vip', node: 'n2' }], atMs: 1000 },
  ]);
});

test('a node whose lease surely expired is declared down first, and the scheduler sees it stopped', (t) => {
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'started' },
      { resource: 'fs', node: 'n1', state: 'stop-failed' },
    ],
    { vip: 'n1', fs: 'n1' },
  );
  let seen: SchedulerInput | undefined;
  const d = decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }), (i) => {
    seen = i;
    return planOf([]);
  });
  t.deepEqual(d.commands[0], { type: 'node-down', node: 'n1', cause: 'lease-expired', atMs: 1000 });
  t.like(
    seen?.nodes.find((n) => n.id === 'n1'),
    { online: false, unclean: false },
  );
  t.is(seen?.status.find((s) => s.resource === 'vip')?.state, 'stopped');
  t.is(
    seen?.status.find((s) => s.resource === 'fs')?.state,
    'stop-failed',
    'a failed stop is not assumed to have stopped',
  );
});

test('a down node with only a failed stop left is not declared down again every round', (t) => {
  // node-down (lease-expired) leaves stop-failed records as they are, so proposing it again
  // would change nothing and flood the log with the same command each round.
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'stopped' },
      { resource: 'fs', node: 'n1', state: 'stop-failed' },
    ],
    { vip: null, fs: 'n1' },
  );
  const d = decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }), () => planOf([]));
  t.false(d.commands.some((c) => c.type === 'node-down'));
});

test('a suspect node is unclean for the scheduler and is not declared down', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'started' }], { vip: 'n1' });
  let seen: SchedulerInput | undefined;
  const d = decide(base(doc, { n1: 'suspect', n2: 'alive', n3: 'alive' }), (i) => {
    seen = i;
    return planOf([]);
  });
  t.deepEqual(d.commands, []);
  t.like(
    seen?.nodes.find((n) => n.id === 'n1'),
    { online: false, unclean: true },
  );
  t.is(seen?.status[0]?.state, 'started');
});

test('a fenced node is down even if its lease might hold, stop-failed included', (t) => {
  const doc = docWith([{ resource: 'fs', node: 'n1', state: 'stop-failed' }], { fs: 'n1' });
  let seen: SchedulerInput | undefined;
  const d = decide(base(doc, { n1: 'suspect', n2: 'alive', n3: 'alive' }, ['n1']), (i) => {
    seen = i;
    return planOf([]);
  });
  t.deepEqual(d.commands[0], { type: 'node-down', node: 'n1', cause: 'fenced', atMs: 1000 });
  t.is(seen?.status[0]?.state, 'stopped');
});

test('nothing to do gives no commands (no churn in the log)', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'started' }], { vip: 'n1' });
  t.deepEqual(
    decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), () => planOf([])).commands,
    [],
  );
});

test('a start never moves an instance straight off a live node: it is taken off first', (t) => {
  // vip is placed on n1 and n1 has not reported it started yet: it may be starting it now.
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'stopped' },
      { resource: 'vip', node: 'n3', state: 'stopped' },
    ],
    { vip: 'n1' },
  );
  const plan = planOf([{ kind: 'start', resource: 'vip', node: 'n2', after: [], reason: '' }]);
  const d = decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), () => plan);
  t.deepEqual(d.commands, [
    { type: 'set-placement', changes: [{ resource: 'vip', node: null }], atMs: 1000 },
  ]);
  // Off a node whose lease surely expired it moves at once.
  const down = decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }), () => plan);
  t.deepEqual(down.commands[0], {
    type: 'set-placement',
    changes: [{ resource: 'vip', node: 'n2' }],
    atMs: 1000,
  });
});

test('a start waits until every other live member records the instance stopped', (t) => {
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'stopped' },
      { resource: 'vip', node: 'n3', state: 'stopped' },
    ],
    { vip: null },
  );
  doc.placement['vip'] = { node: null, generation: 2 }; // taken off n1 at generation 2
  doc.resources[recordKey('vip', 'n1')]!.state = 'started';
  const plan = planOf([{ kind: 'start', resource: 'vip', node: 'n2', after: [], reason: '' }]);
  const live = { n1: 'alive', n2: 'alive', n3: 'alive' } as const;
  t.deepEqual(decide(base(doc, live), () => plan).commands, [], 'n1 has not confirmed yet');
  const start = [{ type: 'set-placement', changes: [{ resource: 'vip', node: 'n2' }], atMs: 1000 }];
  t.like(decide(base(doc, { ...live, n1: 'down' }), () => plan).commands[1], start[0]!);
  doc.resources[recordKey('vip', 'n1')]!.state = 'stopped';
  t.deepEqual(decide(base(doc, live), () => plan).commands, start);
});

test('the scheduler sees an instance placed on a live node as possibly active there', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'stopped' }], { vip: 'n1' });
  let seen: SchedulerInput | undefined;
  decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), (i) => {
    seen = i;
    return planOf([]);
  });
  t.is(seen?.status[0]?.state, 'unknown', 'placed on n1: it may be starting it');
  decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }), (i) => {
    seen = i;
    return planOf([]);
  });
  t.is(seen?.status[0]?.state, 'stopped', 'a node that is down runs nothing');
});

test('with fencing enabled an expired lease is not enough: the node stays unclean until fenced', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'started' }], { vip: 'n1' });
  doc.config = {
    ...doc.config,
    properties: { ...doc.config.properties, fencingEnabled: true },
  };
  let seen: SchedulerInput | undefined;
  const d = decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }), (i) => {
    seen = i;
    return planOf([]);
  });
  t.deepEqual(d.commands, []);
  t.like(
    seen?.nodes.find((n) => n.id === 'n1'),
    { online: false, unclean: true },
  );
  const fenced = decide(base(doc, { n1: 'down', n2: 'alive', n3: 'alive' }, ['n1']), () =>
    planOf([]),
  );
  t.deepEqual(fenced.commands[0], { type: 'node-down', node: 'n1', cause: 'fenced', atMs: 1000 });
});

test('with fencing enabled, a member silent past the grace or with a failed stop is to be fenced', (t) => {
  const doc = docWith(
    [
      { resource: 'vip', node: 'n1', state: 'started' },
      { resource: 'db', node: 'n3', state: 'stop-failed' },
    ],
    { vip: 'n1', db: null },
  );
  const live = { n1: 'suspect', n2: 'alive', n3: 'alive' } as const;
  const input = (since: number, fencingEnabled: boolean): DecisionInput => {
    const d = structuredClone(doc);
    d.config = { ...d.config, properties: { ...d.config.properties, fencingEnabled } };
    return {
      ...base(d, live),
      self: 'n2',
      suspectSinceMs: { n1: since },
      suspectFenceDelayMs: 500,
      upBeforeSilenceMs: { n1: 60_000 },
    };
  };
  const fence = (i: DecisionInput) =>
    decide(i, () => planOf([])).fence.map((f) => f.node + ':' + f.reason);
  t.deepEqual(fence(input(900, true)), ['n3:stop-failed'], 'n1 silent 100 ms: not yet');
  t.deepEqual(fence(input(400, true)), ['n1:suspect', 'n3:stop-failed']);
  t.deepEqual(fence(input(400, false)), [], 'fencing disabled: never');
});

test('a fence recorded in the log holds for a later leader until the node is seen alive', (t) => {
  const doc = docWith([{ resource: 'vip', node: 'n1', state: 'stopped' }], { vip: 'n1' });
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  doc.nodes['n1'] = { standby: false, maintenance: false, attributes: {}, fenced: true };
  const plan = planOf([{ kind: 'start', resource: 'vip', node: 'n2', after: [], reason: '' }]);
  doc.resources[recordKey('vip', 'n3')] = { ...doc.resources[recordKey('vip', 'n1')]!, node: 'n3' };
  // A new leader: no fence of its own, n1 merely suspect. The log says it is off.
  const later = decide(base(doc, { n1: 'suspect', n2: 'alive', n3: 'alive' }), () => plan);
  t.deepEqual(later.commands, [
    { type: 'set-placement', changes: [{ resource: 'vip', node: 'n2' }], atMs: 1000 },
  ]);
  t.deepEqual(later.fence, [], 'no second fence');
  const back = decide(base(doc, { n1: 'alive', n2: 'alive', n3: 'alive' }), () => planOf([]));
  t.deepEqual(back.commands, [{ type: 'node-up', node: 'n1', atMs: 1000 }]);
});
