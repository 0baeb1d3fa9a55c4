import type { Command } from 'commander';
import type { WriteReply } from '../../agent/src/api/admin-messages.js';
import { durationArg } from '../options.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl resource cleanup|ban|clear|move RESOURCE`: per-resource operations. */
export function registerResource(program: Command): void {
  const resource = program
    .command('resource')
    .description('clean up, ban, clear or move a resource')
    .addHelpText(
      'after',
      `
Bans and moves are listed in clusterctl status (with their expiry) until cleared or expired.

Examples:
  clusterctl resource cleanup web
  clusterctl resource ban web --node node1 --for 10m
  clusterctl resource move web --node node3
  clusterctl resource clear web`,
    );
  const write = (cmd: Command, method: string, request: object, format: OutputFormat) =>
    runWithClient(cmd, async (client) => {
      const reply = await client.call<WriteReply>(method, request);
      if (reply.ok) print(formatOutput(format, reply.value, () => reply.value.message));
      return reply;
    });
  resource
    .command('cleanup')
    .description('forget the failures of RESOURCE so it may run there again; it is probed anew')
    .argument('<resource>', 'a primitive, group or clone')
    .addOption(outputOption())
    .option('--node <node>', 'only on this node (default: every node)')
    .addHelpText(
      'after',
      '\nExamples:\n  clusterctl resource cleanup web\n  clusterctl resource cleanup web --node node1',
    )
    .action((id: string, opts: { node?: string; output: OutputFormat }, cmd: Command) =>
      write(cmd, 'Cleanup', { resource: id, node: opts.node ?? '' }, opts.output),
    );
  resource
    .command('ban')
    .description('keep RESOURCE off a node (default: the node it runs on)')
    .argument('<resource>', 'a primitive, group or clone')
    .addOption(outputOption())
    .option('--node <node>', 'the node to keep it off (required for a clone)')
    .option(
      '--for <duration>',
      'lift the ban after this long, e.g. 10m (default: until cleared)',
      durationArg,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  clusterctl resource ban web\n  clusterctl resource ban web --node node2 --for 1h',
    )
    .action(
      (id: string, opts: { node?: string; for?: number; output: OutputFormat }, cmd: Command) =>
        write(
          cmd,
          'Ban',
          { resource: id, node: opts.node ?? '', durationMs: opts.for ?? 0 },
          opts.output,
        ),
    );
  resource
    .command('move')
    .description('prefer a node for RESOURCE (without --node: move it off its current node)')
    .argument('<resource>', 'a primitive, group or clone')
    .addOption(outputOption())
    .option('--node <node>', 'where it should run')
    .option(
      '--for <duration>',
      'lift the preference after this long, e.g. 30m (default: until cleared)',
      durationArg,
    )
    .addHelpText(
      'after',
      '\nUnlike failover, move does not wait and does not check first; watch with clusterctl status --watch.\n\nExamples:\n  clusterctl resource move web --node node3\n  clusterctl resource move web --node node3 --for 30m\n  clusterctl resource move web          # off its current node (a ban there)',
    )
    .action(
      (id: string, opts: { node?: string; for?: number; output: OutputFormat }, cmd: Command) =>
        write(
          cmd,
          'Move',
          { resource: id, node: opts.node ?? '', durationMs: opts.for ?? 0 },
          opts.output,
        ),
    );
  resource
    .command('clear')
    .description('remove the bans and moves of RESOURCE')
    .argument('<resource>', 'a primitive, group or clone')
    .addOption(outputOption())
    .option('--node <node>', 'only those on this node (default: all)')
    .addHelpText(
      'after',
      '\nExamples:\n  clusterctl resource clear web\n  clusterctl resource clear web --node node1',
    )
    .action((id: string, opts: { node?: string; output: OutputFormat }, cmd: Command) =>
      write(cmd, 'Clear', { resource: id, node: opts.node ?? '' }, opts.output),
    );
}
