import test from 'ava';
import fc from 'fast-check';
import { DEFAULT_RESOURCE_META, EMPTY_CLUSTER_CONFIG } from '../../agent/src/config/model.js';
import {
  encodeClusterCommand,
  type ClusterCommand,
} from '../../agent/src/state/cluster-commands.js';
import { ClusterState, EVENTS_MAX, recordKey } from '../../agent/src/state/cluster-state.js';

function applyAll(state: ClusterState, cmds: ClusterCommand[], firstIndex = 1) {
  return cmds.map((c, i) => state.apply(firstIndex + i, encodeClusterCommand(c)));
}

test('apply-config replaces the configuration and counts versions', (t) => {
  const s = new ClusterState();
  applyAll(s, [
    { type: 'apply-config', config: EMPTY_CLUSTER_CONFIG, fingerprint: 'a', atMs: 10 },
    { type: 'apply-config', config: EMPTY_CLUSTER_CONFIG, fingerprint: 'b', atMs: 20 },
  ]);
  t.is(s.state.configVersion, 2);
  t.is(s.state.configFingerprint, 'b');
  t.is(s.state.lastAtMs, 20);
});

test('set-placement bumps the generation only when the node changes', (t) => {
  const s = new ClusterState();
  const place = (node: string | null, atMs: number): ClusterCommand => ({
    type: 'set-placement',
    changes: [{ resource: 'vip', node }],
    atMs,
  });
  applyAll(s, [place('n1', 1), place('n1', 2), place('n2', 3), place(null, 4)]);
  t.deepEqual(s.state.placement['vip'], { node: null, generation: 3 });
  t.deepEqual(
    s.state.events.map((e) => e.message),
    ['placed: nowhere -> n1', 'placed: n1 -> n2', 'placed: n2 -> stopped'],
  );
});

test('record-state counts failures; cleanup forgets them and asks for a probe', (t) => {
  const s = new ClusterState();
  const rec = (state: 'started' | 'failed', failed: boolean, atMs: number): ClusterCommand => ({
    type: 'record-state',
    node: 'n1',
    resource: 'web:0',
    state,
    failed,
    generation: 1,
    reason: failed ? 'monitor rc 7' : 'start ok',
    atMs,
  });
  applyAll(s, [rec('started', false, 1), rec('failed', true, 2), rec('failed', true, 3)]);
  const key = recordKey('web:0', 'n1');
  t.is(s.state.resources[key]?.failCount, 2);
  t.is(s.state.resources[key]?.lastFailureMs, 3);
  // Cleanup of the clone id covers its instances.
  applyAll(s, [{ type: 'cleanup', resource: 'web', node: null, atMs: 4 }], 10);
  t.like(s.state.resources[key], { failCount: 0, lastFailureMs: null, state: 'unknown' });
});

test('node-down: fencing stops everything; an expired lease keeps stop-failed records', (t) => {
  const s = new ClusterState();
  const rec = (resource: string, state: 'started' | 'stop-failed'): ClusterCommand => ({
    type: 'record-state',
    node: 'n1',
    resource,
    state,
    failed: state === 'stop-failed',
    generation: 1,
    reason: '',
    atMs: 1,
  });
  applyAll(s, [
    rec('a', 'started'),
    rec('b', 'stop-failed'),
    { type: 'node-down', node: 'n1', cause: 'lease-expired', atMs: 5 },
  ]);
  t.is(s.state.resources[recordKey('a', 'n1')]?.state, 'stopped');
  t.is(s.state.resources[recordKey('b', 'n1')]?.state, 'stop-failed');
  applyAll(s, [{ type: 'node-down', node: 'n1', cause: 'fenced', atMs: 6 }], 10);
  t.is(s.state.resources[recordKey('b', 'n1')]?.state, 'stopped');
});

test('intents: add replaces the same intent, clear removes by resource and node', (t) => {
  const s = new ClusterState();
  applyAll(s, [
    {
      type: 'add-intent',
      intent: { kind: 'ban', resource: 'vip', node: 'n1', expiresAtMs: null },
      atMs: 1,
    },
    {
      type: 'add-intent',
      intent: { kind: 'ban', resource: 'vip', node: 'n1', expiresAtMs: 100 },
      atMs: 2,
    },
    {
      type: 'add-intent',
      intent: { kind: 'ban', resource: 'vip', node: 'n2', expiresAtMs: null },
      atMs: 3,
    },
  ]);
  t.is(s.state.intents.length, 2);
  t.is(s.state.intents[0]?.expiresAtMs, 100);
  applyAll(s, [{ type: 'clear-intents', resource: 'vip', node: 'n2', atMs: 4 }], 10);
  t.deepEqual(
    s.state.intents.map((i) => i.node),
    ['n1'],
  );
});

test('add-intents writes every intent at once, each replacing its own kind', (t) => {
  const s = new ClusterState();
  applyAll(s, [
    {
      type: 'add-intent',
      intent: { kind: 'ban', resource: 'vip', node: 'n1', expiresAtMs: 50 },
      atMs: 1,
    },
    {
      type: 'add-intents',
      intents: [
        { kind: 'prefer', resource: 'vip', node: 'n2', expiresAtMs: null },
        { kind: 'ban', resource: 'vip', node: 'n1', expiresAtMs: null },
      ],
      atMs: 2,
    },
  ]);
  t.deepEqual(
    s.state.intents.map((i) => `${i.kind}@${i.node}:${i.expiresAtMs}`),
    ['ban@n1:null', 'prefer@n2:null'],
  );
  t.deepEqual(
    s.state.events.filter((e) => e.index === 2).map((e) => e.message),
    ['prefer vip on n2 until cleared', 'ban vip on n1 until cleared'],
  );
  const before = s.snapshot();
  const empty = new TextEncoder().encode('{"type":"add-intents","intents":[],"atMs":3}');
  t.false(s.apply(3, empty).ok);
  t.deepEqual(s.snapshot(), before);
});

test('malformed commands change nothing and give an error result', (t) => {
  const s = new ClusterState();
  const before = s.snapshot();
  t.deepEqual(s.apply(1, new TextEncoder().encode('{not json')), {
    ok: false,
    error: 'malformed command (not JSON)',
  });
  t.false(s.apply(2, new TextEncoder().encode('{"type":"explode","atMs":1}')).ok);
  t.false(s.apply(3, new TextEncoder().encode('null')).ok);
  t.deepEqual(s.snapshot(), before);
});

test('the event list is bounded', (t) => {
  const s = new ClusterState();
  const cmds: ClusterCommand[] = Array.from({ length: EVENTS_MAX + 50 }, (_, i) => ({
    type: 'set-node-flags',
    node: 'n1',
    standby: i % 2 === 0,
    atMs: i,
  }));
  applyAll(s, cmds);
  t.is(s.state.events.length, EVENTS_MAX);
  t.is(s.state.events[0]?.index, 51);
});

const arbCommand: fc.Arbitrary<ClusterCommand> = fc.oneof(
  fc.record({
    type: fc.constant('set-node-flags' as const),
    node: fc.constantFrom('n1', 'n2'),
    standby: fc.boolean(),
    atMs: fc.nat(),
  }),
  fc.record({
    type: fc.constant('set-placement' as const),
    changes: fc.array(
      fc.record({
        resource: fc.constantFrom('a', 'b', 'c:0'),
        node: fc.constantFrom('n1', 'n2', null),
      }),
      { maxLength: 3 },
    ),
    atMs: fc.nat(),
  }),
  fc.record({
    type: fc.constant('record-state' as const),
    node: fc.constantFrom('n1', 'n2'),
    resource: fc.constantFrom('a', 'b', 'c:0'),
    state: fc.constantFrom(
      'started' as const,
      'stopped' as const,
      'failed' as const,
      'stop-failed' as const,
    ),
    failed: fc.boolean(),
    generation: fc.nat(5),
    reason: fc.string({ maxLength: 5 }),
    atMs: fc.nat(),
  }),
  fc.record({
    type: fc.constant('cleanup' as const),
    resource: fc.constantFrom('a', 'c'),
    node: fc.constantFrom('n1', null),
    atMs: fc.nat(),
  }),
  fc.record({
    type: fc.constant('node-down' as const),
    node: fc.constantFrom('n1', 'n2'),
    cause: fc.constantFrom('fenced' as const, 'lease-expired' as const),
    atMs: fc.nat(),
  }),
);

test('replicas applying the same commands agree, and snapshot/restore is lossless (property)', (t) => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          arbCommand.map((c) => encodeClusterCommand(c)),
          fc.uint8Array({ maxLength: 8 }),
        ),
        { maxLength: 40 },
      ),
      (entries) => {
        const a = new ClusterState();
        const b = new ClusterState();
        entries.forEach((e, i) => {
          t.deepEqual(a.apply(i + 1, e), b.apply(i + 1, e));
        });
        const restored = new ClusterState();
        restored.restore(a.snapshot());
        return (
          Buffer.from(a.snapshot()).equals(Buffer.from(b.snapshot())) &&
          Buffer.from(restored.snapshot()).equals(Buffer.from(a.snapshot()))
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('placing an instance on a node marks it unknown there until the node reports', (t) => {
  const s = new ClusterState();
  applyAll(s, [
    {
      type: 'record-state',
      node: 'n2',
      resource: 'vip',
      state: 'stopped',
      failed: false,
      generation: 0,
      reason: 'probe',
      atMs: 1,
    },
    { type: 'set-placement', changes: [{ resource: 'vip', node: 'n2' }], atMs: 2 },
  ]);
  t.like(s.state.resources[recordKey('vip', 'n2')], { state: 'unknown', generation: 1 });
  applyAll(
    s,
    [
      {
        type: 'record-state',
        node: 'n2',
        resource: 'vip',
        state: 'started',
        failed: false,
        generation: 1,
        reason: 'start ok',
        atMs: 3,
      },
    ],
    10,
  );
  // A later order to the same node does not hide what the node reported.
  applyAll(s, [{ type: 'set-placement', changes: [{ resource: 'vip', node: null }], atMs: 4 }], 20);
  applyAll(s, [{ type: 'set-placement', changes: [{ resource: 'vip', node: 'n2' }], atMs: 5 }], 30);
  t.is(s.state.resources[recordKey('vip', 'n2')]?.state, 'started');
});

test('orders raise the records of the nodes they name; a report older than its record is ignored', (t) => {
  const s = new ClusterState();
  const report = (node: string, state: 'started' | 'stopped', generation: number, atMs: number) =>
    ({
      type: 'record-state',
      node,
      resource: 'vip',
      state,
      failed: false,
      generation,
      reason: '',
      atMs,
    }) as const;
  const place = (node: string | null, atMs: number): ClusterCommand => ({
    type: 'set-placement',
    changes: [{ resource: 'vip', node }],
    atMs,
  });
  applyAll(s, [place('n1', 1), report('n1', 'stopped', 1, 2)]); // a probe under generation 1
  const n1 = recordKey('vip', 'n1');
  // Taken off n1 (generation 2): n1 may be starting it under generation 1, so its `stopped`
  // no longer counts until it reports under generation 2.
  applyAll(s, [place(null, 3)], 10);
  t.like(s.state.resources[n1], { state: 'unknown', generation: 2 });
  applyAll(s, [report('n1', 'stopped', 1, 4)], 20);
  t.like(s.state.resources[n1], { state: 'unknown', generation: 2 }, 'stale report ignored');
  applyAll(s, [report('n1', 'stopped', 2, 5)], 30);
  t.like(s.state.resources[n1], { state: 'stopped', generation: 2 });
  // An order naming a node whose record says started keeps the state, raises the generation.
  applyAll(s, [report('n2', 'started', 2, 6), place('n2', 7)], 40);
  t.like(s.state.resources[recordKey('vip', 'n2')], { state: 'started', generation: 3 });
  applyAll(s, [report('n2', 'stopped', 2, 8)], 50);
  t.is(s.state.resources[recordKey('vip', 'n2')]?.state, 'started');
});

test('a fence recorded in the log marks the node fenced until it is seen alive again', (t) => {
  const s = new ClusterState();
  applyAll(s, [{ type: 'node-down', node: 'n3', cause: 'fenced', atMs: 1 }]);
  t.true(s.state.nodes['n3']?.fenced);
  applyAll(s, [{ type: 'node-down', node: 'n2', cause: 'lease-expired', atMs: 2 }], 10);
  t.is(s.state.nodes['n2']?.fenced, undefined, 'an expired lease proves nothing about power');
  applyAll(s, [{ type: 'node-up', node: 'n3', atMs: 3 }], 20);
  t.is(s.state.nodes['n3']?.fenced, undefined);
});

test('record-state runnable: false is kept by stopped reports that do not say, cleared otherwise and by cleanup', (t) => {
  const s = new ClusterState();
  const report = (
    state: 'stopped' | 'started',
    runnable: boolean | undefined,
    atMs: number,
  ): ClusterCommand => ({
    type: 'record-state',
    node: 'n1',
    resource: 'vip',
    state,
    failed: false,
    ...(runnable !== undefined ? { runnable } : {}),
    generation: 0,
    reason: 'probe',
    atMs,
  });
  const key = recordKey('vip', 'n1');
  applyAll(s, [report('stopped', false, 1)]);
  t.is(s.state.resources[key]?.runnable, false);
  t.is(s.state.resources[key]?.failCount, 0, 'not a failure');
  t.regex(s.state.events.at(-1)?.message ?? '', /not installed here/);
  applyAll(s, [report('stopped', undefined, 2)], 2);
  t.is(s.state.resources[key]?.runnable, false, 'a re-sent stopped report keeps it');
  applyAll(s, [report('stopped', true, 3)], 3);
  t.is(s.state.resources[key]?.runnable, undefined, 'a probe that found the agent clears it');
  applyAll(s, [report('stopped', false, 4), report('started', undefined, 5)], 4);
  t.is(s.state.resources[key]?.runnable, undefined, 'it ran: installed after all');
  applyAll(
    s,
    [report('stopped', false, 6), { type: 'cleanup', resource: 'vip', node: null, atMs: 7 }],
    6,
  );
  t.is(s.state.resources[key]?.runnable, undefined, 'cleanup asks for a new probe');
});

test('a resource removed from the configuration while it may run keeps its definition until stopped everywhere', (t) => {
  const s = new ClusterState();
  const web = {
    id: 'web',
    agent: { class: 'ocf' as const, provider: 'test', type: 'marker' },
    params: { dir: '/x' },
    operations: {
      start: { timeoutMs: 1000, intervalMs: 0 },
      stop: { timeoutMs: 1000, intervalMs: 0 },
      monitor: { timeoutMs: 1000, intervalMs: 500 },
    },
    meta: { ...DEFAULT_RESOURCE_META },
  };
  const rec = (node: string, state: 'started' | 'stopped', atMs: number): ClusterCommand => ({
    type: 'record-state',
    node,
    resource: 'web',
    state,
    failed: false,
    generation: 0,
    reason: state,
    atMs,
  });
  applyAll(s, [
    {
      type: 'apply-config',
      config: { ...EMPTY_CLUSTER_CONFIG, resources: [web] },
      fingerprint: 'a',
      atMs: 1,
    },
    rec('n1', 'started', 2),
    rec('n2', 'stopped', 3),
    { type: 'apply-config', config: EMPTY_CLUSTER_CONFIG, fingerprint: 'b', atMs: 4 },
  ]);
  t.deepEqual(s.state.orphans?.['web'], web, 'kept: it still runs on n1');
  applyAll(s, [rec('n1', 'stopped', 5)], 10);
  t.is(s.state.orphans, undefined, 'forgotten once stopped everywhere');
  // Removed while stopped everywhere: nothing to keep.
  applyAll(
    s,
    [
      {
        type: 'apply-config',
        config: { ...EMPTY_CLUSTER_CONFIG, resources: [web] },
        fingerprint: 'c',
        atMs: 6,
      },
      { type: 'apply-config', config: EMPTY_CLUSTER_CONFIG, fingerprint: 'd', atMs: 7 },
    ],
    20,
  );
  t.is(s.state.orphans, undefined);
});
