import type { Command } from 'commander';
import type { LeaderTransferReply } from '../../agent/src/api/admin-messages.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl leader transfer NODE`: hand Raft leadership to another voter. */
export function registerLeader(program: Command): void {
  const leader = program
    .command('leader')
    .description('Raft leadership')
    .addHelpText(
      'after',
      `
Example:
  clusterctl leader transfer node2`,
    );
  leader
    .command('transfer')
    .description('hand leadership to NODE and wait until it leads')
    .argument('<node>', 'a voter')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Useful before maintenance on the leader's host. A transfer by itself moves no resource:
nodes renew their leases with the new leader.

Example:
  clusterctl leader transfer node2`,
    )
    .action((node: string, opts: { output: OutputFormat }, cmd: Command) =>
      runWithClient(cmd, async (client) => {
        const reply = await client.call<LeaderTransferReply>('LeaderTransfer', { to: node });
        if (!reply.ok) return reply;
        const r = reply.value;
        const text = () =>
          r.previous === r.leader
            ? `${r.leader} is already the leader (term ${r.term})`
            : `leadership moved: ${r.previous} -> ${r.leader} (term ${r.term})`;
        print(formatOutput(opts.output, r, text));
        return reply;
      }),
    );
}
