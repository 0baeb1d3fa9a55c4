import type { Command } from 'commander';
import type {
  ExplainReply,
  FailoverReply,
  ResourceView,
  StatusReply,
} from '../../agent/src/api/admin-messages.js';
import type { AdminClient } from '../admin-client.js';
import { fail, type CliResult } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
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
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Bans the resource from its current node (and, with --to, prefers the target), after the
leader checked that it can run elsewhere: if it cannot, nothing is written and clusterctl
says why (exit 2). Then shows each step (stop there, start here) until it runs on the new
node, or exits 4 after --timeout. The ban stays, listed in status, until you clear it:
  clusterctl resource clear RESOURCE
With -o json|yaml nothing is printed along the way: one document at the end, the reply
and the steps seen (outcome.steps), where it runs (outcome.runsOn) and how long it took.

Examples:
  clusterctl failover web
  clusterctl failover web --to node3 --timeout 1m
  clusterctl failover storage --no-wait`,
    )
    .action(
      async (
        resource: string,
        opts: { to?: string; timeout: number; wait: boolean; output: OutputFormat },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const started = Date.now();
          // What each node runs before the failover, so the first look after it shows the
          // change (started -> stopped) even when the stop was quick.
          const before = await client.call<StatusReply>('Status', { linearizable: false });
          const reply = await client.call<FailoverReply>('Failover', {
            resource,
            to: opts.to ?? '',
          });
          if (!reply.ok) return reply;
          const f = reply.value;
          const table = opts.output === 'table';
          if (!opts.wait) {
            print(formatOutput(opts.output, f, () => `${f.message}.`));
            return reply;
          }
          if (table) print(`${f.message}.`);
          const seen = new Map<string, string>();
          if (before.ok) for (const r of before.value.resources) changes(r, seen, started);
          const say = table ? print : null;
          const outcome = await waitForMove(client, f, seen, started, opts.timeout, say);
          if (outcome.ok && !table)
            print(formatOutput(opts.output, { ...f, outcome: outcome.value }, () => ''));
          return outcome;
        }),
    );
}

/** One change of state seen while waiting: `web` on `node1`, `started` -> `stopped`. */
export interface FailoverStep {
  /** Milliseconds since clusterctl asked for the failover. */
  afterMs: number;
  resource: string;
  node: string;
  /** '' when first seen. */
  from: string;
  to: string;
}

/** How a failover ended: where it runs, how long it took, the steps seen on the way. */
export interface FailoverOutcome {
  runsOn: string;
  elapsedMs: number;
  steps: FailoverStep[];
  warnings: string[];
}

/**
 * Poll status until every member runs on a node other than `from` and nothing is active on
 * `from`, recording each change of state (against `seen`: the last state per
 * `resource@node`) as it is seen and, with `say`, printing it
 * (`+0.4s  web  node1  started -> stopped`).
 */
async function waitForMove(
  client: AdminClient,
  f: FailoverReply,
  seen: Map<string, string>,
  startedMs: number,
  timeoutMs: number,
  say: ((line: string) => void) | null,
): Promise<CliResult<FailoverOutcome>> {
  const steps: FailoverStep[] = [];
  const warnings: string[] = [];
  const warned = new Set<string>();
  let last = 'no answer yet';
  const deadline = startedMs + timeoutMs;
  while (Date.now() < deadline) {
    const status = await client.call<StatusReply>('Status', { linearizable: false });
    if (status.ok) {
      const members = f.members.map((m) => status.value.resources.find((r) => r.id === m));
      for (const r of members) {
        if (r === undefined) continue;
        for (const step of changes(r, seen, startedMs)) {
          steps.push(step);
          say?.(`  ${elapsed(step.afterMs)}  ${step.resource}  ${step.node}  ${stepText(step)}`);
        }
      }
      for (const w of status.value.warnings) {
        if (!f.members.some((m) => w.startsWith(`${m} `)) || warned.has(w)) continue;
        warned.add(w);
        warnings.push(w);
        say?.(`  ${elapsed(Date.now() - startedMs)}  ${w}`);
      }
      last = members
        .map((r, i) => `${f.members[i]} ${r === undefined ? 'unknown' : describe(r)}`)
        .join(', ');
      if (members.every((r) => r !== undefined && moved(r, f.from))) {
        const where = members[0]!.target;
        const elapsedMs = Date.now() - startedMs;
        say?.(
          `${f.resource} runs on ${where} after ${elapsed(elapsedMs).slice(1)}; it stays banned from ${f.from} until: clusterctl resource clear ${f.resource}`,
        );
        return { ok: true, value: { runsOn: where, elapsedMs, steps, warnings } };
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
      `${await holdingText(client, f.resource)}the ban on ${f.from} is in place; ` +
      `clusterctl explain ${f.resource} shows the rest`,
  );
}

/**
 * What the leader's plan still waits for (`waiting for: probe web on node3 (...)`), or why
 * it cannot run, from explain; '' when explain does not answer.
 */
async function holdingText(client: AdminClient, resource: string): Promise<string> {
  const e = await client.call<ExplainReply>('Explain', { resource, linearizable: false });
  if (!e.ok) return '';
  const cannot = e.value.unplaced.map((u) => `${u.resource} cannot run: ${u.reason}`);
  const pending = e.value.actions.map((a) => `${a.kind} ${a.resource} on ${a.node} (${a.reason})`);
  const parts = [...cannot, ...(pending.length > 0 ? [`waiting for: ${pending.join('; ')}`] : [])];
  return parts.length === 0 ? '' : `${parts.join('; ')}; `;
}

function moved(r: ResourceView, from: string): boolean {
  return (
    r.target !== '' && r.target !== from && r.state === 'started' && !r.activeOn.includes(from)
  );
}

function describe(r: ResourceView): string {
  return r.target === '' ? `${r.state}` : `${r.state} (target ${r.target})`;
}

/** The changes of `r`'s per-node states since the last look (recorded in `seen`). */
function changes(r: ResourceView, seen: Map<string, string>, startedMs: number): FailoverStep[] {
  const out: FailoverStep[] = [];
  for (const n of r.nodes) {
    const key = `${r.id}@${n.node}`;
    const previous = seen.get(key);
    seen.set(key, n.state);
    if (previous === n.state || (previous === undefined && n.state === 'stopped')) continue;
    out.push({
      afterMs: Date.now() - startedMs,
      resource: r.id,
      node: n.node,
      from: previous ?? '',
      to: n.state,
    });
  }
  return out;
}

function stepText(step: FailoverStep): string {
  return step.from === '' ? step.to : `${step.from} -> ${step.to}`;
}

function elapsed(ms: number): string {
  return `+${(ms / 1000).toFixed(1)}s`;
}
