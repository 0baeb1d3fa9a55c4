import test from 'ava';
import { callCore, SimViolation, violationOf } from './sim-violation.js';

test('a violation stays itself; anything else becomes the given invariant with its context', (t) => {
  const v = new SimViolation('log-matching', 'node1 index 3');
  t.is(violationOf(v, 'harness-error'), v);
  const wrapped = violationOf(new Error('boom'), 'harness-error', 'ctx: ');
  t.is(wrapped.invariant, 'harness-error');
  t.true(wrapped.message.startsWith('[harness-error] ctx: Error: boom'), wrapped.message);
  t.is(violationOf('text', 'core-error').message, '[core-error] text');
});

test('a core call returns its value, and a throw becomes a core-error naming node and call', (t) => {
  t.is(
    callCore('node1', 'status', () => 7),
    7,
  );
  const err = t.throws(
    () =>
      callCore('node2', 'step', () => {
        throw new Error('bad message');
      }),
    { instanceOf: SimViolation },
  );
  t.is(err?.invariant, 'core-error');
  t.true(err?.message.startsWith('[core-error] node2 threw in step: Error: bad message'));
});
