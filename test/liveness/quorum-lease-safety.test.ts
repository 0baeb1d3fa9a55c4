import test from 'ava';
import fc from 'fast-check';
import { LeaseTable } from '../../agent/src/liveness/lease-table.js';
import {
  DEFAULT_LEASE_TIMING,
  expiryWaitMs,
  promiseHoldsMs,
  revocationNeedMs,
  type LeaseTiming,
} from '../../agent/src/liveness/lease-timing.js';
import { LeaseWitness } from '../../agent/src/liveness/lease-witness.js';
import { NodeLease } from '../../agent/src/liveness/node-lease.js';

// The quorum lease protocol as a whole (docs/safety.md): a node N renews with every voter,
// a leader revokes N's lease through a quorum of voters, and every message is delayed or
// lost while each process's clock runs at its own rate. The safety property: once the leader
// calls N `down`, N's lease is over and N can start nothing more on a request it sent before.
// (Processes do not restart in these histories.)

const timing = DEFAULT_LEASE_TIMING;

/** One history: the processes' clocks, the network's behaviour and when N is silent. */
interface World {
  /** Voters besides N (the leader is the first). */
  otherVoters: number;
  /** Whether N is a voter itself (it then counts its own yes). */
  nodeVotes: boolean;
  /** Clock rate against real time of N, then of each other voter. */
  rates: number[];
  /** Clock reading at real time 0 of N, then of each other voter. */
  offsetsMs: number[];
  /** Chance in percent that a message is lost. */
  lossPercent: number;
  /** Longest delay of a message; each is delayed uniformly in 0..maxDelayMs. */
  maxDelayMs: number;
  /** Real-time windows in which N sends nothing (a pause, a partition from every voter). */
  pauses: Window[];
  /** Real-time windows in which every message between N and the leader is lost. */
  cuts: Window[];
  /** Real time at which N stops sending for good; the history ends 3 s later. */
  silentFromMs: number;
  /** Seed of the message delays and losses. */
  seed: number;
}

interface Window {
  atMs: number;
  forMs: number;
}

/** One message between two processes, sent at real time `sentMs`. */
interface Message {
  kind: 'renew' | 'renew-yes' | 'revoke' | 'revoke-answer';
  from: string;
  to: string;
  sentMs: number;
}

/**
 * The network: how long a message takes (real ms), or null when it is lost. It may look at
 * whether a voter refuses N's renewals at a real time (an adversary that knows the state).
 */
type Network = (m: Message, refusing: (voter: string, realMs: number) => boolean) => number | null;

/** The timings each side was built with (the same, unless a control makes one careless). */
interface Sides {
  node: LeaseTiming;
  witness: LeaseTiming;
  table: LeaseTiming;
}

const sound: Sides = { node: timing, witness: timing, table: timing };

/** What one history showed: a violation (null if none) and what happened, for coverage. */
interface Outcome {
  violation: string | null;
  downs: number;
  /** Renewals that extended N's lease after a `down`. */
  renewalsAfterDown: number;
  /** Times N could start again (a leader grant, after a `down`). */
  startsAfterDown: number;
  /** Least time (N's clock) between the end of N's lease and a `down`. */
  leastSlackMs: number;
  /**
   * Real ms from the last yes a voter other than N gave N to the leader's last `down`, once N
   * fell silent for good (null: no such `down`).
   */
  downAfterLastYesMs: number | null;
}

const LEADER = 'v0';

/** A small deterministic generator for per-message delays and losses (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (real: number, windows: Window[]) =>
  windows.some((p) => real >= p.atMs && real < p.atMs + p.forMs);

/** Every message lost with `lossPercent`, or cut, or delayed uniformly up to `maxDelayMs`. */
function randomNetwork(w: World): Network {
  const random = prng(w.seed);
  return (m) => {
    if (random() * 100 < w.lossPercent) return null;
    const pair = [m.from, m.to];
    if (pair.includes('n') && pair.includes(LEADER) && within(m.sentMs, w.cuts)) return null;
    return Math.floor(random() * (w.maxDelayMs + 1));
  };
}

/**
 * Run one history at every real millisecond. Each process reads its own clock
 * (`offset + real · rate`). N sends a renewal to every voter every `renewIntervalMs` of its
 * clock (its own yes at once when it votes); each voter answers through its `LeaseWitness`,
 * the leader's yes carrying a grant with its commit index. The leader asks, at every
 * millisecond, `revokeTargets`, sends revocation requests to every voter but N (its own
 * witness answers at once), hands the answers to `revokeAnswered`, and asks `liveness`. The
 * network delays or loses each message between processes.
 *
 * Checked at every millisecond and after every answer N receives, with T the last time the
 * leader's verdict turned `down`:
 * - at T, N's lease has ended on N's clock (`expired`, `expiresAtMs()` ≤ N's clock);
 * - after T, any lease N holds rests on a request N sent after T (`expiresAtMs() - leaseMs`
 *   later than N's clock at T): no answer to an older request renews it;
 * - after T, whenever N holds a lease and may start (`mayStart`), the leader granted a request
 *   N sent after T; and N may not start with the log applied only up to before the leader's
 *   `node-down` entry (the leader's commit index grows by one at each `down`).
 *
 * (`down` is sticky until a request from N reaches the leader, so N may hold a new lease, from
 * the other voters, while the leader still says `down`: what matters is that the lease is
 * new, and starts nothing without the leader.)
 */
function simulate(w: World, sides: Sides = sound, network: Network = randomNetwork(w)): Outcome {
  const others = Array.from({ length: w.otherVoters }, (_, i) => `v${i}`);
  const voters = w.nodeVotes ? ['n', ...others] : others;
  const rate = new Map<string, number>([['n', w.rates[0]!]]);
  const offset = new Map<string, number>([['n', w.offsetsMs[0]!]]);
  others.forEach((v, i) => {
    rate.set(v, w.rates[i + 1]!);
    offset.set(v, w.offsetsMs[i + 1]!);
  });
  const clock = (p: string, real: number) => offset.get(p)! + real * rate.get(p)!;

  const lease = new NodeLease(sides.node);
  const witnesses = new Map<string, LeaseWitness>();
  // Voters started long before the history (a voter refuses everything for revokeHoldMs after
  // its start, see leases.test.ts), and have just heard from N (the history begins in the
  // middle of N's life; without it a voter would agree at once to revoke a node it never heard).
  for (const v of voters) {
    const witness = new LeaseWitness(sides.witness, clock(v, 0) - sides.witness.revokeHoldMs);
    witness.renewal('n', clock(v, 0));
    witnesses.set(v, witness);
  }
  const table = new LeaseTable(sides.table);

  const refusing = (voter: string, realMs: number) =>
    witnesses.get(voter)!.refusing('n', clock(voter, realMs));
  // Deliveries by real millisecond; one sent with no delay runs later in the same millisecond.
  const queue = new Map<number, (() => void)[]>();
  let now = 0;
  const deliverDue = () => {
    const bucket = queue.get(now);
    if (bucket === undefined) return;
    for (let k = 0; k < bucket.length; k++) bucket[k]!();
    queue.delete(now);
  };
  const send = (kind: Message['kind'], from: string, to: string, run: () => void) => {
    const delayMs = network({ kind, from, to, sentMs: now }, refusing);
    if (delayMs === null) return;
    const bucket = queue.get(now + delayMs);
    if (bucket === undefined) queue.set(now + delayMs, [run]);
    else bucket.push(run);
  };

  let commitIndex = 10;
  /** N's clock when the leader last turned to `down`, and the node-down entry's index. */
  let downAtN = Number.NEGATIVE_INFINITY;
  let downIndex = 0;
  let verdict = 'suspect';
  let downs = 0;
  let renewalsAfterDown = 0;
  let startsAfterDown = 0;
  let leastSlackMs = Number.POSITIVE_INFINITY;
  /** Latest send time (N's clock) of a request the leader granted. */
  let grantedSentN = Number.NEGATIVE_INFINITY;
  let lastYesReal = Number.NEGATIVE_INFINITY;
  let downAfterLastYesMs: number | null = null;
  let violation: string | null = null;
  /** After any change to N's lease (several may arrive in one millisecond) and every ms. */
  const checkAfterDown = () => {
    if (downs === 0 || violation !== null) return;
    const until = lease.expiresAtMs();
    if (until > downAtN && until - sides.node.leaseMs <= downAtN)
      violation = `at real ${now} N's lease to ${until} rests on a request sent before down (N's clock ${downAtN})`;
    else if (lease.state(clock('n', now)) === 'expired') return;
    else if (lease.mayStart(Number.MAX_SAFE_INTEGER) && grantedSentN <= downAtN)
      violation = `at real ${now} N may start without a grant for a request sent after down`;
    else if (lease.mayStart(downIndex - 1))
      violation = `at real ${now} N may start before applying the node-down entry ${downIndex}`;
  };
  const sentAtN = new Map<number, number>();
  const intervalMs = sides.node.renewIntervalMs;
  let nextSendN = Math.ceil(clock('n', 0) / intervalMs) * intervalMs;
  const endMs = w.silentFromMs + 3000;
  const paused = (real: number) => real >= w.silentFromMs || within(real, w.pauses);

  for (now = 0; now <= endMs; now++) {
    const nNow = clock('n', now);
    // N's renewal round.
    if (nNow >= nextSendN) {
      nextSendN += intervalMs;
      if (!paused(now)) {
        const id = lease.requestSent(nNow, voters);
        sentAtN.set(id, nNow);
        if (w.nodeVotes && witnesses.get('n')!.renewal('n', nNow)) lease.ackReceived(id, 'n', nNow);
        for (const v of others)
          send('renew', 'n', v, () => {
            const vNow = clock(v, now);
            let grantIndex: number | null = null;
            if (v === LEADER) {
              table.requestReceived('n', vNow);
              if (table.mayGrant('n', commitIndex)) grantIndex = commitIndex;
            }
            if (!witnesses.get(v)!.renewal('n', vNow)) return;
            lastYesReal = now;
            send('renew-yes', v, 'n', () => {
              const before = lease.expiresAtMs();
              lease.ackReceived(id, v, clock('n', now));
              if (downs > 0 && lease.expiresAtMs() > before) renewalsAfterDown++;
              checkAfterDown();
              if (grantIndex === null) return;
              const could = lease.mayStart(Number.MAX_SAFE_INTEGER);
              lease.grantReceived(id, grantIndex, clock('n', now));
              grantedSentN = Math.max(grantedSentN, sentAtN.get(id)!);
              if (downs > 0 && !could && lease.mayStart(Number.MAX_SAFE_INTEGER)) startsAfterDown++;
              checkAfterDown();
            });
          });
      }
    }
    deliverDue();
    // The leader's control round.
    const lNow = clock(LEADER, now);
    for (const node of table.revokeTargets(['n'], lNow)) {
      for (const v of others) {
        if (v === LEADER) {
          table.revokeAnswered(node, v, lNow, witnesses.get(v)!.revoke(node, lNow), lNow);
          continue;
        }
        send('revoke', LEADER, v, () => {
          const reply = witnesses.get(v)!.revoke(node, clock(v, now));
          send('revoke-answer', v, LEADER, () =>
            table.revokeAnswered(node, v, lNow, reply, clock(LEADER, now)),
          );
        });
      }
    }
    deliverDue();
    const before = verdict;
    verdict = table.liveness('n', clock(LEADER, now), voters);
    if (verdict === 'down' && before !== 'down') {
      downs++;
      commitIndex++; // node-down n, committed at once
      downIndex = commitIndex;
      downAtN = nNow;
      leastSlackMs = Math.min(leastSlackMs, nNow - lease.expiresAtMs());
      if (now >= w.silentFromMs) downAfterLastYesMs = now - lastYesReal;
      if (lease.state(nNow) !== 'expired' || lease.expiresAtMs() > nNow)
        violation = `down at real ${now} while N's lease holds to ${lease.expiresAtMs()} (N's clock ${nNow})`;
    }
    checkAfterDown();
    if (violation !== null) break;
  }
  return {
    violation,
    downs,
    renewalsAfterDown,
    startsAfterDown,
    leastSlackMs,
    downAfterLastYesMs,
  };
}

const clockRate = fc.double({
  min: 1 - timing.driftRate,
  max: 1 + timing.driftRate,
  noNaN: true,
});
const windows = (maxLength: number) =>
  fc.array(fc.record({ atMs: fc.nat(5000), forMs: fc.integer({ min: 50, max: 2500 }) }), {
    maxLength,
  });

/** Histories with 3 or 5 voters, N voting or not. */
function world(o: { maxDelayMs: fc.Arbitrary<number>; lossPercent: fc.Arbitrary<number> }) {
  return fc
    .record({
      otherVoters: fc.constantFrom(2, 3, 4, 5),
      nodeVotes: fc.boolean(),
      rates: fc.array(clockRate, { minLength: 6, maxLength: 6 }),
      offsetsMs: fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
        minLength: 6,
        maxLength: 6,
      }),
      lossPercent: o.lossPercent,
      maxDelayMs: o.maxDelayMs,
      pauses: windows(3),
      cuts: windows(2),
      silentFromMs: fc.integer({ min: 1000, max: 6000 }),
      seed: fc.nat(),
    })
    .filter((w) => (w.nodeVotes ? w.otherVoters + 1 : w.otherVoters) % 2 === 1);
}

const anyWorld = world({
  maxDelayMs: fc.constantFrom(0, 20, 150, 400, 1000),
  lossPercent: fc.constantFrom(0, 5, 20, 50),
});

test('never down while the lease holds, and no start on a request sent before down (property)', (t) => {
  let downs = 0;
  let renewals = 0;
  let starts = 0;
  let leastSlackMs = Number.POSITIVE_INFINITY;
  fc.assert(
    fc.property(anyWorld, (w) => {
      const o = simulate(w);
      downs += o.downs;
      renewals += o.renewalsAfterDown;
      starts += o.startsAfterDown;
      leastSlackMs = Math.min(leastSlackMs, o.leastSlackMs);
      return o.violation === null;
    }),
    { numRuns: 200 },
  );
  t.log(
    `${downs} downs, ${renewals} renewals and ${starts} starts allowed again after one;`,
    `least time from a lease's end to a down: ${leastSlackMs.toFixed(1)} ms`,
  );
  // The checks had something to check (about 240, 350 and 13 or more in 200 histories).
  t.true(downs >= 100, `only ${downs} downs`);
  t.true(renewals >= 100, `only ${renewals} renewals after a down`);
  t.true(starts >= 3, `only ${starts} starts allowed again after a down`);
});

test('a silent node is called down soon after the voters last renewed it (no losses)', (t) => {
  let worstMs = 0;
  fc.assert(
    fc.property(
      world({ maxDelayMs: fc.constantFrom(0, 10, 50), lossPercent: fc.constant(0) }),
      (w) => {
        const o = simulate({ ...w, pauses: [], cuts: [] });
        if (o.violation !== null || o.downAfterLastYesMs === null) return false;
        worstMs = Math.max(worstMs, o.downAfterLastYesMs);
        // A deadline, not a benchmark: the voters' wait, the leader's margin, three message
        // delays (a revocation asked too early, asked again, answered) and one re-ask.
        return (
          o.downAfterLastYesMs <=
          expiryWaitMs(timing) + revocationNeedMs(timing) + 3 * w.maxDelayMs + timing.renewTimeoutMs
        );
      },
    ),
    { numRuns: 50 },
  );
  t.log(`longest from the last yes to down: ${worstMs} ms (expiryWaitMs ${expiryWaitMs(timing)})`);
  t.pass();
});

/** What the worst case leaves open: clocks, N's phase, how it revokes. */
interface WorstCase {
  /** Clock rates of N, L and A. */
  rates: number[];
  /** N's clock at real time 0 (when its renewals fall). */
  phaseMs: number;
  /** How much later than the leader can count it A's yes arrives (0: just in time). */
  lateMs: number;
  /** Whether A is asked twice (the first yes lost), so that its refusal is an extended one. */
  askedTwice: boolean;
}

/**
 * The worst case for the leader's side: 3 voters N, the leader L and A. The leader never
 * hears N. N pauses at 1 s, so A can agree to revoke; from 1.7 s the network delivers one
 * revocation request to A at once (or two, 0.3 s apart, losing the first yes), loses every
 * other, and delivers A's (last) yes as late as the leader can still count it, so the leader
 * calls N down with the least refusal left. N resumes at 2.3 s; the network holds each of its
 * requests to A until A no longer refuses, however late that makes the answer.
 * Sound timing: N's lease after the `down` rests only on requests sent after it.
 */
function worstCase(sides: Sides, c: WorstCase): Outcome {
  const revokeFromMs = 1700;
  const secondAskFromMs = revokeFromMs + 300;
  const w: World = {
    otherVoters: 2,
    nodeVotes: true,
    rates: c.rates,
    offsetsMs: [c.phaseMs, 0, 0],
    lossPercent: 0,
    maxDelayMs: 0,
    pauses: [{ atMs: 1000, forMs: 1300 }],
    cuts: [],
    silentFromMs: 4000,
    seed: 0,
  };
  const rateL = c.rates[1]!;
  const countedMs = promiseHoldsMs(sides.table) - revocationNeedMs(sides.table);
  /** The fate of A's answer to each revocation request delivered (by send time). */
  const answers = new Map<number, 'lost' | 'late'>();
  const network: Network = (m, refusing) => {
    if (m.from === 'n' && m.to === LEADER) return null;
    if (m.kind === 'revoke') {
      if (m.sentMs < revokeFromMs) return null;
      if (answers.size === 0) {
        answers.set(m.sentMs, c.askedTwice ? 'lost' : 'late');
        return 0;
      }
      if (c.askedTwice && answers.size === 1 && m.sentMs >= secondAskFromMs) {
        answers.set(m.sentMs, 'late');
        return 0;
      }
      return null;
    }
    if (m.kind === 'revoke-answer') {
      if (answers.get(m.sentMs) === 'lost') return null;
      return Math.floor(countedMs / rateL) + c.lateMs;
    }
    if (m.kind === 'renew' && answers.size > 0) {
      for (let waitMs = 0; waitMs <= 1000; waitMs++)
        if (!refusing(m.to, m.sentMs + waitMs)) return waitMs;
    }
    return 0;
  };
  return simulate(w, sides, network);
}

const worstCases: fc.Arbitrary<WorstCase> = fc.record({
  // The extremes often: they make the worst case.
  rates: fc.array(
    fc.oneof(fc.constantFrom(1 - timing.driftRate, 1 + timing.driftRate), clockRate),
    {
      minLength: 3,
      maxLength: 3,
    },
  ),
  phaseMs: fc.double({ min: 0, max: timing.renewIntervalMs, noNaN: true }),
  lateMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
  askedTwice: fc.boolean(),
});

const careless = (t: Partial<LeaseTiming>): LeaseTiming => ({ ...timing, ...t });
const sloppy = careless({ driftRate: 0, safetyMarginMs: 0 });

test('the worst case for the leader: its down still outlasts every renewal of an older request (property)', (t) => {
  fc.assert(
    fc.property(worstCases, (c) => {
      const o = worstCase(sound, c);
      // A yes arriving just in time: the leader called N down once, and A renewed N's lease
      // again after it. Later: the leader cannot count it, N is never down.
      const covered = c.lateMs === 0 ? o.downs === 1 && o.renewalsAfterDown > 0 : o.downs === 0;
      return o.violation === null && covered;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

test('control: the same checks catch a side that ignores drift and margin, or takes late answers', (t) => {
  // Each must fail on a violation (not on a history that covered nothing), with a fixed seed.
  const caughtInRandom = (sides: Sides) =>
    fc.check(
      fc.property(anyWorld, (w) => simulate(w, sides).violation === null),
      { numRuns: 1000, seed: 7 },
    ).failed;
  const caughtInWorstCase = (sides: Sides) =>
    fc.check(
      fc.property(worstCases, (c) => worstCase(sides, c).violation === null),
      { numRuns: 200, seed: 7 },
    ).failed;
  t.true(caughtInRandom({ ...sound, witness: sloppy }), 'voters that revoke too early');
  t.true(
    caughtInRandom({ ...sound, witness: careless({ leaseMs: timing.leaseMs - 50 }) }),
    'voters that assume a shorter lease',
  );
  t.true(caughtInWorstCase({ ...sound, table: sloppy }), 'a leader that counts promises too long');
  t.true(
    caughtInWorstCase({ ...sound, node: careless({ renewTimeoutMs: 300 }) }),
    'a node that takes answers later than the leader allows for',
  );
  t.false(caughtInWorstCase(sound), 'and the sound timing is not caught with the same seed');
});
