import test from 'ava';
import { LeaseTable } from '../../agent/src/liveness/lease-table.js';
import {
  checkLeaseTiming,
  DEFAULT_LEASE_TIMING,
  expiryWaitMs,
  promiseHoldsMs,
  revocationNeedMs,
} from '../../agent/src/liveness/lease-timing.js';
import { LeaseWitness } from '../../agent/src/liveness/lease-witness.js';
import { NodeLease } from '../../agent/src/liveness/node-lease.js';

// Unit tests of the three sides of a quorum lease: the node (NodeLease), each voter
// (LeaseWitness) and the leader (LeaseTable). The whole protocol under drift, delay and loss
// is checked in quorum-lease-safety.test.ts.

const timing = DEFAULT_LEASE_TIMING;
const { leaseMs, stopBudgetMs, renewTimeoutMs, revokeHoldMs } = timing;
const three = ['a', 'b', 'c'];

/** A lease renewed by a quorum of `three` for a request sent at `sentAtMs` (answers at once). */
function renewed(lease: NodeLease, sentAtMs: number, grantIndex?: number): number {
  const id = lease.requestSent(sentAtMs, three);
  lease.ackReceived(id, 'a', sentAtMs);
  lease.ackReceived(id, 'b', sentAtMs);
  if (grantIndex !== undefined) lease.grantReceived(id, grantIndex, sentAtMs);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Timing

test('the default timing is sound, and each inequality is checked', (t) => {
  t.deepEqual(checkLeaseTiming(timing), []);
  t.true(
    checkLeaseTiming({ ...timing, leaseMs: stopBudgetMs + 100 }).some((p) => p.includes('leaseMs')),
    'a lease too short for stop budget + interval + timeout',
  );
  t.true(
    checkLeaseTiming({ ...timing, revokeHoldMs: 300 }).some((p) => p.includes('revokeHoldMs')),
    'a refusal too short for the leader to count it',
  );
  t.true(checkLeaseTiming({ ...timing, driftRate: 0.5 }).length > 0);
  t.true(checkLeaseTiming({ ...timing, renewTimeoutMs: 0 }).length > 0);
});

test('the derived waits cover drift on both clocks plus the margin', (t) => {
  const rho = timing.driftRate;
  // Real time a lease can last (node clock slow) vs. the least real time the voter's wait
  // takes (voter clock fast).
  t.true(
    expiryWaitMs(timing) / (1 + rho) >= leaseMs / (1 - rho) + timing.safetyMarginMs / (1 + rho),
  );
  t.true(revocationNeedMs(timing) / (1 + rho) >= renewTimeoutMs / (1 - rho));
  // The leader's count of a promise never outlasts the voter's refusal in real time.
  t.true(promiseHoldsMs(timing) / (1 - rho) <= revokeHoldMs / (1 + rho));
  // With no drift and no margin the waits are exactly the spans they guard.
  const exact = { ...timing, driftRate: 0, safetyMarginMs: 0 };
  t.is(expiryWaitMs(exact), leaseMs);
  t.is(revocationNeedMs(exact), renewTimeoutMs);
  t.is(promiseHoldsMs(exact), revokeHoldMs);
});

// ---------------------------------------------------------------------------------------------
// NodeLease

test('a lease needs a quorum of the voters; it runs from the send time and enters the stop budget before it ends', (t) => {
  const lease = new NodeLease(timing);
  t.is(lease.state(0), 'expired', 'no lease before any renewal');
  const id = lease.requestSent(1000, three);
  lease.ackReceived(id, 'a', 1040);
  t.is(lease.state(1040), 'expired', 'one yes of three is no quorum');
  lease.ackReceived(id, 'a', 1050);
  t.is(lease.state(1050), 'expired', 'the same voter twice counts once');
  lease.ackReceived(id, 'x', 1060);
  t.is(lease.state(1060), 'expired', 'an answer from a non-voter counts for nothing');
  lease.ackReceived(id, 'c', 1100); // whenever the quorum completes, the lease counts from 1000
  t.is(lease.expiresAtMs(), 1000 + leaseMs);
  t.is(lease.state(1000 + leaseMs - stopBudgetMs - 1), 'valid');
  t.is(lease.msUntilStopping(1100), 1000 + leaseMs - stopBudgetMs - 1100);
  t.is(lease.state(1000 + leaseMs - stopBudgetMs), 'stopping');
  t.is(lease.msUntilStopping(1000 + leaseMs - stopBudgetMs), 0);
  t.is(lease.state(1000 + leaseMs - 1), 'stopping');
  t.is(lease.state(1000 + leaseMs), 'expired');
});

test('the quorum is a majority of the voters the request went to', (t) => {
  const lease = new NodeLease(timing);
  const five = ['a', 'b', 'c', 'd', 'e'];
  const id = lease.requestSent(0, five);
  for (const v of ['a', 'b', 'b', 'x', 'y']) lease.ackReceived(id, v, 10);
  t.is(lease.state(10), 'expired', 'two distinct voters of five (plus repeats and strangers)');
  lease.ackReceived(id, 'e', 20);
  t.is(lease.state(20), 'valid', 'three of five');
  // A request to two voters needs both; to one voter, that one.
  const pair = new NodeLease(timing);
  const p = pair.requestSent(0, ['a', 'b']);
  pair.ackReceived(p, 'a', 1);
  t.is(pair.state(1), 'expired');
  pair.ackReceived(p, 'b', 1);
  t.is(pair.state(1), 'valid');
  const single = new NodeLease(timing);
  single.ackReceived(single.requestSent(0, ['a']), 'a', 0);
  t.is(single.state(0), 'valid');
});

test('answers arriving later than renewTimeoutMs after the send renew nothing', (t) => {
  const lease = new NodeLease(timing);
  const id = lease.requestSent(0, three);
  lease.ackReceived(id, 'a', renewTimeoutMs);
  lease.ackReceived(id, 'b', renewTimeoutMs + 1);
  t.is(lease.state(renewTimeoutMs + 1), 'expired', 'the second yes came too late');
  lease.ackReceived(id, 'c', renewTimeoutMs);
  t.is(lease.expiresAtMs(), leaseMs, 'answers just within the deadline count');
  // A grant arriving late names no commit index and grants nothing.
  lease.grantReceived(id, 7, renewTimeoutMs + 1);
  t.false(lease.mayStart(1_000_000));
});

test('unknown requests renew nothing; an older quorum arriving late never shortens a newer lease', (t) => {
  const lease = new NodeLease(timing);
  lease.ackReceived(42, 'a', 0);
  lease.ackReceived(42, 'b', 0);
  t.is(lease.state(0), 'expired');
  const early = lease.requestSent(0, three);
  renewed(lease, 100);
  t.is(lease.expiresAtMs(), 100 + leaseMs);
  lease.ackReceived(early, 'a', 120);
  lease.ackReceived(early, 'c', 120);
  t.is(lease.expiresAtMs(), 100 + leaseMs, 'the older request was superseded');
});

test('revoke ends the lease at once and forgets the requests in flight', (t) => {
  const lease = new NodeLease(timing);
  renewed(lease, 0, 5);
  t.true(lease.mayStart(5));
  const inFlight = lease.requestSent(10, three);
  lease.revoke();
  t.is(lease.state(10), 'expired');
  t.is(lease.expiresAtMs(), Number.NEGATIVE_INFINITY);
  t.false(lease.mayStart(5));
  lease.ackReceived(inFlight, 'a', 20);
  lease.ackReceived(inFlight, 'b', 20);
  t.is(lease.state(20), 'expired', 'answers to a request sent before the revoke count for nothing');
});

test('a node starts nothing before it applied the log as far as the newest leader grant said', (t) => {
  const lease = new NodeLease(timing);
  renewed(lease, 0);
  t.is(lease.state(10), 'valid');
  t.false(lease.mayStart(1_000_000), 'a quorum keeps resources running, starting needs a leader');
  const id = renewed(lease, 50, 40);
  t.false(lease.mayStart(39));
  t.true(lease.mayStart(40));
  // Every grant raises the bar, none lowers it (a node back from a partition, a pause or a
  // restart cannot tell that it missed moves; the leader's commit index covers them).
  renewed(lease, 100, 90);
  t.false(lease.mayStart(89));
  t.true(lease.mayStart(90));
  const pending = lease.requestSent(150, three);
  lease.ackReceived(pending, 'a', 160);
  lease.grantReceived(pending, 60, 160);
  t.false(lease.mayStart(89), 'a grant naming an older commit index keeps the higher bar');
  t.true(lease.mayStart(90));
  lease.grantReceived(id, 95, 100);
  t.true(lease.mayStart(90), 'a grant for a superseded request raises nothing');
});

test('renewals while the lease holds keep the stretch; one sent in the stop budget begins a new stretch that needs a new leader grant', (t) => {
  const lease = new NodeLease(timing);
  renewed(lease, 0, 10);
  renewed(lease, 100); // renewed by a quorum without the leader: same stretch
  t.true(lease.mayStart(10));
  const stopAt = 100 + leaseMs - stopBudgetMs;
  t.is(lease.state(stopAt - 1), 'valid');
  // Sent just before the stop budget: still the same stretch.
  renewed(lease, stopAt - 1);
  t.true(lease.mayStart(10));
  // Now silent until the stop budget of that lease began: the node has been stopping
  // everything, so the renewal it gets next starts nothing by itself.
  const late = stopAt - 1 + leaseMs - stopBudgetMs;
  t.is(lease.state(late), 'stopping');
  const id = renewed(lease, late);
  t.is(lease.state(late), 'valid');
  t.false(lease.mayStart(10), 'a new stretch: the old grant no longer counts');
  lease.grantReceived(id, 10, late + 5);
  t.true(lease.mayStart(10));
});

test('after the lease expired, a renewal begins a new stretch; a grant for a request sent before it does not count', (t) => {
  const lease = new NodeLease(timing);
  renewed(lease, 0, 3);
  const after = leaseMs + 500; // expired
  t.is(lease.state(after), 'expired');
  // The leader granted a request (its yes alone, no quorum), then a later request got a
  // quorum from the other voters first.
  const first = lease.requestSent(after, three);
  lease.ackReceived(first, 'a', after + 10);
  lease.grantReceived(first, 3, after + 10);
  t.is(lease.state(after + 10), 'expired', 'the leader alone is no quorum');
  const second = lease.requestSent(after + 50, three);
  lease.ackReceived(second, 'b', after + 60);
  lease.ackReceived(second, 'c', after + 60);
  t.is(lease.state(after + 60), 'valid');
  t.false(lease.mayStart(3), 'the grant was for a request the new stretch does not rest on');
  // The leader's yes completing the quorum (ackReceived, then grantReceived) counts.
  const third = lease.requestSent(after + 100, three);
  lease.ackReceived(third, 'b', after + 110);
  lease.ackReceived(third, 'a', after + 120);
  lease.grantReceived(third, 4, after + 120);
  t.false(lease.mayStart(3));
  t.true(lease.mayStart(4));
});

test('the leader grant of the request that begins a stretch counts even when it arrived before the quorum', (t) => {
  const lease = new NodeLease(timing);
  const id = lease.requestSent(0, three);
  lease.ackReceived(id, 'a', 5);
  lease.grantReceived(id, 8, 5);
  t.false(lease.mayStart(8), 'no quorum yet');
  lease.ackReceived(id, 'b', 6);
  t.true(lease.mayStart(8));
});

test('an inherited lease keeps resources running but starts nothing before a leader grant', (t) => {
  const lease = new NodeLease(timing);
  lease.inherit(400);
  t.is(lease.state(0), 'valid');
  t.is(lease.state(400 - stopBudgetMs), 'stopping');
  t.false(lease.mayStart(1_000_000));
  renewed(lease, 10); // a quorum without the leader
  t.is(lease.expiresAtMs(), 10 + leaseMs);
  t.false(lease.mayStart(1_000_000), 'still no leader grant');
  const id = renewed(lease, 60);
  lease.grantReceived(id, 12, 70);
  t.false(lease.mayStart(11));
  t.true(lease.mayStart(12));
  lease.inherit(100);
  t.is(lease.expiresAtMs(), 60 + leaseMs, 'inheriting never shortens the lease');
});

// ---------------------------------------------------------------------------------------------
// LeaseWitness

const wait = expiryWaitMs(timing);

test('a voter revokes only once expiryWaitMs passed since its last yes, then refuses for revokeHoldMs', (t) => {
  const w = new LeaseWitness(timing, 0);
  t.true(w.renewal('n', 5000));
  t.true(w.renewal('n', 4000), 'an older reading never moves the last yes back');
  t.deepEqual(w.revoke('n', 5000 + wait - 10), { revoked: false, remainingMs: 10 });
  t.false(w.refusing('n', 5000 + wait - 10), 'a refused revocation promises nothing');
  t.true(w.renewal('m', 5000 + wait - 10), 'other nodes are not concerned');
  const at = 5000 + wait;
  t.deepEqual(w.revoke('n', at), { revoked: true, holdMs: revokeHoldMs });
  t.true(w.refusing('n', at));
  t.false(w.renewal('n', at));
  t.false(w.renewal('n', at + revokeHoldMs - 1));
  t.true(w.renewal('m', at + 1), 'only the revoked node is refused');
  t.false(w.refusing('n', at + revokeHoldMs));
  t.true(w.renewal('n', at + revokeHoldMs));
  // That yes restarts the wait.
  t.deepEqual(w.revoke('n', at + revokeHoldMs + 1), { revoked: false, remainingMs: wait - 1 });
});

test('refused renewals are no yes: the wait runs from the last yes through the refusals', (t) => {
  const w = new LeaseWitness(timing, 0);
  w.renewal('n', 1000);
  t.true(w.revoke('n', 1000 + wait).revoked);
  t.false(w.renewal('n', 1000 + wait + 100));
  t.false(w.renewal('n', 1000 + wait + 200));
  // Asked again during the hold: agrees (no yes since), and the refusal now ends later.
  const second = 1000 + wait + 500;
  t.deepEqual(w.revoke('n', second), { revoked: true, holdMs: revokeHoldMs });
  t.false(w.renewal('n', 1000 + wait + revokeHoldMs), 'the first hold would have ended here');
  t.false(w.renewal('n', second + revokeHoldMs - 1));
  t.true(w.renewal('n', second + revokeHoldMs));
});

test('an earlier revocation never shortens a longer hold', (t) => {
  const w = new LeaseWitness(timing, 0);
  t.true(w.revoke('n', wait + 500).revoked);
  t.true(
    w.revoke('n', wait).revoked,
    'a reading older than the last (the clock is monotonic, the call order is not)',
  );
  t.true(w.refusing('n', wait + 500 + revokeHoldMs - 1));
});

test('a voter that just started counts its wait from its start, for every node', (t) => {
  const started = 70_000;
  const w = new LeaseWitness(timing, started);
  t.deepEqual(w.revoke('n', started + 1), { revoked: false, remainingMs: wait - 1 });
  t.deepEqual(w.revoke('never-seen', started + wait - 1), { revoked: false, remainingMs: 1 });
  t.true(w.revoke('n', started + wait).revoked);
  // A yes after its start (and after its start-up refusal) counts from the yes.
  const v = new LeaseWitness(timing, started);
  const yesAt = started + revokeHoldMs + 300;
  t.true(v.renewal('n', yesAt));
  t.false(v.revoke('n', yesAt + wait - 1).revoked);
  t.true(v.revoke('n', yesAt + wait).revoked);
});

// Regression (found by the property tests' authors with five voters): a voter promised to
// refuse n, restarted, and at once renewed n again, so n kept one lease through the leader's
// `down`. A restarted voter cannot know what its previous process promised: it refuses every
// renewal for revokeHoldMs after its start, which outlasts any such promise.
test('a voter that just started refuses every renewal for revokeHoldMs', (t) => {
  const started = 70_000;
  const w = new LeaseWitness(timing, started);
  t.true(w.refusing('n', started));
  t.false(w.renewal('n', started + revokeHoldMs - 1));
  t.false(w.renewal('never-seen', started + 1));
  t.true(w.renewal('n', started + revokeHoldMs));
});

test('five voters, one restarting after its promise: the leader never calls n down while its lease holds', (t) => {
  // n renews every 50 ms with n, L (the leader), A, B, C; clocks at rate 1; a message takes
  // no time unless its link is cut: n–L always, n–A from 1000 to 1700 ms, n–B from 1650 ms.
  // A promises to refuse n at 1687 and restarts at 1700.
  const all = ['n', 'L', 'A', 'B', 'C'];
  const lease = new NodeLease(timing);
  const w = new Map(all.map((v) => [v, new LeaseWitness(timing, -revokeHoldMs)]));
  const table = new LeaseTable(timing);
  const cut = (v: string, now: number) =>
    v === 'L' || (v === 'A' && now >= 1000 && now < 1700) || (v === 'B' && now >= 1650);
  let downs = 0;
  for (let now = 0; now <= 4000; now++) {
    if (now === 1700) w.set('A', new LeaseWitness(timing, 1700));
    if (now % 50 === 0) {
      const id = lease.requestSent(now, all);
      for (const v of all) {
        if (v !== 'n' && cut(v, now)) continue;
        if (w.get(v)!.renewal('n', now)) lease.ackReceived(id, v, now);
      }
    }
    for (const node of table.revokeTargets(['n'], now))
      for (const v of ['L', 'A', 'B', 'C'])
        table.revokeAnswered(node, v, now, w.get(v)!.revoke(node, now), now);
    if (table.liveness('n', now, all) !== 'down') continue;
    downs++;
    t.is(lease.state(now), 'expired', `down at ${now} while n's lease holds`);
    break;
  }
  t.is(downs, 1, 'the leader does call n down once its lease ended');
});

// ---------------------------------------------------------------------------------------------
// LeaseTable

const need = revocationNeedMs(timing);
const holds = promiseHoldsMs(timing);
const voters = ['L', 'v', 'n']; // the leader L, another voter v, and the node n itself

test('a node is alive while its requests reach the leader, then suspect, and asked about', (t) => {
  const table = new LeaseTable(timing, 150);
  t.is(table.liveness('n', 0, voters), 'suspect', 'never heard: its lease may still hold');
  table.requestReceived('n', 1000);
  t.is(table.liveness('n', 1150, voters), 'alive');
  t.deepEqual(table.revokeTargets(['n'], 1150), [], 'not silent yet');
  t.is(table.liveness('n', 1151, voters), 'suspect');
  t.deepEqual(table.revokeTargets(['n'], 1151), ['n']);
  t.deepEqual(table.revokeTargets(['n'], 1151 + renewTimeoutMs - 1), [], 'asked too recently');
  t.deepEqual(table.revokeTargets(['n'], 1151 + renewTimeoutMs), ['n'], 'asked again');
  table.requestReceived('n', 2000);
  t.is(table.liveness('n', 2001, voters), 'alive');
  table.forget('n');
  t.is(table.liveness('n', 2001, voters), 'suspect', 'forgotten: its requests count no more');
});

test('down takes a quorum of voters promising to refuse for revocationNeedMs more, never counting the node itself', (t) => {
  const table = new LeaseTable(timing);
  const sent = 2000;
  t.deepEqual(table.revokeTargets(['n'], sent), ['n']);
  table.revokeAnswered('n', 'L', sent, { revoked: true, holdMs: revokeHoldMs }, sent);
  t.is(table.liveness('n', sent, voters), 'suspect', 'one promise of the two needed');
  table.revokeAnswered('n', 'n', sent, { revoked: true, holdMs: revokeHoldMs }, sent + 10);
  table.revokeAnswered('n', 'x', sent, { revoked: true, holdMs: revokeHoldMs }, sent + 10);
  t.is(
    table.liveness('n', sent + 10, voters),
    'suspect',
    'the node itself and non-voters count for nothing',
  );
  table.revokeAnswered('n', 'v', sent, { revoked: true, holdMs: revokeHoldMs }, sent + 20);
  // (Until it says down, the verdict is a function of the time passed in.)
  t.is(
    table.liveness('n', sent + holds - need + 1, voters),
    'suspect',
    'the promises end too soon',
  );
  t.is(table.liveness('n', sent + holds - need, voters), 'down');
});

test('a promise counts for what the voter said it holds, never more than this timing allows', (t) => {
  const short = new LeaseTable(timing);
  short.revokeAnswered('n', 'L', 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  short.revokeAnswered('n', 'v', 0, { revoked: true, holdMs: need }, 5);
  t.is(short.liveness('n', 10, voters), 'suspect', "v's shorter hold is too short to count");
  const long = new LeaseTable(timing);
  long.revokeAnswered('n', 'L', 0, { revoked: true, holdMs: 100 * revokeHoldMs }, 0);
  long.revokeAnswered('n', 'v', 0, { revoked: true, holdMs: 100 * revokeHoldMs }, 5);
  t.is(long.liveness('n', holds - need + 1, voters), 'suspect', 'capped at promiseHoldsMs');
  t.is(long.liveness('n', holds - need, voters), 'down');
});

test('with five voters the node needs three promises from the four others', (t) => {
  const table = new LeaseTable(timing);
  const five = ['L', 'a', 'b', 'c', 'n'];
  for (const v of ['L', 'a', 'n'])
    table.revokeAnswered('n', v, 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  t.is(table.liveness('n', 1, five), 'suspect');
  table.revokeAnswered('n', 'c', 0, { revoked: true, holdMs: revokeHoldMs }, 2);
  t.is(table.liveness('n', 2, five), 'down');
  // A node that is not a voter needs a majority of all voters.
  const learner = new LeaseTable(timing);
  for (const v of ['L', 'a'])
    learner.revokeAnswered('m', v, 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  t.is(learner.liveness('m', 1, five), 'suspect', 'two of five voters');
  learner.revokeAnswered('m', 'b', 0, { revoked: true, holdMs: revokeHoldMs }, 2);
  t.is(learner.liveness('m', 2, five), 'down');
});

test('a no says when to ask again', (t) => {
  const table = new LeaseTable(timing);
  t.deepEqual(table.revokeTargets(['n'], 1000), ['n']);
  table.revokeAnswered('n', 'v', 1000, { revoked: false, remainingMs: 40 }, 1010);
  t.deepEqual(table.revokeTargets(['n'], 1049), []);
  t.deepEqual(table.revokeTargets(['n'], 1050), ['n'], 'when the voter said it would agree');
  // A no that asks for more than the request deadline leaves the regular re-ask.
  table.revokeAnswered('n', 'v', 1050, { revoked: false, remainingMs: 400 }, 1060);
  t.deepEqual(table.revokeTargets(['n'], 1050 + renewTimeoutMs - 1), []);
  t.deepEqual(table.revokeTargets(['n'], 1050 + renewTimeoutMs), ['n']);
  // A voter that would agree at once is asked again a millisecond later, not in a busy loop.
  table.revokeAnswered('n', 'v', 1200, { revoked: false, remainingMs: 0 }, 1210);
  t.deepEqual(table.revokeTargets(['n'], 1210), []);
  t.deepEqual(table.revokeTargets(['n'], 1211), ['n']);
});

test('down sticks until a request from the node reaches the leader, and old promises never count again', (t) => {
  const table = new LeaseTable(timing);
  table.revokeAnswered('n', 'L', 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  table.revokeAnswered('n', 'v', 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  t.is(table.liveness('n', 10, voters), 'down');
  t.is(table.liveness('n', 100_000, voters), 'down', 'long after the promises ended');
  t.deepEqual(table.revokeTargets(['n'], 100_000), [], 'nothing more to ask');
  table.requestReceived('n', 100_001);
  t.is(table.liveness('n', 100_001, voters), 'alive');
  // Silent again: the promises made before it came back are gone.
  const silent = 100_001 + 151;
  t.is(table.liveness('n', silent, voters), 'suspect');
  table.revokeAnswered('n', 'L', silent, { revoked: true, holdMs: revokeHoldMs }, silent);
  t.is(table.liveness('n', silent, voters), 'suspect', 'a fresh quorum is needed');
  table.revokeAnswered('n', 'v', silent, { revoked: true, holdMs: revokeHoldMs }, silent);
  t.is(table.liveness('n', silent, voters), 'down');
});

test('a request from the node drops the promises gathered so far', (t) => {
  const table = new LeaseTable(timing);
  table.revokeAnswered('n', 'L', 0, { revoked: true, holdMs: revokeHoldMs }, 0);
  table.requestReceived('n', 5);
  table.revokeAnswered('n', 'v', 0, { revoked: true, holdMs: revokeHoldMs }, 200);
  t.is(table.liveness('n', 200, voters), 'suspect');
});

test('a leader grants nothing to a node while a decision that treated it as down is uncommitted', (t) => {
  const table = new LeaseTable(timing);
  t.true(table.mayGrant('n1', 10));
  table.holdGrants('n1', 57); // node-down n1 and its resources moved, proposed up to index 57
  t.false(table.mayGrant('n1', 56));
  t.true(table.mayGrant('n1', 57));
  table.holdGrants('n1', 30);
  t.false(table.mayGrant('n1', 56), 'an older decision never lowers the bar');
  t.true(table.mayGrant('n2', 0), 'other nodes are not held');
});
