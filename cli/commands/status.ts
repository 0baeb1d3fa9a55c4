import type { Command } from 'commander';
import type { StatusReply, StatusRequest } from '../../agent/src/api/admin-messages.js';
import type { AdminClient } from '../admin-client.js';
import type { CliResult } from '../cli-failure.js';
import { print, runWithClient } from '../run-command.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { renderStatus } from '../render/status-text.js';
import { clockText } from '../render/time-text.js';

/** How often `status --watch` redraws. */
const WATCH_INTERVAL_MS = 1000;

/** `clusterctl status`: the whole picture; `--watch` redraws it every second. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show nodes, resources, bans and moves, and recent failures')
    .addOption(outputOption())
    .option('-w, --watch', 'redraw every second until Ctrl-C')
    .option('--linearizable', 'confirm with the leader that the answer is current')
    .addHelpText(
      'after',
      `
The leader's view: the agent you ask relays to the leader. Without a leader the agent
answers from its own state, node liveness "unknown", and says why at the top.

Examples:
  clusterctl status
  clusterctl status --watch
  clusterctl --endpoint 127.0.0.1:7402 status -o json`,
    )
    .action(
      async (
        opts: { output: OutputFormat; watch?: boolean; linearizable?: boolean },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const request: StatusRequest = { linearizable: opts.linearizable === true };
          if (opts.watch === true) return watch(client, request, opts.output);
          const reply = await client.call<StatusReply>('Status', request);
          if (!reply.ok) return reply;
          print(formatOutput(opts.output, reply.value, () => renderStatus(reply.value)));
          return reply;
        }),
    );
}

/**
 * Redraw every second until Ctrl-C (exit 0). A failed fetch is shown in place of the report
 * and the watch goes on: watching through a leader change or an agent restart is the point.
 * On a terminal each frame replaces the last; otherwise frames follow each other (JSON: one
 * object per line; YAML: one document per frame).
 */
async function watch(
  client: AdminClient,
  request: StatusRequest,
  format: OutputFormat,
): Promise<CliResult<null>> {
  const tty = process.stdout.isTTY === true && format === 'table';
  let stop: () => void = () => undefined;
  const stopped = new Promise<'stop'>((resolve) => (stop = () => resolve('stop')));
  process.once('SIGINT', stop);
  try {
    for (;;) {
      const reply = await Promise.race([client.call<StatusReply>('Status', request), stopped]);
      if (reply === 'stop') break;
      print(watchFrame(reply, format, tty));
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), WATCH_INTERVAL_MS);
      });
      const next = await Promise.race([tick, stopped]);
      clearTimeout(timer);
      if (next === 'stop') break;
    }
  } finally {
    process.removeListener('SIGINT', stop);
  }
  return { ok: true, value: null };
}

function watchFrame(reply: CliResult<StatusReply>, format: OutputFormat, tty: boolean): string {
  if (format === 'json')
    return JSON.stringify(reply.ok ? reply.value : { error: reply.failure.message });
  if (format === 'yaml')
    return `---\n${reply.ok ? formatOutput('yaml', reply.value, () => '') : `error: ${JSON.stringify(reply.failure.message)}`}`;
  const body = reply.ok ? renderStatus(reply.value) : `clusterctl: ${reply.failure.message}`;
  const frame = `Every 1s: clusterctl status    ${clockText(Date.now())}\n\n${body}`;
  return tty ? `\x1b[H\x1b[2J${frame}` : `${frame}\n`;
}
