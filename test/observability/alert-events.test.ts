import test from 'ava';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alertEventsOf,
  type AlertEvent,
  type AlertMemory,
} from '../../agent/src/observability/alert-event.js';
import { AlertRunner } from '../../agent/src/observability/alert-runner.js';
import type { ClusterEvent } from '../../agent/src/state/cluster-state.js';
import { pollUntil } from '../harness/agent-processes.js';

function recordState(index: number, node: string, message: string): ClusterEvent {
  return { index, atMs: 1000 + index, kind: 'record-state', node, resource: 'web', message };
}

test('events become alert kinds: a first probe is no stop, a start elsewhere is a failover', (t) => {
  const memory: AlertMemory = { lastStartedOn: new Map(), lastState: new Map() };
  const kinds = (e: ClusterEvent) =>
    alertEventsOf(e, memory).map((a) => `${a.kind}:${a.node}:${a.fromNode}`);
  t.deepEqual(kinds(recordState(1, 'n1', 'stopped')), []);
  t.deepEqual(kinds(recordState(2, 'n1', 'started')), ['resource-start:n1:']);
  t.deepEqual(kinds(recordState(3, 'n1', 'failed (failure 1: monitor failed)')), [
    'resource-fail:n1:',
  ]);
  t.deepEqual(kinds(recordState(4, 'n1', 'stopped')), ['resource-stop:n1:']);
  t.deepEqual(kinds(recordState(5, 'n2', 'started')), ['resource-start:n2:', 'failover:n2:n1']);
  t.deepEqual(
    kinds({
      index: 6,
      atMs: 7,
      kind: 'node-down',
      node: 'n2',
      resource: null,
      message: 'node down (lease-expired)',
    }),
    ['node-lost:n2:'],
  );
  // n2's record was forgotten with it: its first report after coming back is no stop.
  t.deepEqual(kinds(recordState(7, 'n2', 'stopped')), []);
  t.deepEqual(
    kinds({
      index: 8,
      atMs: 9,
      kind: 'node-down',
      node: 'n3',
      resource: null,
      message: 'node down (fenced)',
    }),
    ['fence:n3:'],
  );
  t.deepEqual(
    kinds({
      index: 9,
      atMs: 9,
      kind: 'apply-config',
      node: null,
      resource: null,
      message: 'configuration version 2 applied',
    }),
    [],
  );
});

function event(kind: AlertEvent['kind']): AlertEvent {
  return {
    kind,
    index: 42,
    atMs: Date.UTC(2030, 0, 2, 3, 4, 5),
    node: 'n2',
    resource: 'web',
    fromNode: 'n1',
    message: 'started',
  };
}

function recorder() {
  const lines: { msg: string; obj: Record<string, unknown> }[] = [];
  const log = (obj: object, msg: string) =>
    lines.push({ msg, obj: obj as Record<string, unknown> });
  return { lines, logger: { info: log, warn: log } };
}

test('an alert script gets the event in its environment; a slow one is killed; a failing one is logged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qrt-alert-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: string) => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const envFile = join(dir, 'env');
  const good = write('good.sh', `env | grep '^QUORATE_ALERT_' | sort > "${envFile}"`);
  const slow = write('slow.sh', 'exec sleep 30');
  const bad = write('bad.sh', 'echo broken >&2; exit 3');
  const { lines, logger } = recorder();
  const ends: string[] = [];
  const runner = new AlertRunner({
    scripts: [good, slow, bad],
    kinds: ['failover'],
    timeoutMs: 300,
    concurrencyMax: 4,
    queueMax: 10,
    clusterId: 'prod',
    localNode: 'n3',
    logger,
    onRunEnd: (kind, ok) => ends.push(`${kind}:${ok}`),
  });
  runner.notify(event('resource-start')); // not a selected kind
  runner.notify(event('failover'));
  const done = await pollUntil(15_000, 20, async () => (ends.length === 3 ? ends : undefined));
  t.deepEqual(done?.sort(), ['failover:false', 'failover:false', 'failover:true']);
  t.deepEqual(readFileSync(envFile, 'utf8').trim().split('\n'), [
    'QUORATE_ALERT_CLUSTER=prod',
    'QUORATE_ALERT_FROM_NODE=n1',
    'QUORATE_ALERT_INDEX=42',
    'QUORATE_ALERT_KIND=failover',
    'QUORATE_ALERT_LOCAL_NODE=n3',
    'QUORATE_ALERT_MESSAGE=started',
    'QUORATE_ALERT_NODE=n2',
    'QUORATE_ALERT_RESOURCE=web',
    'QUORATE_ALERT_TIMESTAMP=2030-01-02T03:04:05.000Z',
    `QUORATE_ALERT_TIMESTAMP_MS=${Date.UTC(2030, 0, 2, 3, 4, 5)}`,
  ]);
  const timedOut = lines.find((l) => l.msg === 'alert script timed out');
  t.is(timedOut?.obj['script'], slow);
  const failed = lines.find((l) => l.msg === 'alert script failed');
  t.like(failed?.obj, { script: bad, exitCode: 3, resource: 'web', onNode: 'n2' });
  t.regex(String(failed?.obj['output']), /broken/);
});

test('a full alert queue drops runs instead of growing', (t) => {
  const { lines, logger } = recorder();
  const runner = new AlertRunner({
    scripts: ['/bin/true'],
    timeoutMs: 1000,
    concurrencyMax: 1,
    queueMax: 2,
    clusterId: 'prod',
    localNode: 'n1',
    logger,
  });
  // One runs at once, two wait, the rest are dropped: notify never waits for a script.
  for (let i = 0; i < 6; i++) runner.notify(event('resource-start'));
  t.is(runner.dropped, 3);
  t.is(lines.filter((l) => l.msg === 'alert dropped: too many alerts waiting').length, 3);
  runner.close();
});
