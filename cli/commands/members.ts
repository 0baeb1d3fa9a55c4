import type { Command } from 'commander';
import type { MembersReply } from '../../agent/src/api/admin-messages.js';
import { renderMembers } from '../render/members-text.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl members`: the Raft membership and replication progress. */
export function registerMembers(program: Command): void {
  program
    .command('members')
    .description('list Raft members: leader, term, voters and learners with their replication lag')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
MATCH is the highest log index the leader knows the member has; LAG how many entries it is
behind the leader's last index; ACTIVE whether it answered within the last election
timeout. Without a leader the agent lists the members it knows, progress "?".

Examples:
  clusterctl members
  clusterctl members -o json`,
    )
    .action(async (opts: { output: OutputFormat }, cmd: Command) =>
      runWithClient(cmd, async (client) => {
        const reply = await client.call<MembersReply>('Members', {});
        if (reply.ok)
          print(formatOutput(opts.output, reply.value, () => renderMembers(reply.value)));
        return reply;
      }),
    );
}
