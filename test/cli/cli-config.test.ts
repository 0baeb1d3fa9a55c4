import test from 'ava';
import { pollUntil } from '../harness/agent-processes.js';
import { markerYaml, pollStatus, runCli, startCliCluster } from './cli-helpers.js';
import { spawnCli } from './cli-process.js';

// validate, apply (dry run, real, unchanged) and status against three real agents.

test.serial(
  'validate, apply --dry-run, apply, status: a resource placed and started',
  async (t) => {
    const c = await startCliCluster(t);
    const endpoint = c.endpoint('node2');

    // A broken file: every error with file:line:col, exit 2, nothing changes.
    const bad = c.writeFile(
      'bad.yaml',
      'apiVersion: quorate/v1\nresources:\n  - id: web\n    agent: ocf:test:marker\n    operations:\n      monitor: { intervall: 1s }\n',
    );
    const invalid = await runCli(['validate', '-f', bad], { endpoint });
    t.is(invalid.code, 2);
    t.regex(
      invalid.stderr,
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:18: resources\\[0\\]\\.operations\\.monitor\\.intervall: unknown key "intervall"; did you mean "interval"\\?`,
      ),
    );
    t.regex(invalid.stderr, /1 error\n/);
    const refused = await runCli(['apply', '-f', bad], { endpoint });
    t.is(refused.code, 2);
    t.regex(refused.stderr, /bad\.yaml:6:18: /);
    t.regex(refused.stderr, /nothing was applied/);
    const json = await runCli(['validate', '-f', bad, '-o', 'json'], { endpoint });
    t.is(json.code, 2);
    const reply = JSON.parse(json.stdout) as {
      ok: boolean;
      errors: { line: number; column: number; path: string }[];
    };
    t.false(reply.ok);
    t.like(reply.errors[0], {
      line: 6,
      column: 18,
      path: 'resources[0].operations.monitor.intervall',
    });

    // A good file.
    const good = c.writeFile('cluster.yaml', markerYaml(c.markerDir));
    const valid = await runCli(['validate', '-f', good], { endpoint });
    t.is(valid.code, 0, valid.stderr);
    t.regex(valid.stdout, /cluster\.yaml is valid: 1 resource, 0 groups, 0 clones, 0 constraints/);

    // Dry run: the plan's summary, and nothing changes.
    const dry = await runCli(['apply', '-f', good, '--dry-run'], { endpoint });
    t.is(dry.code, 0, dry.stderr);
    t.regex(dry.stdout, /nothing was changed/);
    t.regex(dry.stdout, /^ {2}Start web \(node\d\)$/m);
    const before = await runCli(['status', '-o', 'json'], { endpoint });
    t.is((JSON.parse(before.stdout) as { configVersion: number }).configVersion, 0);

    // Apply for real: the same summary line, version 1.
    const applied = await runCli(['apply', '-f', good], { endpoint });
    t.is(applied.code, 0, applied.stderr);
    t.regex(applied.stdout, /applied: configuration version 1 \(fingerprint [0-9a-f]{12}\)/);
    t.regex(applied.stdout, /^ {2}Start web \(node\d\)$/m);

    // A write through another agent right after sees the new configuration (the leader
    // confirms its state before checking a request): web exists, it has no bans to clear.
    const clearNow = await runCli(['resource', 'clear', 'web', '-o', 'yaml'], {
      endpoint: c.endpoint('node3'),
    });
    t.is(clearNow.code, 0, clearNow.stderr);
    t.regex(clearNow.stdout, /^index: 0\nmessage: "?nothing to clear: web has no bans or moves/m);

    // Status (asked of a follower or the leader alike): placed and started, on the node with the marker.
    const started = await pollStatus(
      endpoint,
      (s) => s.resources.find((r) => r.id === 'web')?.state === 'started',
    );
    t.truthy(started, 'web started');
    const web = started!.resources.find((r) => r.id === 'web')!;
    t.deepEqual(web.activeOn, [web.target]);
    t.deepEqual(c.markers(), [web.target]);
    const table = await runCli(['status'], { endpoint });
    t.is(table.code, 0);
    t.regex(
      table.stdout,
      new RegExp(`^web +started +${web.target} +${web.target} +- +ocf:test:marker +0 `, 'm'),
    );
    t.regex(table.stdout, /^node\d +leader +alive /m);
    t.regex(table.stdout, /^BANS AND MOVES\n\(none\)$/m);

    // The same file again: unchanged, nothing written.
    const again = await runCli(['apply', '-f', good], { endpoint });
    t.is(again.code, 0);
    t.regex(again.stdout, /unchanged from configuration version 1/);

    // --watch redraws every second until Ctrl-C, which ends it with exit 0.
    const watch = spawnCli(['status', '--watch', '-o', 'json'], endpoint);
    t.teardown(() => watch.kill());
    const frames = await pollUntil(15_000, 100, async () => {
      const lines = watch
        .stdout()
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      return lines.length >= 2 ? lines : undefined;
    });
    t.truthy(frames, 'two frames');
    t.is((JSON.parse(frames![1]!) as { configVersion: number }).configVersion, 1);
    t.is(await watch.interrupt(), 0);

    // yaml output parses back to the same report shape.
    const yaml = await runCli(['status', '-o', 'yaml', '--linearizable'], { endpoint });
    t.is(yaml.code, 0);
    t.regex(yaml.stdout, /^configVersion: 1$/m);
  },
);
