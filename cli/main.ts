#!/usr/bin/env node
/**
 * clusterctl: the operator's command line for a Quorate cluster. Wiring only: the root
 * command with its global options and exit-code handling; each verb lives in commands/,
 * rendering in render/, the gRPC client in admin-client.ts.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerApply } from './commands/apply.js';
import { registerEvents } from './commands/events.js';
import { registerExplain } from './commands/explain.js';
import { registerFailover } from './commands/failover.js';
import { registerLeader } from './commands/leader.js';
import { registerMember } from './commands/member.js';
import { registerMembers } from './commands/members.js';
import { registerNode } from './commands/node.js';
import { registerResource } from './commands/resource.js';
import { registerStatus } from './commands/status.js';
import { registerValidate } from './commands/validate.js';
import { insecureFromEnv } from '../agent/src/security/insecure-flag.js';
import { DEFAULT_TLS_DIR } from '../agent/src/security/tls-files.js';
import { registerInit } from './commands/init.js';
import { registerJoin } from './commands/join.js';
import { registerToken } from './commands/token.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { DEFAULT_ENDPOINT, endpointArg, positiveDurationArg } from './options.js';

const program = new Command()
  .name('clusterctl')
  .description('Operate a Quorate cluster: status, configuration, failover, membership.')
  .addOption(
    new Option(
      '--endpoint <host:port>',
      'the agent to talk to (any member: writes reach the leader)',
    )
      .env('QUORATE_ENDPOINT')
      .default(DEFAULT_ENDPOINT)
      .argParser(endpointArg),
  )
  .addOption(
    new Option('--request-timeout <duration>', 'how long one request may take')
      .default(10_000, '10s')
      .argParser(positiveDurationArg),
  )
  .addOption(
    new Option('--tls-dir <dir>', 'where admin.crt, admin.key and ca.crt are (made by init)')
      .env('QUORATE_TLS_DIR')
      .default(DEFAULT_TLS_DIR),
  )
  .option(
    '--insecure',
    'plaintext without a certificate: only for agents started with --insecure (or QUORATE_INSECURE=1)',
  )
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) })
  .addHelpText(
    'after',
    `
Examples:
  clusterctl validate -f cluster.yaml
  clusterctl apply -f cluster.yaml --dry-run
  clusterctl apply -f cluster.yaml
  clusterctl status --watch
  clusterctl failover web --to node2
  clusterctl explain web
  QUORATE_ENDPOINT=127.0.0.1:7402 clusterctl members

Every verb takes -o table|json|yaml (failures stay on stderr). Durations: 500ms, 30s, 5m, 1h30m.

${EXIT_CODES_HELP}`,
  );

registerStatus(program);
registerValidate(program);
registerApply(program);
registerFailover(program);
registerNode(program);
registerResource(program);
registerExplain(program);
registerEvents(program);
registerMembers(program);
registerMember(program);
registerLeader(program);
registerInit(program);
registerJoin(program);
registerToken(program);

// Every subcommand: usage errors exit 1 through the same path, help exits 0.
for (const cmd of allCommands(program)) cmd.exitOverride().showSuggestionAfterError();

function allCommands(root: Command): Command[] {
  return root.commands.flatMap((c) => [c, ...allCommands(c)]);
}

// An empty QUORATE_ENDPOINT (exported but unset, as shells often leave it) means the default.
if (process.env['QUORATE_ENDPOINT'] === '') delete process.env['QUORATE_ENDPOINT'];

// A QUORATE_INSECURE that is not clearly on or off is a usage error, never a guess.
try {
  insecureFromEnv();
} catch (err) {
  process.stderr.write(`clusterctl: ${(err as Error).message}\n`);
  process.exit(ExitCode.USAGE);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // Help asked for exits 0; help shown because a verb is missing, or any other error, is a usage error.
  process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
}
