import type { Command } from 'commander';
import type { ExplainReply } from '../../agent/src/api/admin-messages.js';
import { renderExplanation } from '../render/explain-text.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl explain RESOURCE`: why it runs where it runs, or does not run. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('why a resource runs where it runs, or why it does not run at all')
    .argument('<resource>', 'a primitive, group or clone')
    .addOption(outputOption())
    .option('--linearizable', 'confirm with the leader that the answer is current')
    .addHelpText(
      'after',
      `
Shows the leader's scheduler scores for every node (-INFINITY: may not run there), with
what each node's score is made of: offline or standby, bans and moves, location
constraints, failures against migration-threshold, stickiness where it runs. Then the
constraints that name it, its bans and moves, failures and pending steps.

Examples:
  clusterctl explain web
  clusterctl explain storage -o yaml`,
    )
    .action(
      async (
        resource: string,
        opts: { output: OutputFormat; linearizable?: boolean },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const reply = await client.call<ExplainReply>('Explain', {
            resource,
            linearizable: opts.linearizable === true,
          });
          if (reply.ok)
            print(formatOutput(opts.output, reply.value, () => renderExplanation(reply.value)));
          return reply;
        }),
    );
}
