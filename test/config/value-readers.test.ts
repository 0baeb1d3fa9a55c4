import test from 'ava';
import fc from 'fast-check';

import { formatAgentRef, parseAgentRef } from '../../agent/src/config/agent-ref.js';
import { closestMatch, editDistance } from '../../agent/src/config/did-you-mean.js';
import { MAX_DURATION_MS, parseDuration } from '../../agent/src/config/duration.js';
import { INFINITY } from '../../agent/src/config/model.js';
import type { ParseOutcome } from '../../agent/src/config/parse-outcome.js';
import { unsafeNameReason } from '../../agent/src/config/safe-name.js';
import { parseScore } from '../../agent/src/config/score.js';

const value = <T>(outcome: ParseOutcome<T>): T | string =>
  outcome.ok ? outcome.value : `error: ${outcome.message}`;

test('durations: units, compounds, exact fractions, plain milliseconds', (t) => {
  const cases: [unknown, number][] = [
    [0, 0],
    [2500, 2500],
    ['500ms', 500],
    ['2s', 2_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['0.001s', 1],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['24d', MAX_DURATION_MS],
    [' 2s ', 2_000],
  ];
  for (const [input, ms] of cases) t.is(value(parseDuration(input)), ms, String(input));
});

test('durations: refusals say why', (t) => {
  const refused: [unknown, RegExp][] = [
    ['2 s', /expected a number of milliseconds/],
    ['2S', /expected a number of milliseconds/],
    ['', /expected a number of milliseconds/],
    ['500', /no unit; write 500ms/],
    ['0.5ms', /not a whole number of milliseconds/],
    [1.5, /must be a whole number/],
    [-1, /must be a whole number, at least 0/],
    ['25d', /longer than the maximum, 24d/],
    [MAX_DURATION_MS + 1, /longer than the maximum/],
    ['9'.repeat(400) + 'd', /longer than the maximum/],
    [true, /got the boolean true/],
    [null, /got an empty value/],
  ];
  for (const [input, message] of refused) {
    const outcome = parseDuration(input);
    t.false(outcome.ok, String(input));
    if (!outcome.ok) t.regex(outcome.message, message, String(input));
  }
});

test('durations: every whole number of ms in range round-trips through "<n>ms"', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
      t.is(value(parseDuration(`${ms}ms`)), ms);
      t.is(value(parseDuration(ms)), ms);
    }),
  );
});

test('scores: integers, INFINITY forms, saturation', (t) => {
  const cases: [unknown, number][] = [
    [0, 0],
    [-50, -50],
    ['100', 100],
    ['-7', -7],
    ['INFINITY', INFINITY],
    ['+INFINITY', INFINITY],
    ['-INFINITY', -INFINITY],
    [5_000_000, INFINITY],
    ['-5000000', -INFINITY],
    [Infinity, INFINITY],
    [-Infinity, -INFINITY],
  ];
  for (const [input, score] of cases) t.is(value(parseScore(input)), score, String(input));
  for (const bad of [0.5, NaN, 'high', 'inf', '', null, [1]]) {
    t.false(parseScore(bad).ok, String(bad));
  }
});

test('agents: ocf and systemd forms; systemd gets .service when it has no unit type', (t) => {
  t.deepEqual(value(parseAgentRef('ocf:heartbeat:IPaddr2')), {
    class: 'ocf',
    provider: 'heartbeat',
    type: 'IPaddr2',
  });
  t.deepEqual(value(parseAgentRef('systemd:nginx')), { class: 'systemd', type: 'nginx.service' });
  t.deepEqual(value(parseAgentRef('systemd:getty@tty1.service')), {
    class: 'systemd',
    type: 'getty@tty1.service',
  });
  t.deepEqual(value(parseAgentRef('systemd:backup.timer')), {
    class: 'systemd',
    type: 'backup.timer',
  });
  t.deepEqual(value(parseAgentRef('systemd:foo.bar')), {
    class: 'systemd',
    type: 'foo.bar.service',
  });
  for (const bad of ['ocf:a', 'ocf:a:b:c', 'ocf::x', 'ocf:a/b:c', 'systemd:', 'systemd:a b', 'x']) {
    t.false(parseAgentRef(bad).ok, bad);
  }
  for (const ok of ['ocf:quorate:vip', 'systemd:nginx.service']) {
    const parsed = parseAgentRef(ok);
    t.true(parsed.ok && formatAgentRef(parsed.value) === ok, ok);
  }
});

test('safe names: the charset, the first character, the length', (t) => {
  t.is(unsafeNameReason('storage-vip'), undefined);
  t.is(unsafeNameReason('a_b.c-1'), undefined);
  t.is(unsafeNameReason('9lives'), undefined);
  t.is(unsafeNameReason('x'.repeat(64)), undefined);
  t.is(unsafeNameReason(''), 'it is empty');
  t.is(unsafeNameReason('.hidden'), 'it starts with "."');
  t.is(unsafeNameReason('a:b'), 'it contains ":"');
  t.is(unsafeNameReason('café'), 'it contains "é"');
  t.is(unsafeNameReason('a\n'), 'it contains "\\n"');
  t.is(unsafeNameReason('x'.repeat(65)), 'it is 65 characters long');
});

test('did you mean: typos, swaps, other casings; nothing far-fetched', (t) => {
  t.is(editDistance('timeout', 'timeuot'), 1);
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(closestMatch('intervall', ['interval', 'timeout']), 'interval');
  t.is(closestMatch('timeuot', ['interval', 'timeout']), 'timeout');
  t.is(closestMatch('migrationThreshold', ['migration-threshold']), 'migration-threshold');
  t.is(closestMatch('on_fail', ['on-fail']), 'on-fail');
  t.is(closestMatch('Started', ['started', 'stopped']), 'started');
  t.is(closestMatch('storage-fss', ['storage-vip', 'storage-fs']), 'storage-fs');
  t.is(closestMatch('storage-api', ['storage-vip', 'storage-fs']), undefined);
  t.is(closestMatch('description', ['id', 'agent', 'params', 'operations', 'meta']), undefined);
  t.is(closestMatch('x'.repeat(500), ['x']), undefined);
});
