import test from 'ava';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { Entry, HardState, Snapshot } from '../../../agent/src/raft/types.js';
import { DiskStorage } from '../../../agent/src/raft/storage/disk-storage.js';
import { MemoryStorage } from '../../../agent/src/raft/storage/memory-storage.js';
import { StorageError } from '../../../agent/src/raft/storage/storage-error.js';
import { flipByte, segmentNames, snapshotNames, StorageModel } from './storage-fixtures.js';

/**
 * Random sequences of writes and restarts: after every restart `DiskStorage` and
 * `MemoryStorage` must restore exactly what the plain model says, with segments small enough
 * that rotation and segment deletion happen all the time.
 */

type Command =
  | {
      kind: 'save';
      /** How far below lastIndex + 1 the entries start (overwrites). */
      back: number;
      terms: number[];
      payloads: Uint8Array[];
      hardState: HardState | null;
      sync: boolean;
    }
  | { kind: 'snapshot'; ahead: number; matchTerm: boolean; term: number; keepLogAfter: boolean }
  | { kind: 'reopen' };

const hardStateArb: fc.Arbitrary<HardState> = fc.record({
  term: fc.nat(9),
  vote: fc.option(fc.constantFrom('n1', 'n2', 'n3'), { nil: null }),
  commit: fc.nat(60),
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('save' as const),
      back: fc.nat(4),
      terms: fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 5 }),
      payloads: fc.array(fc.uint8Array({ maxLength: 24 }), { minLength: 5, maxLength: 5 }),
      hardState: fc.option(hardStateArb, { nil: null }),
      sync: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      ahead: fc.nat(7),
      matchTerm: fc.boolean(),
      term: fc.integer({ min: 1, max: 6 }),
      keepLogAfter: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

function concreteEntries(model: StorageModel, c: Extract<Command, { kind: 'save' }>): Entry[] {
  const first = Math.max(1, model.lastIndex + 1 - c.back);
  return c.terms.map((term, i) => ({
    index: first + i,
    term,
    type: i % 3 === 2 ? ('conf-change' as const) : ('normal' as const),
    data: c.payloads[i]!,
  }));
}

function concreteSnapshot(
  model: StorageModel,
  c: Extract<Command, { kind: 'snapshot' }>,
  n: number,
): Snapshot {
  const index = model.baseIndex + 1 + c.ahead;
  const term = c.matchTerm ? (model.termAt(index) ?? c.term) : c.term;
  return {
    metadata: { index, term, confState: { voters: ['n1', 'n2'], learners: n % 2 ? ['n3'] : [] } },
    data: Uint8Array.of(n, index % 256, term),
  };
}

test('random writes and restarts restore what the model says', (t) => {
  fc.assert(
    fc.property(
      fc.array(commandArb, { maxLength: 50 }),
      fc.integer({ min: 60, max: 400 }),
      (commands, segmentSizeBytes) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-storage-model-'));
        let disk = DiskStorage.open(dir, { segmentSizeBytes });
        try {
          let memory = new MemoryStorage();
          const model = new StorageModel();
          let durable = model.clone();
          const check = (): void => {
            assert.deepEqual(disk.restored(), model.restored());
            assert.deepEqual(memory.restored(), model.restored());
          };
          for (const [n, c] of commands.entries()) {
            if (c.kind === 'save') {
              const es = concreteEntries(model, c);
              disk.save(c.hardState, es, c.sync);
              memory.save(c.hardState, es, c.sync);
              model.save(c.hardState, es);
              if (c.sync) durable = model.clone();
            } else if (c.kind === 'snapshot') {
              const snap = concreteSnapshot(model, c, n);
              disk.saveSnapshot(snap, c.keepLogAfter);
              memory.saveSnapshot(snap, c.keepLogAfter);
              model.saveSnapshot(snap, c.keepLogAfter);
              durable = model.clone();
            } else {
              disk.close();
              disk = DiskStorage.open(dir, { segmentSizeBytes });
              memory = memory.reopen();
              durable = model.clone();
              check();
            }
          }
          assert.deepEqual(memory.crash().restored(), durable.restored());
          disk.close();
          disk = DiskStorage.open(dir, { segmentSizeBytes });
          memory = memory.reopen();
          check();
          assert.ok(snapshotNames(dir).length <= 2, 'at most two snapshot files');
          assert.ok(segmentNames(dir).length >= 1);
        } finally {
          disk.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

const saveArb = commandArb.filter((c) => c.kind === 'save');
const snapshotArb = commandArb.filter((c) => c.kind === 'snapshot');

/** A snapshot saved during a run, with the log as it was just before. */
interface SavedSnapshot {
  snapshot: Snapshot;
  logBefore: Entry[];
  termBefore: number | undefined;
}

test('a corrupt newest snapshot falls back to the previous one whenever the log allows', (t) => {
  fc.assert(
    fc.property(
      fc.array(commandArb, { maxLength: 30 }),
      fc.tuple(snapshotArb, saveArb, snapshotArb, saveArb),
      fc.integer({ min: 60, max: 400 }),
      (commands, tail, segmentSizeBytes) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-storage-fallback-'));
        let disk = DiskStorage.open(dir, { segmentSizeBytes });
        try {
          const model = new StorageModel();
          const saved: SavedSnapshot[] = [];
          for (const [n, c] of [...commands, ...tail].entries()) {
            if (c.kind === 'save') {
              const es = concreteEntries(model, c);
              disk.save(c.hardState, es, c.sync);
              model.save(c.hardState, es);
            } else if (c.kind === 'snapshot') {
              const snap = concreteSnapshot(model, c, n);
              saved.push({
                snapshot: snap,
                logBefore: [...model.log],
                termBefore: model.termAt(snap.metadata.index),
              });
              disk.saveSnapshot(snap, c.keepLogAfter);
              model.saveSnapshot(snap, c.keepLogAfter);
            } else {
              disk.close();
              disk = DiskStorage.open(dir, { segmentSizeBytes });
            }
          }
          disk.close();
          const newest = saved.at(-1)!;
          const previous = saved.at(-2)!;
          const { index, term } = newest.snapshot.metadata;
          const name = snapshotNames(dir).at(-1)!;
          assert.ok(name.includes(index.toString(16).padStart(16, '0')));
          flipByte(path.join(dir, name), 10);
          if (newest.termBefore !== term) {
            // A leader's snapshot replaced a log that did not reach it: nothing to rebuild.
            assert.throws(
              () => DiskStorage.open(dir, { segmentSizeBytes }),
              (e: unknown) =>
                e instanceof StorageError &&
                e.code === 'corrupt-snapshot' &&
                e.message.includes(name),
            );
            return;
          }
          disk = DiskStorage.open(dir, { segmentSizeBytes });
          const restored = disk.restored();
          const p = previous.snapshot.metadata.index;
          assert.deepEqual(restored.snapshot, previous.snapshot);
          assert.deepEqual(restored.hardState, model.hardState);
          assert.deepEqual(restored.entries, [
            ...newest.logBefore.filter((e) => e.index > p && e.index <= index),
            ...model.log,
          ]);
        } finally {
          disk.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});
