import test from 'ava';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventView } from '../../agent/src/api/admin-messages.js';
import { pollUntil } from '../harness/agent-processes.js';
import { applyMarkers, expectStatus, pollStatus, runCli, startCliCluster } from './cli-helpers.js';
import { spawnCli } from './cli-process.js';

// resource ban / move / clear (with expiry), cleanup after a real failure, and events.

test.serial(
  'ban and move with --for are listed with their expiry; clear removes them',
  async (t) => {
    const c = await startCliCluster(t);
    const first = await applyMarkers(t, c);
    const node = first.resources.find((r) => r.id === 'web')!.target;
    const others = ['node1', 'node2', 'node3'].filter((n) => n !== node);
    const endpoint = c.endpoint('node3');

    const ban = await runCli(['resource', 'ban', 'web', '--node', others[0]!, '--for', '10m'], {
      endpoint,
    });
    t.is(ban.code, 0, ban.stderr);
    t.regex(
      ban.stdout,
      new RegExp(`^web banned from ${others[0]} until \\d{4}-\\d\\d-\\d\\dT`, 'm'),
    );
    const move = await runCli(['resource', 'move', 'web', '--node', others[1]!, '--for', '1h'], {
      endpoint,
    });
    t.is(move.code, 0, move.stderr);
    t.regex(
      move.stdout,
      new RegExp(`^web moves to ${others[1]} \\(preferred there\\) until `, 'm'),
    );

    // Listed in status with "in 9m59s (date time)" and "in 59m59s (...)", never hidden.
    const status = await runCli(['status'], { endpoint });
    t.regex(
      status.stdout,
      new RegExp(
        `^ban +web +${others[0]} +in 9m5\\ds \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\)$`,
        'm',
      ),
    );
    t.regex(
      status.stdout,
      new RegExp(`^move \\(prefer\\) +web +${others[1]} +in 59m5\\ds \\(`, 'm'),
    );
    const json = JSON.parse((await runCli(['status', '-o', 'json'], { endpoint })).stdout) as {
      intents: { kind: string; node: string; expiresAtMs: number }[];
      nowMs: number;
    };
    const banned = json.intents.find((i) => i.kind === 'ban')!;
    t.true(
      Math.abs(banned.expiresAtMs - json.nowMs - 600_000) < 30_000,
      'expiresAtMs about now + 10m',
    );

    // The move takes effect: web runs on the preferred node.
    await expectStatus(
      t,
      endpoint,
      (s) => {
        const web = s.resources.find((r) => r.id === 'web')!;
        return web.state === 'started' && web.target === others[1];
      },
      'web moved to the preferred node',
    );
    t.truthy(
      await pollUntil(5000, 50, async () => (c.markers().join() === others[1] ? true : undefined)),
    );

    // A short ban expires by itself: listed as expired, no longer in effect.
    const short = await runCli(['resource', 'ban', 'web', '--node', node, '--for', '1s'], {
      endpoint,
    });
    t.is(short.code, 0);
    const expired = await pollStatus(
      endpoint,
      (s) => s.intents.some((i) => i.node === node && i.expired),
      10_000,
    );
    t.truthy(expired, 'the 1s ban shows as expired');
    const expiredTable = await runCli(['status'], { endpoint });
    t.regex(
      expiredTable.stdout,
      new RegExp(`^ban +web +${node} +expired (now|.* ago) \\(no effect\\)$`, 'm'),
    );

    // Refusals: unknown resource (exit 2, suggestion), unknown node (exit 2).
    const typo = await runCli(['resource', 'ban', 'wbe', '--node', node], { endpoint });
    t.is(typo.code, 2);
    t.regex(typo.stderr, /did you mean web\?/);
    const noNode = await runCli(['resource', 'move', 'web', '--node', 'node9'], { endpoint });
    t.is(noNode.code, 2);
    t.regex(noNode.stderr, /no node node9 in the cluster/);

    const clear = await runCli(['resource', 'clear', 'web'], { endpoint });
    t.is(clear.code, 0);
    t.regex(clear.stdout, /^cleared for web: /m);
    await expectStatus(t, endpoint, (s) => s.intents.length === 0, 'no bans or moves left');
    const nothing = await runCli(['resource', 'clear', 'web'], { endpoint });
    t.is(nothing.code, 0);
    t.regex(nothing.stdout, /nothing to clear: web has no bans or moves/);
  },
);

test.serial(
  'cleanup resets the fail count after a real failure; events list and follow',
  async (t) => {
    const c = await startCliCluster(t);
    const first = await applyMarkers(t, c);
    const node = first.resources.find((r) => r.id === 'web')!.target;
    const endpoint = c.endpoint('node2');

    // Follow events from the newest one on, in the background (it may connect only after the
    // failure below: --since-index makes its backlog cover everything from here).
    const newest = await runCli(['events', '-o', 'json', '--limit', '1'], { endpoint });
    const since = (JSON.parse(newest.stdout.trim()) as EventView).index;
    const follower = spawnCli(
      ['events', '--follow', '-o', 'json', '--since-index', String(since), '--limit', '0'],
      endpoint,
    );
    t.teardown(() => follower.kill());

    // The resource dies under the agent's feet: the monitor finds it, the failure is counted.
    rmSync(join(c.markerDir, 'web', node));
    await expectStatus(
      t,
      endpoint,
      (s) => s.failures.some((f) => f.resource === 'web' && f.failCount >= 1),
      'the failure is counted',
    );
    const table = await runCli(['status'], { endpoint });
    t.regex(table.stdout, new RegExp(`^web +${node} +[1-9] +3 +`, 'm'));

    const cleanup = await runCli(['resource', 'cleanup', 'web'], { endpoint });
    t.is(cleanup.code, 0, cleanup.stderr);
    t.regex(cleanup.stdout, /web: failures forgotten on every node; it is probed anew/);
    await expectStatus(
      t,
      endpoint,
      (s) =>
        s.failures.length === 0 && s.resources.find((r) => r.id === 'web')?.state === 'started',
      'fail count reset and web running',
    );
    t.regex((await runCli(['status'], { endpoint })).stdout, /^FAILURES\n\(none\)$/m);

    // events: the whole story, oldest first.
    const events = await runCli(['events', '--limit', '0'], { endpoint });
    t.is(events.code, 0);
    t.regex(events.stdout, /^TIME +INDEX +KIND +NODE +RESOURCE +MESSAGE$/m);
    t.regex(events.stdout, /apply-config +- +- +configuration version 1 applied/);
    t.regex(events.stdout, new RegExp(`record-state +${node} +web +failed \\(failure 1: `));
    t.regex(events.stdout, /cleanup +- +web +cleanup reset \d record\(s\)/);
    const onlyWeb = await runCli(
      ['events', '--resource', 'web', '--node', node, '-o', 'json', '--limit', '0'],
      { endpoint },
    );
    const lines = onlyWeb.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EventView);
    t.true(lines.length > 0);
    t.true(lines.every((e) => e.resource === 'web' && e.node === node));

    // The follower saw the failure and the cleanup as they happened.
    const seen = await pollUntil(10_000, 100, async () =>
      /"kind":"cleanup"/.test(follower.stdout()) ? follower.stdout() : undefined,
    );
    t.truthy(seen, follower.stdout());
    t.regex(seen!, /"message":"failed \(failure 1: /);
    const stopped = await follower.interrupt();
    t.is(stopped, 0, 'Ctrl-C ends events --follow with exit 0');
  },
);

// Cleanup marks the resource `unknown` on every node; a node where it is not placed and
// known stopped confirms with a stop (coordinator/reconcile.ts), so the scheduler hears from
// every node again and the resource can move.
test.serial('after a cleanup the resource can still fail over', async (t) => {
  const c = await startCliCluster(t);
  await applyMarkers(t, c);
  const endpoint = c.endpoint('node2');
  const cleanup = await runCli(['resource', 'cleanup', 'web'], { endpoint });
  t.is(cleanup.code, 0, cleanup.stderr);
  const run = await runCli(['failover', 'web', '--timeout', '15s'], { endpoint });
  t.is(run.code, 0, `${run.stdout}${run.stderr}`);
});
