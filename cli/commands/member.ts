import type { Command } from 'commander';
import type { MembersReply } from '../../agent/src/api/admin-messages.js';
import { endpointArg } from '../options.js';
import { renderMembers } from '../render/members-text.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient } from '../run-command.js';

/** `clusterctl member add|remove NODE`: change the Raft membership, one server at a time. */
export function registerMember(program: Command): void {
  const member = program
    .command('member')
    .description('add or remove a Raft member (one at a time)')
    .addHelpText(
      'after',
      `
Start the new agent first (clusterd --id node4 --listen ADDRESS --peer <a member>=<its
address> ..., without --founders); the leader checks that it answers before adding it.
Adding it as a learner first lets it catch up without affecting the quorum; add it again
without --learner to make it a voter.

Examples:
  clusterctl member add node4 --address 198.18.0.4:7400 --learner
  clusterctl member add node4 --address 198.18.0.4:7400
  clusterctl member remove node4`,
    );
  member
    .command('add')
    .description('add NODE as a voter (or a learner), or promote a learner to voter')
    .argument('<node>', 'the new member id (its clusterd --id)')
    .requiredOption('--address <host:port>', 'where its agent listens', endpointArg)
    .option('--learner', 'add as a learner: it receives the log but does not vote')
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExample:\n  clusterctl member add node4 --address 198.18.0.4:7400 --learner',
    )
    .action(
      (
        node: string,
        opts: { address: string; learner?: boolean; output: OutputFormat },
        cmd: Command,
      ) =>
        runWithClient(cmd, async (client) => {
          const reply = await client.call<MembersReply>('MemberAdd', {
            node,
            address: opts.address,
            learner: opts.learner === true,
          });
          if (reply.ok)
            print(formatOutput(opts.output, reply.value, () => membersChange(reply.value)));
          return reply;
        }),
    );
  member
    .command('remove')
    .description('remove NODE from the Raft membership')
    .argument('<node>', 'a member id')
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nRefused when the remaining voters could not form a quorum.\n\nExample:\n  clusterctl member remove node4',
    )
    .action((node: string, opts: { output: OutputFormat }, cmd: Command) =>
      runWithClient(cmd, async (client) => {
        const reply = await client.call<MembersReply>('MemberRemove', { node });
        if (reply.ok)
          print(formatOutput(opts.output, reply.value, () => membersChange(reply.value)));
        return reply;
      }),
    );
}

/** A membership change in words, then the membership after it. */
function membersChange(reply: MembersReply): string {
  return `${reply.message}\n${renderMembers(reply)}`;
}
