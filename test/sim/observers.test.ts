import test from 'ava';
import { bootstrapSnapshot, EMPTY_HARD_STATE } from '../../agent/src/raft/config.js';
import type { Entry } from '../../agent/src/raft/types.js';
import { encodeCommand } from './command-codec.js';
import { CommandStateMachine } from './command-state-machine.js';
import { CommittedRecord } from './committed-record.js';
import { ElectionSafety } from './election-safety.js';
import { LeaderCompleteness } from './leader-completeness.js';
import { LogMatching } from './log-matching.js';
import { ReadLinearizability } from './read-linearizability.js';
import { SimDisk } from './sim-disk.js';
import { StateMachineSafety } from './state-machine-safety.js';

// Each observer must stay silent on a legal history and name the invariant on an illegal one.

const cmd = (index: number, term: number, id = index): Entry => ({
  index,
  term,
  type: 'normal',
  data: encodeCommand(id),
});

function diskWith(entries: Entry[]): SimDisk {
  const disk = new SimDisk({
    hardState: EMPTY_HARD_STATE,
    snapshot: bootstrapSnapshot(['a', 'b', 'c']),
    entries: [],
  });
  disk.write({ hardState: null, snapshot: null, snapshotMode: 'install', entries }, true);
  return disk;
}

test('election safety: one leader per term, across history', (t) => {
  const es = new ElectionSafety();
  t.true(es.observeLeader('a', 2, 0));
  t.false(es.observeLeader('a', 2, 1), 'the same leader seen again is no new election');
  t.true(es.observeLeader('b', 3, 2));
  t.throws(() => es.observeLeader('c', 2, 3), {
    message: /\[election-safety\] term 2 has two leaders: a and c/,
  });
  t.is(es.elections, 2);
});

test('log matching: same index and term means same entry and same history', (t) => {
  const lm = new LogMatching();
  const a = diskWith([cmd(2, 1), cmd(3, 2)]);
  lm.observeWrite('a', a, a.entries);
  const b = diskWith([cmd(2, 1), cmd(3, 2)]);
  t.notThrows(() => lm.observeWrite('b', b, b.entries));
  const c = diskWith([cmd(2, 1), cmd(3, 2, 99)]);
  t.throws(() => lm.observeWrite('c', c, c.entries), {
    message: /\[log-matching\] index 3 term 2/,
  });
  const d = diskWith([cmd(2, 2), cmd(3, 2)]);
  t.throws(() => lm.observeWrite('d', d, d.entries), {
    message: /\[log-matching\] .*differ below index/,
  });
});

test('state-machine safety: same entry at each index, applied in order', (t) => {
  const committed = new CommittedRecord();
  const sms = new StateMachineSafety(committed);
  sms.nodeStarted('a', 1);
  sms.nodeStarted('b', 1);
  sms.observeApply('a', cmd(2, 1), 1);
  sms.observeApply('b', cmd(2, 1), 1);
  t.throws(() => sms.observeApply('b', cmd(4, 1), 1), {
    message: /\[state-machine-safety\] b applied index 4/,
  });
  sms.nodeStarted('c', 1);
  t.throws(() => sms.observeApply('c', cmd(2, 1, 7), 1), {
    message: /\[state-machine-safety\] two different entries committed at index 2/,
  });
});

test('state-machine safety: a snapshot image must match the committed log', (t) => {
  const committed = new CommittedRecord();
  const sms = new StateMachineSafety(committed);
  sms.nodeStarted('a', 1);
  const sm = new CommandStateMachine();
  for (const e of [cmd(2, 1), cmd(3, 1)]) {
    sms.observeApply('a', e, 1);
    sm.apply(e);
  }
  const good = {
    metadata: { index: 3, term: 1, confState: { voters: ['a'], learners: [] } },
    data: sm.image(),
  };
  sms.nodeStarted('b', 1);
  t.notThrows(() => sms.observeSnapshotInstall('b', good, sm.appliedCommands()));
  const bad = [{ index: 2, id: 2 }];
  sms.nodeStarted('c', 1);
  t.throws(() => sms.observeSnapshotInstall('c', good, bad), {
    message: /image differs .* index 3/,
  });
});

test('leader completeness: a new leader holds every earlier-term committed entry', (t) => {
  const committed = new CommittedRecord();
  committed.record('a', cmd(2, 1), 'applied', 1);
  committed.record('a', cmd(3, 2), 'applied', 2);
  const lc = new LeaderCompleteness(committed);
  t.notThrows(() => lc.observeNewLeader('b', 3, diskWith([cmd(2, 1), cmd(3, 2)])));
  t.throws(() => lc.observeNewLeader('c', 3, diskWith([cmd(2, 1)])), {
    message: /\[leader-completeness\] c became leader of term 3 without entry 3\/t2/,
  });
  t.notThrows(
    () => lc.observeNewLeader('d', 2, diskWith([cmd(2, 1)])),
    'committed in term 2 is not earlier than term 2',
  );
});

test('leader completeness judges by the term of the commit, not of the entry', (t) => {
  // A term-1 entry first seen committed by a node in term 5: a leader of term 4 (whose votes
  // were cast before term 5 began, e.g. a candidate that stalled) need not hold it.
  const committed = new CommittedRecord();
  committed.record('a', cmd(3, 1), 'commit index', 5);
  const lc = new LeaderCompleteness(committed);
  t.notThrows(() => lc.observeNewLeader('b', 4, diskWith([cmd(2, 1)])));
  t.throws(() => lc.observeNewLeader('c', 6, diskWith([cmd(2, 1)])), {
    message: /committed by term 5/,
  });
});

test('commit index beyond the stored log is a contract violation', (t) => {
  const committed = new CommittedRecord();
  t.throws(() => committed.recordCommitIndex('a', 5, diskWith([cmd(2, 1)]), 1), {
    message: /\[ready-contract\]/,
  });
});

test('linearizable reads: a read sees every command acknowledged before it was issued', (t) => {
  const lr = new ReadLinearizability();
  lr.observeAck(1, 10, 'a', 2);
  const read = { context: 'r1', node: 'b', issuedAtMs: 20, acksBefore: lr.ackCount };
  lr.observeAck(2, 30, 'a', 3); // after the read was issued: need not be visible
  t.notThrows(() => lr.checkRead(read, 2, 2, (id) => id === 1));
  t.throws(() => lr.checkRead(read, 1, 1, () => false), {
    message: /\[linearizable-read\] stale read r1 on b .* misses cmd1/,
  });
});
