import test from 'ava';
import { pollUntil } from '../harness/agent-processes.js';
import {
  applyMarkers,
  pollCli,
  expectStatus,
  markerYaml,
  runCli,
  startCliCluster,
  statusJson,
} from './cli-helpers.js';

// failover, node standby/unstandby and explain against three real agents running the marker
// resource: the marker file shows, at any instant, where the resource is active.

test.serial(
  'failover moves the resource, shows progress and the ban; explain shows why',
  async (t) => {
    const c = await startCliCluster(t);
    const first = await applyMarkers(t, c);
    const from = first.resources.find((r) => r.id === 'web')!.target;
    const endpoint = c.endpoint(from); // ask the very node it runs on

    const run = await runCli(['failover', 'web', '--timeout', '30s'], { endpoint });
    t.is(run.code, 0, run.stderr + run.stdout);
    t.regex(run.stdout, new RegExp(`^failing over web from ${from} to (node\\d)`, 'm'));
    t.regex(
      run.stdout,
      new RegExp(`^ {2}\\+\\d+\\.\\ds {2}web {2}${from} {2}started -> stopped$`, 'm'),
    );
    const to = /^web runs on (node\d) after /m.exec(run.stdout)?.[1];
    t.truthy(to, run.stdout);
    t.not(to, from);
    t.truthy(await pollUntil(5000, 50, async () => (c.markers().join() === to ? true : undefined)));

    // Status lists the ban, never hidden.
    const status = await runCli(['status'], { endpoint });
    t.regex(status.stdout, new RegExp(`^ban +web +${from} +until cleared$`, 'm'));

    // Explain: scores per node, -INFINITY where banned, and the ban itself.
    // (Polled: on a loaded machine a node may briefly lose its lease and restart the resource.)
    const explain = (await pollCli(['explain', 'web'], endpoint, (r) =>
      / \* +web runs here/.test(r.stdout),
    ))!;
    t.truthy(explain, 'explain shows where web runs');
    t.is(explain.code, 0, explain.stderr);
    t.regex(
      explain.stdout,
      new RegExp(`^web is placed on ${to} \\(score \\d+, the highest allowed\\)`, 'm'),
    );
    t.regex(
      explain.stdout,
      new RegExp(`^${from} +-INFINITY +- +banned by clusterctl \\(until cleared\\)`, 'm'),
    );
    t.regex(explain.stdout, new RegExp(`^${to} +\\d+ +\\* +web runs here`, 'm'));
    t.regex(explain.stdout, new RegExp(`^ {2}ban web on ${from}, until cleared$`, 'm'));
    const explainJson = JSON.parse(
      (await runCli(['explain', 'web', '-o', 'json'], { endpoint })).stdout,
    ) as {
      units: { nodes: { node: string; score: number }[] }[];
    };
    t.is(explainJson.units[0]!.nodes.find((n) => n.node === from)!.score, -1_000_000);

    // A failover that cannot happen is refused before anything is written, saying why.
    const third = ['node1', 'node2', 'node3'].find((n) => n !== from && n !== to)!;
    const backToBanned = await runCli(['failover', 'web', '--to', from], { endpoint });
    t.is(backToBanned.code, 2);
    t.regex(
      backToBanned.stderr,
      new RegExp(
        `web is banned from ${from}; lift the ban first: clusterctl resource clear web --node ${from}`,
      ),
    );
    const unknown = await runCli(['failover', 'wbe'], { endpoint });
    t.is(unknown.code, 2);
    t.regex(unknown.stderr, /no resource, group or clone wbe; did you mean web\?/);
    await runCli(['node', 'standby', third], { endpoint });
    const nowhere = await runCli(['failover', 'web'], { endpoint });
    t.is(nowhere.code, 2);
    t.regex(
      nowhere.stderr,
      new RegExp(`cannot fail over web from ${to}: no node can run it: .*${third} is in standby`),
    );
    t.deepEqual(
      (await statusJson(endpoint))?.intents.map((i) => `${i.kind}@${i.node}`),
      [`ban@${from}`],
      'a refused failover writes nothing',
    );
    await runCli(['node', 'unstandby', third], { endpoint });

    // Cleared: the ban is gone from status.
    const cleared = await runCli(['resource', 'clear', 'web'], { endpoint });
    t.is(cleared.code, 0);
    t.regex(cleared.stdout, new RegExp(`cleared for web: ban on ${from}`));
    await expectStatus(t, endpoint, (s) => s.intents.length === 0, 'no bans left');

    // failover --to, as JSON: one document at the end with where it runs and the steps seen;
    // the preference and the ban were written together.
    const here = (await statusJson(endpoint))!.resources.find((r) => r.id === 'web')!.target;
    const dest = ['node1', 'node2', 'node3'].find((n) => n !== here)!;
    const toJson = await runCli(['failover', 'web', '--to', dest, '-o', 'json'], { endpoint });
    t.is(toJson.code, 0, toJson.stderr);
    const outcome = JSON.parse(toJson.stdout) as {
      from: string;
      expectedNode: string;
      outcome: { runsOn: string; steps: { node: string; from: string; to: string }[] };
    };
    t.like(outcome, { from: here, expectedNode: dest, outcome: { runsOn: dest } });
    t.true(outcome.outcome.steps.some((s) => s.node === dest && s.to === 'started'));
    const intents = (await statusJson(endpoint))!.intents;
    t.deepEqual(intents.map((i) => `${i.kind}@${i.node}`).sort(), [
      `ban@${here}`,
      `prefer@${dest}`,
    ]);
    t.is(new Set(intents.map((i) => i.expiresAtMs)).size, 1, 'both until cleared');
  },
);

test.serial(
  'node standby moves resources off and shows standby; unstandby lets it run again',
  async (t) => {
    const c = await startCliCluster(t);
    const first = await applyMarkers(t, c);
    const node = first.resources.find((r) => r.id === 'web')!.target;
    const endpoint = c.endpoint('node1');

    const standby = await runCli(['node', 'standby', node, '-o', 'json'], { endpoint });
    t.is(standby.code, 0, standby.stderr);
    const written = JSON.parse(standby.stdout) as { index: number; message: string };
    t.true(written.index > 0);
    t.regex(
      written.message,
      new RegExp(`${node} is in standby: its resources move to other nodes`),
    );
    const moved = await expectStatus(
      t,
      endpoint,
      (s) => {
        const web = s.resources.find((r) => r.id === 'web')!;
        return web.state === 'started' && web.target !== node;
      },
      'web moved off the standby node',
    );
    const other = moved.resources.find((r) => r.id === 'web')!.target;
    t.truthy(
      await pollUntil(5000, 50, async () => (c.markers().join() === other ? true : undefined)),
    );
    const table = await runCli(['status'], { endpoint });
    t.regex(table.stdout, new RegExp(`^${node} +(voter|leader) +alive +standby +- +0 `, 'm'));

    // Unknown node: refused with the members.
    const typo = await runCli(['node', 'standby', 'nod3'], { endpoint });
    t.is(typo.code, 2);
    t.regex(
      typo.stderr,
      /no node nod3 in the cluster; did you mean node3\? members: node1, node2, node3/,
    );

    const unstandby = await runCli(['node', 'unstandby', node], { endpoint });
    t.is(unstandby.code, 0);
    await expectStatus(
      t,
      endpoint,
      (s) => s.nodes.find((n) => n.id === node)?.standby === false,
      `${node} shows active again`,
    );

    // Maintenance: flag shown, then cleared.
    const maintenance = await runCli(['node', 'maintenance', node], { endpoint });
    t.is(maintenance.code, 0);
    await expectStatus(
      t,
      endpoint,
      (s) => s.nodes.find((n) => n.id === node)?.maintenance === true,
      `${node} shows maintenance`,
    );
    const off = await runCli(['node', 'maintenance', node, '--off'], { endpoint });
    t.is(off.code, 0);
    t.regex(off.stdout, /out of maintenance/);
  },
);

test.serial(
  'failover of a group member moves the whole group, members in order, as one',
  async (t) => {
    const c = await startCliCluster(t);
    const yaml = `${markerYaml(c.markerDir, ['db', 'app'])}groups:\n  - id: stack\n    members: [db, app]\n`;
    const file = c.writeFile('group.yaml', yaml);
    const applied = await pollCli(['apply', '-f', file], c.endpoint(), (r) => r.code === 0);
    t.truthy(applied, 'apply succeeded');
    const first = await expectStatus(
      t,
      c.endpoint(),
      (s) => ['db', 'app'].every((id) => s.resources.find((r) => r.id === id)?.state === 'started'),
      'db and app started',
    );
    const from = first.resources.find((r) => r.id === 'db')!.target;
    t.is(first.resources.find((r) => r.id === 'app')!.target, from, 'a group shares its node');

    const run = await runCli(['failover', 'app', '-o', 'json'], { endpoint: c.endpoint('node2') });
    t.is(run.code, 0, run.stderr);
    const reply = JSON.parse(run.stdout) as {
      resource: string;
      members: string[];
      message: string;
      outcome: { runsOn: string };
    };
    t.is(reply.resource, 'stack');
    t.deepEqual(reply.members, ['db', 'app']);
    t.regex(reply.message, /\(app is in group stack: the group moves as a whole\)/);
    const to = reply.outcome.runsOn;
    t.not(to, from);
    t.truthy(
      await pollUntil(5000, 50, async () =>
        c.markers('db').join() === to && c.markers('app').join() === to ? true : undefined,
      ),
      'both members run on the new node only',
    );
    t.deepEqual(
      (await statusJson(c.endpoint()))?.intents.map((i) => `${i.kind} ${i.resource}@${i.node}`),
      [`ban stack@${from}`],
      'the ban names the group',
    );

    // Its node in maintenance runs no operation: the failover could never stop it there, so
    // it is refused, saying why, and nothing is written.
    t.is((await runCli(['node', 'maintenance', to], { endpoint: c.endpoint() })).code, 0);
    const held = await runCli(['failover', 'stack'], { endpoint: c.endpoint() });
    t.is(held.code, 2);
    t.regex(
      held.stderr,
      new RegExp(
        `^clusterctl: ${to} is in maintenance: its resources are left alone \\(never stopped there\\), so stack cannot move; clusterctl node maintenance ${to} --off first$`,
        'm',
      ),
    );
    t.is((await statusJson(c.endpoint()))?.intents.length, 1, 'nothing written');
    t.is((await runCli(['node', 'maintenance', to, '--off'], { endpoint: c.endpoint() })).code, 0);

    // A wait that ends before the move: exit 4, what was last seen, what the plan waits for,
    // and that the ban is in place (a deadline shorter than any round trip: it is always over
    // before the first look).
    const late = await runCli(['failover', 'stack', '--timeout', '1ms'], {
      endpoint: c.endpoint(),
    });
    t.is(late.code, 4, late.stderr);
    t.regex(
      late.stderr,
      new RegExp(
        `^clusterctl: stack did not finish moving within 1ms \\(last seen: no answer yet\\); .*the ban on ${to} is in place; clusterctl explain stack shows the rest$`,
        'm',
      ),
    );
  },
);
