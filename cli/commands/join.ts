import type { Command } from 'commander';
import { hostname } from 'node:os';
import type { JoinFailureKind } from '../../agent/src/security/join-client.js';
import { parseJoinToken } from '../../agent/src/security/join-token.js';
import { fail } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { globalOptions } from '../options.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, settle } from '../run-command.js';

const EXIT_OF_FAILURE: Record<JoinFailureKind, ExitCode> = {
  invalid: ExitCode.REFUSED,
  refused: ExitCode.REFUSED,
  unavailable: ExitCode.UNAVAILABLE,
};

/** `clusterctl join`: get this host's node certificate from the cluster with a join token. */
export function registerJoin(program: Command): void {
  program
    .command('join')
    .description('admit this host to a cluster: get its node certificate with a join token')
    .requiredOption(
      '--token <token>',
      'the join token (from clusterctl init or clusterctl token create)',
    )
    .option(
      '--node-id <id>',
      "this node's id, as clusterd --id will name it",
      hostname().split('.')[0],
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
--endpoint names the agent that holds the CA key (where \`clusterctl init\` ran). The token
carries the CA's fingerprint: clusterctl checks the agent's CA against it before sending the
token's secret. This host's key is made here and never leaves it; node.key (0600), node.crt
and ca.crt are written into --tls-dir (0700), never over existing files.

Then start clusterd with --tls-dir and add the node as a member (clusterctl member add).

Examples:
  clusterctl join --endpoint 198.18.0.1:7400 --node-id node2 --token QRT1.abcdef.0123456789abcdef.9f86...`,
    )
    .action(async (opts: { token: string; nodeId: string; output: OutputFormat }, cmd: Command) => {
      const { endpoint, requestTimeoutMs, tlsDir } = globalOptions(cmd);
      const token = parseJoinToken(opts.token);
      if (!token.ok) return settle(fail(ExitCode.REFUSED, token.message));
      // Loaded on use: the X.509 library is heavy, and other verbs never need it.
      const { joinCluster } = await import('../../agent/src/security/join-client.js');
      const joined = await joinCluster({
        endpoint,
        token: token.token,
        nodeId: opts.nodeId,
        dir: tlsDir,
        timeoutMs: requestTimeoutMs,
        nowMs: () => Date.now(),
      });
      if (!joined.ok) return settle(fail(EXIT_OF_FAILURE[joined.kind], joined.message));
      const view = { nodeId: opts.nodeId, tlsDir, ...joined.value };
      print(
        formatOutput(opts.output, view, () =>
          [
            `Node ${opts.nodeId} admitted to cluster "${view.clusterId}" by ${view.issuedBy}`,
            `  CA fingerprint  ${view.caFingerprint} (matches the token)`,
            ...view.files.map((f) => `  wrote           ${f}`),
            '',
            'Start the agent here, then add it as a member from any host with admin credentials:',
            `  clusterd --id ${opts.nodeId} --cluster-id ${view.clusterId} --listen HOST:PORT --data-dir /var/lib/quorate --tls-dir ${tlsDir} --peer ${view.issuedBy}=${endpoint}`,
            `  clusterctl member add ${opts.nodeId} --address HOST:PORT`,
          ].join('\n'),
        ),
      );
      settle({ ok: true, value: null });
    });
}
