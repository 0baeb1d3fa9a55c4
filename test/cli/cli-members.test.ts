import test from 'ava';
import type { MembersReply } from '../../agent/src/api/admin-messages.js';
import { freePort, pollUntil } from '../harness/agent-processes.js';
import { applyMarkers, expectStatus, pollCli, runCli, startCliCluster } from './cli-helpers.js';

// members, leader transfer, member add/remove with a fourth real agent, and what clusterctl
// says when the quorum is lost.

async function membersJson(endpoint: string): Promise<MembersReply> {
  const run = await runCli(['members', '-o', 'json'], { endpoint });
  return JSON.parse(run.stdout) as MembersReply;
}

test.serial('members, leader transfer, member add/remove, and a lost quorum', async (t) => {
  const c = await startCliCluster(t);
  const started = await applyMarkers(t, c);
  const runsOn = started.resources.find((r) => r.id === 'web')!.target;
  const { leader } = await c.cluster.waitForLeader();
  const follower = ['node1', 'node2', 'node3'].find((n) => n !== leader)!;
  const endpoint = c.endpoint(follower);

  // members, asked of a follower: the leader's view with replication progress.
  const members = await runCli(['members'], { endpoint });
  t.is(members.code, 0, members.stderr);
  t.regex(
    members.stdout,
    new RegExp(
      `^leader ${leader}, term \\d+, commit \\d+, last index \\d+ \\(answered by ${leader}\\)$`,
      'm',
    ),
  );
  t.regex(members.stdout, /^ID +ROLE +ADDRESS +MATCH +LAG +REPLICATION +ACTIVE$/m);
  t.regex(
    members.stdout,
    new RegExp(`^${leader} +leader +127\\.0\\.0\\.1:\\d+ +\\d+ +\\d+ +replicate +yes$`, 'm'),
  );
  t.regex(
    members.stdout,
    new RegExp(
      `^${follower} +voter +${c.endpoint(follower).replace(/\./g, '\\.')} +\\d+ +\\d+ +(replicate|probe) +yes$`,
      'm',
    ),
  );

  // leader transfer, from a follower's endpoint: the leader changes, the resource stays put.
  const target = ['node1', 'node2', 'node3'].find((n) => n !== leader && n !== follower)!;
  const transfer = await runCli(['leader', 'transfer', target], { endpoint });
  t.is(transfer.code, 0, transfer.stderr);
  t.regex(
    transfer.stdout,
    new RegExp(`^leadership moved: ${leader} -> ${target} \\(term \\d+\\)$`, 'm'),
  );
  const after = await c.cluster.waitForLeader();
  t.is(after.leader, target);
  t.is((await membersJson(endpoint)).leader, target);
  const same = await runCli(['leader', 'transfer', target], { endpoint });
  t.is(same.code, 0);
  t.regex(same.stdout, new RegExp(`${target} is already the leader`));
  const sameJson = await runCli(['leader', 'transfer', target, '-o', 'json'], { endpoint });
  t.like(JSON.parse(sameJson.stdout), { previous: target, leader: target });
  const notMember = await runCli(['leader', 'transfer', 'node7'], { endpoint });
  t.is(notMember.code, 2);
  t.regex(notMember.stderr, /no node node7 in the cluster/);
  // A transfer by itself moves no resource (on a starved machine a node may still lose its
  // lease and restart it elsewhere: then only log it).
  const stayed = await expectStatus(
    t,
    endpoint,
    (s) => s.resources.find((r) => r.id === 'web')?.state === 'started',
    'web runs after the transfer',
  );
  const now = stayed.resources.find((r) => r.id === 'web')!.target;
  if (now !== runsOn) t.log(`web moved from ${runsOn} to ${now} during the transfer`);

  // member add: a fourth agent, first as a learner, then promoted; then removed.
  const silent = await runCli(
    ['member', 'add', 'node4', '--address', `127.0.0.1:${await freePort()}`],
    { endpoint },
  );
  t.is(silent.code, 2);
  t.regex(
    silent.stderr,
    /node4 does not answer at 127\.0\.0\.1:\d+ as a member of quorate .*start clusterd there first/,
  );
  const node4 = await c.cluster.addAgent('node4');
  const learner = await runCli(
    ['member', 'add', 'node4', '--address', node4.address, '--learner'],
    { endpoint },
  );
  t.is(learner.code, 0, learner.stderr);
  t.regex(learner.stdout, /^node4 added as a learner/m);
  t.regex(
    learner.stdout,
    new RegExp(`^node4 +learner +${node4.address.replace(/\./g, '\\.')} `, 'm'),
  );
  const caughtUp = await pollUntil(20_000, 200, async () => {
    const m = await membersJson(endpoint);
    const n4 = m.members.find((x) => x.id === 'node4');
    return n4 !== undefined && n4.progressKnown && n4.lag === 0 && n4.matchIndex > 0
      ? m
      : undefined;
  });
  t.truthy(caughtUp, 'the learner caught up (lag 0)');
  const voter = await pollCli(
    ['member', 'add', 'node4', '--address', node4.address],
    endpoint,
    (r) => r.code !== 3,
  );
  t.is(voter?.code, 0, voter?.stderr);
  t.regex(voter!.stdout, /^node4 added as a voter/m);
  t.regex(voter!.stdout, /^node4 +voter /m);
  const again = await runCli(['member', 'add', 'node4', '--address', node4.address], { endpoint });
  t.is(again.code, 2);
  t.regex(again.stderr, /node4 is already a member/);
  const removed = await pollCli(
    ['member', 'remove', 'node4', '-o', 'json'],
    endpoint,
    (r) => r.code !== 3,
  );
  t.is(removed?.code, 0, removed?.stderr);
  const afterRemove = JSON.parse(removed!.stdout) as MembersReply;
  t.is(afterRemove.message, 'node4 removed');
  t.false(afterRemove.members.some((m) => m.id === 'node4'));
  t.deepEqual(
    (await membersJson(endpoint)).members.map((m) => m.id),
    ['node1', 'node2', 'node3'],
  );

  // Two of three agents die: the survivor still answers status (its own view, liveness
  // unknown) and refuses writes with exit 3, saying how many members it reaches.
  const survivor = follower;
  for (const a of c.cluster.agents) if (a.id !== survivor) await a.kill();
  const lost = await pollCli(
    ['resource', 'ban', 'web', '--node', survivor],
    c.endpoint(survivor),
    (r) => r.code === 3,
    30_000,
  );
  t.truthy(lost, 'a write is refused as unavailable');
  t.regex(
    lost!.stderr,
    new RegExp(
      `no leader: fewer than 2 of 3 members reachable from ${survivor} \\(answering: ${survivor}; silent: .*\\); nothing can change until a majority is back\\. Check that clusterd runs on`,
    ),
  );
  // Status says so at the top at once (the survivor may still name the old leader for an
  // election timeout: the header then shows it, the warning says it cannot be reached) ...
  const status = await runCli(['status'], { endpoint: c.endpoint(survivor) });
  t.is(status.code, 0, 'status still answers');
  t.regex(status.stdout, /^WARNING: no leader: fewer than 2 of 3 members reachable/m);
  // ... and once the survivor gave up on the old leader, the header says NO LEADER.
  t.truthy(
    await pollCli(['status'], c.endpoint(survivor), (r) => /NO LEADER/.test(r.stdout)),
    'status shows NO LEADER',
  );
  t.regex(status.stdout, new RegExp(`^${survivor} +voter +unknown `, 'm'));
  const membersNow = await runCli(['members'], { endpoint: c.endpoint(survivor) });
  t.is(membersNow.code, 0);
  t.regex(membersNow.stdout, /^node1 +voter +127\.0\.0\.1:\d+ +\? +\? +\? +\?$/m);
});
