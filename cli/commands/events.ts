import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { EventView, EventsRequest } from '../../agent/src/api/admin-messages.js';
import { countArg } from '../options.js';
import { outputOption, type OutputFormat } from '../render/output-format.js';
import { clockText } from '../render/time-text.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl events [--follow]`: what happened, oldest first. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('list cluster events (configuration, placements, state changes, failures)')
    .addOption(outputOption())
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--resource <id>', 'only events about this resource')
    .option('--node <node>', 'only events about this node')
    .option('--limit <n>', 'only the newest N events (0: all kept, up to 1000)', countArg, 50)
    .option('--since-index <index>', 'only events after this log index', countArg, 0)
    .option('--linearizable', 'confirm with the leader that the list is current')
    .addHelpText(
      'after',
      `
One line per event: local time, Raft log index (orders events cluster-wide), kind, node,
resource and what happened. With -o json each event is one JSON object per line.

Examples:
  clusterctl events
  clusterctl events --resource web --limit 0
  clusterctl events --follow`,
    )
    .action(
      async (
        opts: {
          output: OutputFormat;
          follow?: boolean;
          resource?: string;
          node?: string;
          limit: number;
          sinceIndex: number;
          linearizable?: boolean;
        },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const request: EventsRequest = {
            afterIndex: opts.sinceIndex,
            limit: opts.limit,
            follow: opts.follow === true,
            resource: opts.resource ?? '',
            node: opts.node ?? '',
            linearizable: opts.linearizable === true,
          };
          let count = 0;
          const stream = client.stream<EventView>('Events', request, (e) => {
            if (count++ === 0 && opts.output === 'table') print(eventHeader());
            print(eventLine(e, opts.output));
          });
          const onSigint = () => stream.cancel();
          process.once('SIGINT', onSigint);
          const result = await stream.done;
          process.removeListener('SIGINT', onSigint);
          if (result.ok && count === 0 && opts.output === 'table' && !request.follow)
            print('(no events)');
          return result;
        }),
    );
}

const WIDTHS = [19, 7, 14, 8, 14];

function eventHeader(): string {
  return ['TIME', 'INDEX', 'KIND', 'NODE', 'RESOURCE', 'MESSAGE']
    .map((h, i) => (i < WIDTHS.length ? h.padEnd(WIDTHS[i]!) : h))
    .join('  ');
}

/** One event: an aligned table row (fixed widths: rows arrive one by one), JSON or YAML. */
function eventLine(e: EventView, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(e);
  if (format === 'yaml') return `---\n${stringify(e).trimEnd()}`;
  return [clockText(e.atMs), String(e.index), e.kind, e.node || '-', e.resource || '-', e.message]
    .map((v, i) => (i < WIDTHS.length ? v.padEnd(WIDTHS[i]!) : v))
    .join('  ');
}
