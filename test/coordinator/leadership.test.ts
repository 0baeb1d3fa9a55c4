import test from 'ava';
import { Leadership } from '../../agent/src/coordinator/leadership.js';
import { DEFAULT_LEASE_TIMING } from '../../agent/src/liveness/lease-timing.js';
import { LeaseWitness } from '../../agent/src/liveness/lease-witness.js';
import type { Plan } from '../../agent/src/scheduler/types.js';
import { emptyClusterState, recordKey } from '../../agent/src/state/cluster-state.js';

const noPlan = (): Plan => ({ placement: {}, actions: [], summary: [], unplaced: [], scores: {} });

/** The agent process `incarnation`, started at `startedMs`, as its request at `nowMs` says. */
const agent = (incarnation: string, startedMs: number, nowMs: number) => ({
  incarnation,
  upMs: nowMs - startedMs,
});

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
  // Both have been up for a while (a node just up gets a longer grace: next tests).
  const renewUntil = (lead: Leadership, untilMs: number) => {
    for (let now = -3000; now <= untilMs; now += 20) {
      lead.renewal('n2', now, 0, doc, agent('n2-a', -60_000, now));
      lead.renewal('n3', now, 0, doc, agent('n3-a', -60_000, now));
    }
  };
  const lead = new Leadership('n1', 3, DEFAULT_LEASE_TIMING, 50);
  renewUntil(lead, 0);
  t.deepEqual(lead.round(doc, members, members, 10, 10, noPlan).decision.fence, []);
  // n3 keeps renewing, n2 falls silent: leader and n3 are a quorum, so n2 is fenced.
  for (let now = 20; now <= 400; now += 20)
    lead.renewal('n3', now, 0, doc, agent('n3-a', -60_000, now));
  lead.round(doc, members, members, 300, 300, noPlan); // n2 suspect from here
  const quorum = lead.round(doc, members, members, 400, 400, noPlan);
  t.deepEqual(
    quorum.decision.fence.map((f) => f.node),
    ['n2'],
  );
  // Both silent (the leader stalled, or is cut off): no fence for silence.
  const alone = new Leadership('n1', 4, DEFAULT_LEASE_TIMING, 50);
  renewUntil(alone, 0);
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

// Found by the failover benchmark's fast profile: when the leader itself failed, the new leader
// dated the old leader's silence from its own first round, a full grace (and a round) after
// the old leader's last renewal, and fenced it 90-190 ms later than a follower's failure.
test("a new leader dates a member's silence from the last request its own voter heard", (t) => {
  const doc = emptyClusterState();
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  const members = ['n1', 'n2', 'n3'];
  const timing = DEFAULT_LEASE_TIMING; // renewals every 50 ms: silent 150 ms after the last
  const witness = new LeaseWitness(timing, -10_000);
  for (let now = -5000; now <= 0; now += 50) {
    witness.renewal('n2', now, agent('n2-a', -60_000, now)); // the old leader, dead at 0
    witness.renewal('n3', now, agent('n3-a', -60_000, now));
  }
  for (let now = 50; now <= 400; now += 50) witness.renewal('n3', now, agent('n3-a', -60_000, now));
  t.deepEqual(witness.heard().get('n2'), { atMs: 0, incarnation: 'n2-a', upMs: 60_000 });
  // n1 wins the election at 400 and leads with a grace of 100 ms. n2 fell silent at 150 (0 +
  // 3 renewals): its grace ended at 250, before this leadership, so the first round fences it.
  const lead = new Leadership('n1', 9, timing, 100, witness.heard());
  const first = lead.round(doc, members, members, 400, 400, noPlan);
  t.is(first.liveness['n2'], 'suspect');
  t.deepEqual(
    first.decision.fence.map((f) => f.detail),
    ['node n2 has been silent for 250 ms (fenced after 100 ms)'],
  );
  // Without what its voter heard, the same leader would wait a grace from its first round.
  const blind = new Leadership('n1', 9, timing, 100);
  blind.renewal('n3', 400, 0, doc, agent('n3-a', -60_000, 400));
  blind.round(doc, members, members, 400, 400, noPlan);
  t.deepEqual(blind.round(doc, members, members, 401, 401, noPlan).decision.fence, []);
});

test('a member whose agent had only just started gets the longer grace before it is fenced', (t) => {
  const doc = emptyClusterState();
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  const members = ['n1', 'n2', 'n3'];
  const lead = new Leadership('n1', 2, DEFAULT_LEASE_TIMING, 50);
  for (let now = 0; now <= 3650; now += 50)
    lead.renewal('n3', now, 0, doc, agent('n3-a', -60_000, now));
  // n2's agent starts at 2000 and stalls after 500 ms of renewals (still loading).
  for (let now = 2000; now <= 2500; now += 50)
    lead.renewal('n2', now, 0, doc, agent('n2-b', 2000, now));
  const fenceAt = (now: number) =>
    lead.round(doc, members, members, now, now, noPlan).decision.fence.map((f) => f.detail);
  t.deepEqual(fenceAt(2700), [], 'silent since 2650: within any grace');
  t.deepEqual(fenceAt(2710), [], 'past the 50 ms grace, but up only 500 ms: 1000 ms grace');
  t.deepEqual(fenceAt(3649), []);
  t.deepEqual(fenceAt(3650), [
    'node n2 has been silent for 1000 ms (fenced after 1000 ms (it had been up only 500 ms))',
  ]);
});

// Found by the failover benchmark's fast profile: a host cut off and then fenced left renewal
// requests queued in its kernel; when the host's link came back, TCP delivered them. The
// leader took them for a sign of life, saw the node fall silent again, and fenced the host a
// second time while it booted.
test('requests from the agent process a fence device confirmed off do not make it alive', (t) => {
  const doc = emptyClusterState();
  doc.config = { ...doc.config, properties: { ...doc.config.properties, fencingEnabled: true } };
  const members = ['n1', 'n2', 'n3'];
  const lead = new Leadership('n1', 2, DEFAULT_LEASE_TIMING, 50);
  const n3 = (now: number) => lead.renewal('n3', now, 0, doc, agent('n3-a', -60_000, now));
  for (let now = 0; now <= 5000; now += 50) {
    n3(now);
    if (now <= 3000) lead.renewal('n2', now, 0, doc, agent('n2-a', -60_000, now));
  }
  t.deepEqual(
    lead.round(doc, members, members, 5000, 5000, noPlan).decision.fence.map((f) => f.node),
    ['n2'],
  );
  lead.fenceConfirmed('n2');
  // A late request of the fenced process: no grant, not alive, still fenced.
  t.false(lead.renewal('n2', 5100, 0, doc, agent('n2-a', -60_000, 2990)));
  n3(5100);
  const after = lead.round(doc, members, members, 5100, 5100, noPlan);
  t.is(after.liveness['n2'], 'suspect');
  t.deepEqual(after.fenced, ['n2']);
  // The host boots a new agent process: that one is alive.
  t.true(lead.renewal('n2', 7000, 0, doc, agent('n2-b', 6500, 7000)));
  n3(7000);
  const back = lead.round(doc, members, members, 7000, 7000, noPlan);
  t.is(back.liveness['n2'], 'alive');
  t.deepEqual(back.fenced, []);
});

test('the next round is due when a member turns silent and when its grace ends', (t) => {
  const doc = emptyClusterState();
  const members = ['n1', 'n2', 'n3'];
  const lead = new Leadership('n1', 2, DEFAULT_LEASE_TIMING, 80);
  for (let now = 0; now <= 3000; now += 50) {
    lead.renewal('n2', now, 0, doc, agent('n2-a', -60_000, now));
    if (now <= 2500) lead.renewal('n3', now, 0, doc, agent('n3-a', -60_000, now));
  }
  // n2 renews last at 3000 (silent after 3150); n3 at 2500 (silent since 2650, grace to 2730).
  t.is(lead.nextDueMs(members, 2600), 2651, 'n3 turns silent just after 2650');
  lead.round(doc, members, members, 2700, 2700, noPlan);
  t.is(lead.nextDueMs(members, 2700), 2730, "n3's grace ends");
  t.is(lead.nextDueMs(members, 2730), 3151, 'then n2 turns silent');
  t.is(lead.nextDueMs(['n1'], 2730), undefined, 'nothing due for the leader alone');
});
