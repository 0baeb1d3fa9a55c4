import type { Command } from 'commander';
import type {
  FailoverReply,
  ResourceView,
  StatusReply,
} from '../../agent/src/api/admin-messages.js';
import type { AdminClient } from '../admin-client.js';
import { fail, type CliResult } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { durationText } from '../render/time-text.js';
import { positiveDurationArg } from '../options.js';
import { print, runWithClient } from '../run-command.js';

/** How often the wait looks at the cluster. */
const POLL_MS = 250;

/** `clusterctl failover RESOURCE|GROUP [--to NODE]`: move it off its node and wait. */
export function registerFailover(program: Command): void {
  program
    .command('failover')
    .description(
      'move a resource or group off the node it runs on, and wait until it runs elsewhere',
    )
    .argument('<resource>', 'a primitive or group (a group member fails over with its group)')
    .option('--to <node>', 'where it should go (default: wherever the scheduler places it)')
    .option(
      '--timeout <duration>',
      'how long to wait for it to run elsewhere',
      positiveDurationArg,
      30_000,
    )
    .option('--no-wait', 'return once the ban is written')
    .addHelpText(
      'after',
      `
Bans the resource from its current node (and, with --to, prefers the target), after the
leader checked that it can run elsewhere: if it cannot, nothing is written and clusterctl
says why (exit 2). Then shows each step (stop there, start here) until it runs on the new
node, or exits 4 after --timeout. The ban stays, listed in status, until you clear it:
  clusterctl resource clear RESOURCE

Examples:
  clusterctl failover web
  clusterctl failover web --to node3 --timeout 1m
  clusterctl failover storage --no-wait`,
    )
    .action(
      async (
        resource: string,
        opts: { to?: string; timeout: number; wait: boolean },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const started = Date.now();
          const reply = await client.call<FailoverReply>('Failover', {
            resource,
            to: opts.to ?? '',
          });
          if (!reply.ok) return reply;
          const f = reply.value;
          print(`${f.message}.`);
          if (!opts.wait) return reply;
          return waitForMove(client, f, started, opts.timeout);
        }),
    );
}

/**
 * Poll status until every member runs on a node other than `from` and nothing is active on
 * `from`, printing each change of state as it is seen (`+0.4s  web  node1  stopped`).
 */
async function waitForMove(
  client: AdminClient,
  f: FailoverReply,
  startedMs: number,
  timeoutMs: number,
): Promise<CliResult<null>> {
  const seen = new Map<string, string>();
  const warned = new Set<string>();
  let last = 'no answer yet';
  const deadline = startedMs + timeoutMs;
  while (Date.now() < deadline) {
    const status = await client.call<StatusReply>('Status', { linearizable: false });
    if (status.ok) {
      const members = f.members.map((m) => status.value.resources.find((r) => r.id === m));
      for (const r of members) if (r !== undefined) reportChanges(r, seen, startedMs);
      for (const w of status.value.warnings) {
        if (!f.members.some((m) => w.startsWith(`${m} `)) || warned.has(w)) continue;
        warned.add(w);
        print(`  ${elapsed(startedMs)}  ${w}`);
      }
      last = members
        .map((r, i) => `${f.members[i]} ${r === undefined ? 'unknown' : describe(r)}`)
        .join(', ');
      if (members.every((r) => r !== undefined && moved(r, f.from))) {
        const where = members[0]!.target;
        print(
          `${f.resource} runs on ${where} after ${elapsed(startedMs).slice(1)}; it stays banned from ${f.from} until: clusterctl resource clear ${f.resource}`,
        );
        return { ok: true, value: null };
      }
    } else if (status.failure.exitCode === ExitCode.INTERNAL) {
      return status;
    } else {
      last = status.failure.message;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return fail(
    ExitCode.TIMED_OUT,
    `${f.resource} did not finish moving within ${durationText(timeoutMs)} (last seen: ${last}); ` +
      `the ban on ${f.from} is in place; clusterctl explain ${f.resource} shows what holds it`,
  );
}

function moved(r: ResourceView, from: string): boolean {
  return (
    r.target !== '' && r.target !== from && r.state === 'started' && !r.activeOn.includes(from)
  );
}

function describe(r: ResourceView): string {
  return r.target === '' ? `${r.state}` : `${r.state} (target ${r.target})`;
}

function reportChanges(r: ResourceView, seen: Map<string, string>, startedMs: number): void {
  for (const n of r.nodes) {
    const key = `${r.id}@${n.node}`;
    const previous = seen.get(key);
    seen.set(key, n.state);
    if (previous === n.state || (previous === undefined && n.state === 'stopped')) continue;
    const change = previous === undefined ? n.state : `${previous} -> ${n.state}`;
    print(`  ${elapsed(startedMs)}  ${r.id}  ${n.node}  ${change}`);
  }
}

function elapsed(startedMs: number): string {
  return `+${((Date.now() - startedMs) / 1000).toFixed(1)}s`;
}
