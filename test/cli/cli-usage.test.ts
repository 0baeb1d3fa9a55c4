import test from 'ava';
import { freePort } from '../harness/agent-processes.js';
import { runCli } from './cli-helpers.js';

// clusterctl without a cluster: usage errors, help, and an endpoint nobody listens on.

test('a wrong flag is a usage error: exit 1, with the flag named', async (t) => {
  const run = await runCli(['status', '--bogus']);
  t.is(run.code, 1);
  t.regex(run.stderr, /unknown option '--bogus'/);
});

test('a misspelt verb is a usage error with a suggestion', async (t) => {
  const run = await runCli(['stauts']);
  t.is(run.code, 1);
  t.regex(run.stderr, /unknown command 'stauts'/);
  t.regex(run.stderr, /Did you mean status\?/);
});

test('a bad duration is a usage error naming the accepted forms', async (t) => {
  const run = await runCli(['resource', 'ban', 'web', '--for', 'ten minutes']);
  t.is(run.code, 1);
  t.regex(run.stderr, /units: ms, s, m, h, d/);
});

test('no verb at all shows help and exits 1; --help exits 0 and lists the exit codes', async (t) => {
  const bare = await runCli([]);
  t.is(bare.code, 1);
  t.regex(bare.stderr, /Usage: clusterctl/);
  const help = await runCli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Exit codes:/);
  t.regex(help.stdout, /3 {2}unavailable/);
});

test('every verb has --help with examples and takes -o table|json|yaml', async (t) => {
  const verbs = [
    ['status'],
    ['validate'],
    ['apply'],
    ['failover'],
    ['node', 'standby'],
    ['node', 'unstandby'],
    ['node', 'maintenance'],
    ['resource', 'cleanup'],
    ['resource', 'ban'],
    ['resource', 'clear'],
    ['resource', 'move'],
    ['explain'],
    ['events'],
    ['members'],
    ['member', 'add'],
    ['member', 'remove'],
    ['leader', 'transfer'],
  ];
  const runs = await Promise.all(verbs.map((v) => runCli([...v, '--help'])));
  runs.forEach((run, i) => {
    t.is(run.code, 0, verbs[i]!.join(' '));
    t.regex(run.stdout, /Examples?:\n {2}clusterctl /, verbs[i]!.join(' '));
    t.regex(run.stdout, /-o, --output <format> +output format \(choices: "table", "json", "yaml"/);
  });
});

test('an unreachable endpoint: exit 3 with the address and what to do', async (t) => {
  const port = await freePort();
  const run = await runCli(['status'], { endpoint: `127.0.0.1:${port}` });
  t.is(run.code, 3);
  t.regex(
    run.stderr,
    new RegExp(`cannot reach the agent at 127\\.0\\.0\\.1:${port}: connection refused`),
  );
  t.regex(run.stderr, /--endpoint host:port or QUORATE_ENDPOINT/);
});

test('validate --local reports file:line:col errors and exits 2 without any agent', async (t) => {
  const run = await runCli(['validate', '--local', '-f', '-'], {
    input: 'apiVersion: quorate/v1\nresources:\n  - id: web\n    agnt: ocf:test:marker\n',
  });
  t.is(run.code, 2);
  t.regex(
    run.stderr,
    /^<stdin>:4:5: resources\[0\]\.agnt: unknown key "agnt"; did you mean "agent"\?/m,
  );
  t.regex(run.stderr, /2 errors/);
});

test('a missing file is invalid input (exit 2), not a crash', async (t) => {
  const run = await runCli(['validate', '--local', '-f', 'no/such/file.yaml']);
  t.is(run.code, 2);
  t.regex(run.stderr, /cannot read no\/such\/file\.yaml: no such file/);
});
