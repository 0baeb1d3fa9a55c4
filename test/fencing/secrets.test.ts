import anyTest, { type TestFn } from 'ava';

import { fenceNode } from '../../agent/src/fencing/fence-node.js';
import { Fencer } from '../../agent/src/fencing/fencer.js';
import { runFenceAction } from '../../agent/src/fencing/run-fence-action.js';
import {
  isSecretParamName,
  redactedParams,
  redactSecrets,
  secretValues,
} from '../../agent/src/fencing/secret-params.js';
import { CapturingLogger, fakeDevice, makeSandbox, PASSWORD, type Sandbox } from './helpers.js';

const test = anyTest as TestFn<{ sandbox: Sandbox }>;

test.before(async (t) => {
  t.context.sandbox = await makeSandbox();
});

test.after.always(async (t) => {
  await t.context.sandbox.remove();
});

const SNMP_SECRET = 'snmp-Priv-77x';
const CUSTOM_SECRET = 'custom-Tok-51q';

test('parameter names that mark a secret', (t) => {
  for (const name of [
    'passwd',
    'password',
    'PASSWD',
    'key',
    'snmp_priv_passwd',
    'api-key',
    'community',
    'secret',
    'token',
    'passwd_script',
  ]) {
    t.true(isSecretParamName(name), name);
  }
  for (const name of ['login', 'ipaddr', 'plug', 'lanplus', 'keyboard', 'monkey_business']) {
    t.false(isSecretParamName(name), name);
  }
  const device = { params: { login: 'admin', passwd: 'p', extra: 'e' }, secretParams: ['extra'] };
  t.deepEqual(redactedParams(device), { login: 'admin', passwd: '***', extra: '***' });
});

test('redaction replaces every occurrence, overlaps included, and a cut tail', (t) => {
  const secrets = secretValues({ params: { passwd: 'abc', key: 'abcdef' } });
  t.deepEqual(secrets, ['abcdef', 'abc']);
  t.is(redactSecrets('x abcdef y abc z abcdef', secrets), 'x *** y *** z ***');
  t.is(redactSecrets('ends with abcd', secrets, true), 'ends with ***');
  t.is(redactSecrets('ends with abcd', secrets, false), 'ends with ***d');
  // Overlapping occurrences leave no character behind.
  t.is(redactSecrets('xabcabcdefy', secrets), 'x***y');
  t.is(redactSecrets('no secret here', secrets, true), 'no secret here');
});

test('no secret reaches the logger, a result or an outcome, even when the agent echoes them', async (t) => {
  const { sandbox } = t.context;
  const logger = new CapturingLogger();
  const options = {
    agentDirs: [sandbox.agentsDir],
    verifyAttempts: 2,
    verifyIntervalMs: 0,
    logger,
  };
  const leaky = (id: string, node: string, params: Record<string, string>) => {
    const device = fakeDevice(id, sandbox.file(`${id}.rec`), {
      nodes: [node],
      params: {
        echo_input: '1',
        snmp_priv_passwd: SNMP_SECRET,
        community_string: CUSTOM_SECRET,
        ...params,
      },
    });
    device.secretParams = ['community_string'];
    // The password last, so that it is the last line the agent echoes on stderr: the line a
    // failure's reason quotes.
    const { passwd, ...rest } = device.params;
    device.params = { ...rest, passwd: passwd ?? '' };
    return device;
  };

  const failed = await runFenceAction(
    leaky('d1', 'n1', { off_behaviour: 'exit2' }),
    'off',
    'n1',
    options,
  );
  t.like(failed, { answer: 'failed' });
  t.regex(failed.reason ?? '', /exited with 2: passwd=\*\*\*$/);
  t.regex(failed.stdout, /passwd=\*\*\*\n/);
  t.regex(failed.stderr, /snmp_priv_passwd=\*\*\*\n/);

  const unverified = await fenceNode(
    'n2',
    {},
    [leaky('d2', 'n2', { status_behaviour: 'on' })],
    options,
  );
  t.false(unverified.ok);
  const fenced = await fenceNode('n3', {}, [leaky('d3', 'n3', {})], options);
  t.true(fenced.ok);
  const fencer = new Fencer({
    topology: {},
    devices: [leaky('d4', 'n4', { off_behaviour: 'fail' })],
    fence: options,
    logger,
  });
  const viaFencer = await fencer.request('n4', 'stop-failed').outcome;
  t.false(viaFencer.ok);

  const everything = [
    logger.text(),
    JSON.stringify([failed, unverified, fenced, viaFencer, fencer.history()]),
  ].join('\n');
  t.true(logger.lines.length >= 8, 'the runs were logged');
  for (const secret of [PASSWORD, SNMP_SECRET, CUSTOM_SECRET]) {
    t.false(everything.includes(secret), `${secret} leaked`);
  }
  t.true(everything.includes('***'));
});
