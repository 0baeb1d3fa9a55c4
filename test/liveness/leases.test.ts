import test from 'ava';
import fc from 'fast-check';
import { LeaseTable } from '../../agent/src/liveness/lease-table.js';
import {
  checkLeaseTiming,
  DEFAULT_LEASE_TIMING,
  expiryWaitMs,
  type LeaseTiming,
} from '../../agent/src/liveness/lease-timing.js';
import { NodeLease } from '../../agent/src/liveness/node-lease.js';

const timing = DEFAULT_LEASE_TIMING;

test('the default timing is sound', (t) => {
  t.deepEqual(checkLeaseTiming(timing), []);
  t.true(
    checkLeaseTiming({ ...timing, leaseMs: 350 }).length > 0,
    'lease too short for budget + interval',
  );
});

test('a node lease runs from the request send time and enters the stop budget before it ends', (t) => {
  const lease = new NodeLease(timing);
  t.is(lease.state(0), 'expired', 'no lease before any grant');
  const id = lease.requestSent(1000);
  lease.grantReceived(id); // whenever it arrives, the lease counts from 1000
  t.is(lease.state(1000 + timing.leaseMs - timing.stopBudgetMs - 1), 'valid');
  t.is(lease.state(1000 + timing.leaseMs - timing.stopBudgetMs), 'stopping');
  t.is(lease.state(1000 + timing.leaseMs), 'expired');
});

test('a grant for an unknown request grants nothing, and revoke ends the lease', (t) => {
  const lease = new NodeLease(timing);
  lease.grantReceived(42);
  t.is(lease.state(0), 'expired');
  lease.grantReceived(lease.requestSent(0));
  t.is(lease.state(10), 'valid');
  lease.revoke();
  t.is(lease.state(10), 'expired');
});

test('an older grant arriving late never shortens a newer lease', (t) => {
  const lease = new NodeLease(timing);
  const early = lease.requestSent(0);
  const late = lease.requestSent(100);
  lease.grantReceived(late);
  lease.grantReceived(early);
  t.is(lease.state(100 + timing.leaseMs - timing.stopBudgetMs - 1), 'valid');
});

test('the leader calls a silent node down only after the expiry wait, and a new leader waits from its election', (t) => {
  const table = new LeaseTable(timing, 5000);
  table.requestReceived('n1', 5100);
  t.is(table.liveness('n1', 5150), 'alive');
  t.is(table.liveness('n1', 5100 + expiryWaitMs(timing) - 1), 'suspect');
  t.is(table.liveness('n1', 5100 + expiryWaitMs(timing)), 'down');
  // Never heard from n2 in this term: it may hold a lease from the previous leader.
  t.is(table.liveness('n2', 5000 + expiryWaitMs(timing) - 1), 'suspect');
  t.is(table.liveness('n2', 5000 + expiryWaitMs(timing)), 'down');
});

/**
 * Simulate one history: each clock runs at its own rate against real time, the node sends a
 * renewal every renewIntervalMs of its clock, requests and grants are delayed or lost. At every
 * real millisecond, if the leader (whose table may assume a different timing) calls the node
 * `down`, the node's own lease must already be over. Returns false on a violation.
 */
function neverDownWhileLeased(
  tableTiming: LeaseTiming,
  nodeRate: number,
  leaderRate: number,
  leaderOffsetMs: number,
  requests: { lost: boolean; toLeaderMs: number; backMs: number; grantLost: boolean }[],
): boolean {
  const nodeClock = (realMs: number) => realMs * nodeRate;
  const leaderClock = (realMs: number) => leaderOffsetMs + realMs * leaderRate;
  const lease = new NodeLease(timing);
  const table = new LeaseTable(tableTiming, leaderClock(0));
  const pending: { atReal: number; run: () => void }[] = [];
  const sendsReal = requests.map((_, i) => Math.ceil((i * timing.renewIntervalMs) / nodeRate));
  const endReal = (sendsReal.at(-1) ?? 0) + 800 + 3000;
  for (let real = 0; real <= endReal; real++) {
    const i = sendsReal.indexOf(real);
    if (i >= 0) {
      const r = requests[i]!;
      const id = lease.requestSent(nodeClock(real));
      if (!r.lost) {
        pending.push({
          atReal: real + r.toLeaderMs,
          run: () => table.requestReceived('n', leaderClock(real + r.toLeaderMs)),
        });
        if (!r.grantLost)
          pending.push({
            atReal: real + r.toLeaderMs + r.backMs,
            run: () => lease.grantReceived(id),
          });
      }
    }
    for (let k = pending.length - 1; k >= 0; k--) {
      if (pending[k]!.atReal <= real) pending.splice(k, 1)[0]!.run();
    }
    if (
      table.liveness('n', leaderClock(real)) === 'down' &&
      lease.state(nodeClock(real)) !== 'expired'
    )
      return false;
  }
  return true;
}

const clockRate = fc.double({ min: 1 - timing.driftRate, max: 1 + timing.driftRate, noNaN: true });
const history = fc.array(
  fc.record({
    lost: fc.boolean(),
    toLeaderMs: fc.nat(400),
    backMs: fc.nat(400),
    grantLost: fc.boolean(),
  }),
  { minLength: 1, maxLength: 20 },
);

test('never down while the lease holds: drift, delays and losses (property)', (t) => {
  fc.assert(
    fc.property(
      clockRate,
      clockRate,
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      history,
      (nr, lr, off, reqs) => neverDownWhileLeased(timing, nr, lr, off, reqs),
    ),
    { numRuns: 200 },
  );
  t.pass();
});

test('control: a leader that ignores drift and margin is caught by the same check', (t) => {
  const careless: LeaseTiming = { ...timing, driftRate: 0, safetyMarginMs: 0 };
  const result = fc.check(
    fc.property(
      clockRate,
      clockRate,
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      history,
      (nr, lr, off, reqs) => neverDownWhileLeased(careless, nr, lr, off, reqs),
    ),
    { numRuns: 500, seed: 7 },
  );
  t.true(result.failed, 'the property must be able to fail');
});

test('a node starts nothing before it applied the leader log as far as the newest grant said', (t) => {
  const lease = new NodeLease(timing);
  // The grant names the leader's commit index, 40: catch up to index 40 first.
  lease.grantReceived(lease.requestSent(0), 40);
  t.is(lease.state(10), 'valid');
  t.false(lease.mayStart(39));
  t.true(lease.mayStart(40));
  // Every grant raises the bar (a node back from a partition, a pause or a restart cannot
  // tell that it missed moves; the leader's commit index covers them).
  lease.grantReceived(lease.requestSent(100), 90);
  t.false(lease.mayStart(89));
  t.true(lease.mayStart(90));
  // A grant for a request it superseded (arriving late) changes nothing.
  const old = lease.requestSent(200);
  lease.grantReceived(lease.requestSent(210), 120);
  lease.grantReceived(old, 500);
  t.true(lease.mayStart(120));
});

test('a leader grants nothing to a node while a decision that treated it as down is uncommitted', (t) => {
  const table = new LeaseTable(timing, 0);
  t.true(table.mayGrant('n1', 10));
  table.holdGrants('n1', 57); // node-down n1 and its resources moved, proposed up to index 57
  t.false(table.mayGrant('n1', 56));
  t.true(table.mayGrant('n1', 57));
  t.true(table.mayGrant('n2', 0), 'other nodes are not held');
});
