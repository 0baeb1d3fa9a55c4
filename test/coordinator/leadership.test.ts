import test from 'ava';
import { Leadership } from '../../agent/src/coordinator/leadership.js';
import { DEFAULT_LEASE_TIMING } from '../../agent/src/liveness/lease-timing.js';
import { LeaseWitness } from '../../agent/src/liveness/lease-witness.js';
import type { Plan } from '../../agent/src/scheduler/types.js';
import { emptyClusterState, recordKey } from '../../agent/src/state/cluster-state.js';

const noPlan = (): Plan => ({ placement: {}, actions: [], summary: [], unplaced: [], scores: {} });

// Regression (whole-cluster simulation, seed 1660): a node the log marked fenced came back and
// renewed with a new leader before `node-up` was committed. The new leader moved the node's
// resource away treating it as fenced, and granted it a lease that named an older commit
// index, so the node started the resource from its stale placement: active twice.
test('a node the log marks fenced gets no grant until node-up commits; nodes treated as gone are held', (t) => {
  const doc = emptyClusterState();
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  doc.nodes['n1'] = { standby: false, maintenance: false, attributes: {}, fenced: true };
  doc.resources[recordKey('vip', 'n1')] = {
    resource: 'vip',
    node: 'n1',
    state: 'started',
    failCount: 0,
    lastFailureMs: null,
    generation: 1,
    reason: '',
    updatedAtMs: 0,
  };
  const lead = new Leadership('n2', 7, DEFAULT_LEASE_TIMING);
  const round = lead.round(doc, ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3'], 10, 10, noPlan);
  t.deepEqual(round.decision.gone, ['n1'], 'marked fenced and not seen alive: gone');
  lead.proposed(round, 40);
  t.false(lead.renewal('n1', 20, 45, doc), 'the log still marks it fenced');
  const back = lead.round(doc, ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3'], 25, 25, noPlan);
  t.deepEqual(back.decision.commands, [{ type: 'node-up', node: 'n1', atMs: 25 }]);
  delete doc.nodes['n1']!.fenced; // node-up applied
  t.false(lead.renewal('n1', 30, 39, doc), 'the decision that treated it as gone is uncommitted');
  t.true(lead.renewal('n1', 30, 40, doc));
});

// Found by the failover benchmark's fast profile (20 ms renewals, 50 ms grace) on a loaded
// machine: a leader that stalled saw every other node silent at once and fenced them all.
test('a leader that hears from less than a quorum fences no one for silence', (t) => {
  const doc = emptyClusterState();
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  const members = ['n1', 'n2', 'n3'];
  const lead = new Leadership('n1', 3, DEFAULT_LEASE_TIMING, 50);
  lead.renewal('n2', 0, 0, doc);
  lead.renewal('n3', 0, 0, doc);
  t.deepEqual(lead.round(doc, members, members, 10, 10, noPlan).decision.fence, []);
  // n3 keeps renewing, n2 falls silent: leader and n3 are a quorum, so n2 is fenced.
  for (let now = 20; now <= 400; now += 20) lead.renewal('n3', now, 0, doc);
  lead.round(doc, members, members, 300, 300, noPlan); // n2 suspect from here
  const quorum = lead.round(doc, members, members, 400, 400, noPlan);
  t.deepEqual(
    quorum.decision.fence.map((f) => f.node),
    ['n2'],
  );
  // Both silent (the leader stalled, or is cut off): no fence for silence.
  const alone = new Leadership('n1', 4, DEFAULT_LEASE_TIMING, 50);
  alone.renewal('n2', 0, 0, doc);
  alone.renewal('n3', 0, 0, doc);
  alone.round(doc, members, members, 300, 300, noPlan);
  t.deepEqual(alone.round(doc, members, members, 400, 400, noPlan).decision.fence, []);
});

test('a revocation round answers for the leader itself and asks every other voter but the member', (t) => {
  const members = ['n1', 'n2', 'n3'];
  const lead = new Leadership('n1', 5, DEFAULT_LEASE_TIMING);
  const witness = new LeaseWitness(DEFAULT_LEASE_TIMING, -DEFAULT_LEASE_TIMING.revokeHoldMs);
  // Nobody heard from: all silent at once. n2 and n3 are asked about; each request goes to the
  // other voter, never to the member itself nor to the leader (it answered through its witness).
  t.deepEqual(lead.revokeRound(members, members, 5_000, witness), [
    { node: 'n2', voter: 'n3' },
    { node: 'n3', voter: 'n2' },
  ]);
  t.true(witness.refusing('n2', 5_000), "the leader's own voter promised at once");
  t.deepEqual(lead.revokeRound(members, members, 5_001, witness), [], 'asked too recently');
});
