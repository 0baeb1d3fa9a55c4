import type { Command } from 'commander';
import type {
  FlagChange,
  NodeFlagsRequest,
  WriteReply,
} from '../../agent/src/api/admin-messages.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl node standby|unstandby|maintenance NODE`: a node's flags. */
export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description('put a node in standby or maintenance, or take it out')
    .addHelpText(
      'after',
      `
Examples:
  clusterctl node standby node2          # its resources move to other nodes
  clusterctl node unstandby node2        # it may run resources again
  clusterctl node maintenance node2      # its resources are left alone (not started, stopped or recovered)
  clusterctl node maintenance node2 --off`,
    );
  const setFlags = (cmd: Command, request: NodeFlagsRequest, format: OutputFormat) =>
    runWithClient(cmd, async (client) => {
      const reply = await client.call<WriteReply>('NodeFlags', request);
      if (reply.ok) print(formatOutput(format, reply.value, () => reply.value.message));
      return reply;
    });
  const unchanged: FlagChange = 'FLAG_UNCHANGED';
  node
    .command('standby')
    .description('run nothing on NODE: its resources move to other nodes')
    .argument('<node>', 'a member node')
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExample:\n  clusterctl node standby node2\n  clusterctl status   # the node shows "standby"; its resources run elsewhere',
    )
    .action((id: string, opts: { output: OutputFormat }, cmd: Command) =>
      setFlags(cmd, { node: id, standby: 'FLAG_ON', maintenance: unchanged }, opts.output),
    );
  node
    .command('unstandby')
    .description('let NODE run resources again')
    .argument('<node>', 'a member node')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  clusterctl node unstandby node2')
    .action((id: string, opts: { output: OutputFormat }, cmd: Command) =>
      setFlags(cmd, { node: id, standby: 'FLAG_OFF', maintenance: unchanged }, opts.output),
    );
  node
    .command('maintenance')
    .description("leave NODE's resources alone (--off: manage them again)")
    .argument('<node>', 'a member node')
    .option('--off', 'take the node out of maintenance')
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nIn maintenance the agent on NODE runs no operation at all (no start, stop, monitor or\nrecovery): for work on the host or its services by hand.\n\nExamples:\n  clusterctl node maintenance node2\n  clusterctl node maintenance node2 --off',
    )
    .action((id: string, opts: { off?: boolean; output: OutputFormat }, cmd: Command) =>
      setFlags(
        cmd,
        { node: id, standby: unchanged, maintenance: opts.off === true ? 'FLAG_OFF' : 'FLAG_ON' },
        opts.output,
      ),
    );
}
