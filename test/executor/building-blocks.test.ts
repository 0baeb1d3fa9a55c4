import test from 'ava';

import { resolveOcfAgentPath } from '../../agent/src/executor/agent-path.js';
import { BoundedOutput } from '../../agent/src/executor/bounded-output.js';
import {
  EXIT_REASON_CHARS_MAX,
  ExitReasonParser,
} from '../../agent/src/executor/exit-reason-parser.js';
import { buildOcfEnvironment } from '../../agent/src/executor/ocf-environment.js';

const roots = { ocfRoot: '/ocf', quorateAgentsDir: '/project/resource-agents' };

test('agent paths: OCF tree, the quorate provider, and nothing outside them', (t) => {
  t.deepEqual(resolveOcfAgentPath('heartbeat', 'IPaddr2', roots), {
    ok: true,
    path: '/ocf/resource.d/heartbeat/IPaddr2',
  });
  t.deepEqual(resolveOcfAgentPath('quorate', 'storage', roots), {
    ok: true,
    path: '/project/resource-agents/storage',
  });
  for (const [provider, type] of [
    ['..', 'x'],
    ['.', 'x'],
    ['heartbeat', '../x'],
    ['heartbeat', 'a/b'],
    ['heartbeat', ''],
    ['-rf', 'x'],
  ]) {
    t.false(resolveOcfAgentPath(provider!, type!, roots).ok, `${provider}:${type}`);
  }
});

test('exit reasons: the last line wins, across chunk boundaries, bounded', (t) => {
  const parser = new ExitReasonParser();
  parser.push(Buffer.from('noise\nocf-exit-reason:first\nocf-exit-re'));
  parser.push(Buffer.from('ason:  second one \nmore noise\nocf-exit-reason:'));
  parser.push(Buffer.from('\n'));
  t.is(parser.reason(), 'second one');
  const unterminated = new ExitReasonParser();
  unterminated.push(Buffer.from(`ocf-exit-reason:${'x'.repeat(10_000)}`));
  t.is(unterminated.reason()?.length, EXIT_REASON_CHARS_MAX);
  const none = new ExitReasonParser();
  none.push(Buffer.from(' ocf-exit-reason:indented does not count\n'));
  t.is(none.reason(), null);
});

test('bounded output keeps the first bytes and says it cut', (t) => {
  const out = new BoundedOutput(5);
  out.push(Buffer.from('abc'));
  t.false(out.truncated);
  out.push(Buffer.from('defg'));
  out.push(Buffer.from('h'));
  t.is(out.text(), 'abcde');
  t.true(out.truncated);
  t.throws(() => new BoundedOutput(-1), { instanceOf: RangeError });
});

test('the OCF environment is built from nothing and refuses what a shell could not read', (t) => {
  const input = {
    ocfRoot: '/ocf',
    resourceId: 'vip',
    provider: 'heartbeat',
    type: 'IPaddr2',
    params: { ip: '192.0.2.1' },
    action: 'probe' as const,
    timeoutMs: 20_000.4,
    intervalMs: 10_000,
    nodeName: null,
    extraEnv: {},
  };
  const built = buildOcfEnvironment(input);
  t.true(built.ok);
  if (!built.ok) return;
  t.is(built.env.OCF_RESKEY_ip, '192.0.2.1');
  t.is(built.env.OCF_RESKEY_CRM_meta_interval, '0');
  t.is(built.env.OCF_RESKEY_CRM_meta_timeout, '20000');
  t.is(built.env.OCF_RESKEY_CRM_meta_name, 'monitor');
  t.false('OCF_RESKEY_CRM_meta_on_node' in built.env);
  t.false('HOME' in built.env);
  t.false(buildOcfEnvironment({ ...input, params: { 'a-b': '1' } }).ok);
  t.false(buildOcfEnvironment({ ...input, params: { x: 'a\0b' } }).ok);
  t.false(buildOcfEnvironment({ ...input, params: { CRM_meta_timeout: '1' } }).ok);
  t.false(buildOcfEnvironment({ ...input, extraEnv: { '1X': '1' } }).ok);
});
