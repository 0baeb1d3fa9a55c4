import test from 'ava';
import { ActiveLedger } from './active-ledger.js';

// The ground-truth observer must stay silent on a legal history and name the invariant, the
// instance, the nodes and the times on an illegal one.

test('never active twice: a handover is legal, an overlap is caught with both nodes and times', (t) => {
  const ledger = new ActiveLedger(new Set());
  ledger.activated('vip', 'n1', 10);
  ledger.deactivated('vip', 'n1', 20, 'stopped');
  t.notThrows(() => ledger.activated('vip', 'n2', 20));
  t.throws(() => ledger.activated('vip', 'n3', 25), {
    message:
      '[never-active-twice] vip became active on n3 at 25.000ms while active on n2 since 20.000ms',
  });
});

test('clone instances apart: two instances of one clone never active on the same node', (t) => {
  const ledger = new ActiveLedger(new Set(['api']));
  ledger.activated('api:0', 'n1', 1);
  t.notThrows(() => ledger.activated('api:1', 'n2', 2), 'other nodes are fine');
  t.notThrows(() => ledger.activated('vip', 'n1', 3), 'other resources are fine');
  t.throws(() => ledger.activated('api:2', 'n1', 4), {
    message: /\[clone-instances-apart\] api:2 became active on n1 at 4\.000ms while api:0/,
  });
  ledger.deactivated('api:0', 'n1', 5, 'host-down');
  t.deepEqual(ledger.activeOn('n1'), ['vip']);
});

test('listeners see every change, with its cause', (t) => {
  const ledger = new ActiveLedger(new Set());
  const seen: string[] = [];
  ledger.listeners.push({
    activated: (i, n, at) => seen.push(`+${i}@${n}@${at}`),
    deactivated: (i, n, at, cause) => seen.push(`-${i}@${n}@${at}:${cause}`),
  });
  ledger.activated('db', 'n2', 1);
  ledger.deactivated('db', 'n2', 2, 'host-down');
  ledger.deactivated('db', 'n2', 3, 'stopped'); // not active: nothing happens
  t.deepEqual(seen, ['+db@n2@1', '-db@n2@2:host-down']);
});

test('anti-affinity: the two sides of a -INFINITY colocation never share a node', (t) => {
  const ledger = new ActiveLedger(new Set(), [['shard-a', 'shard-b']]);
  ledger.activated('shard-a', 'n1', 1);
  t.notThrows(() => ledger.activated('shard-b', 'n2', 2));
  ledger.deactivated('shard-b', 'n2', 3, 'stopped');
  t.throws(() => ledger.activated('shard-b', 'n1', 4), { message: /\[anti-affinity\] shard-b/ });
});
