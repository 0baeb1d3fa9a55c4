import type { Command } from 'commander';
import { hostname } from 'node:os';
import type { ClusterInitResult } from '../../agent/src/security/cluster-init.js';
import { fail } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { DEFAULT_ENDPOINT, durationArg, endpointArg, globalOptions } from '../options.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, settle } from '../run-command.js';

/** The default lifetime of the join token init prints. */
const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;

/** `clusterctl init`: a new cluster's CA, the first node's certificate, an admin certificate. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description("create a new cluster's CA, this node's certificate and an admin certificate")
    .option(
      '--node-id <id>',
      "this node's id, as clusterd --id will name it",
      hostname().split('.')[0],
    )
    .option('--cluster-id <id>', 'the cluster id, as clusterd --cluster-id will name it', 'quorate')
    .option('--admin-name <name>', 'the administrator the admin certificate names', 'admin')
    .option(
      '--address <host:port>',
      "this node's agent address (for the commands printed)",
      endpointArg,
      DEFAULT_ENDPOINT,
    )
    .option(
      '--token-ttl <duration>',
      'lifetime of the join token printed (0s: print none)',
      durationArg,
      DEFAULT_TOKEN_TTL_MS,
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Writes into --tls-dir (default /etc/quorate/tls; the directory 0700, keys 0600):
  ca.crt, ca.key        the cluster CA: keep ca.key on this host only
  node.crt, node.key    this node's identity (clusterd --tls-dir reads them)
  admin.crt, admin.key  clusterctl's identity (copy them, with ca.crt, where you run clusterctl)
and prints a single-use join token. Refuses to overwrite any existing file.

Examples:
  clusterctl init --node-id node1 --address 198.18.0.1:7400
  clusterctl init --node-id node1 --tls-dir ./tls --token-ttl 1h`,
    )
    .action(
      async (
        opts: {
          nodeId: string;
          clusterId: string;
          adminName: string;
          address: string;
          tokenTtl: number;
          output: OutputFormat;
        },
        cmd: Command,
      ) => {
        const { tlsDir } = globalOptions(cmd);
        let result: ClusterInitResult;
        try {
          // Loaded on use: the X.509 library is heavy, and other verbs never need it.
          const { initCluster } = await import('../../agent/src/security/cluster-init.js');
          result = await initCluster({
            dir: tlsDir,
            clusterId: opts.clusterId,
            nodeId: opts.nodeId,
            adminName: opts.adminName,
            tokenTtlMs: opts.tokenTtl,
            nowMs: Date.now(),
          });
        } catch (err) {
          return settle(fail(ExitCode.REFUSED, err instanceof Error ? err.message : String(err)));
        }
        const view = { clusterId: opts.clusterId, nodeId: opts.nodeId, tlsDir, ...result };
        print(formatOutput(opts.output, view, () => renderInit(view, opts.address)));
        settle({ ok: true, value: null });
      },
    );
}

function renderInit(
  v: ClusterInitResult & { clusterId: string; nodeId: string; tlsDir: string },
  address: string,
): string {
  const lines = [
    `Cluster "${v.clusterId}" initialised in ${v.tlsDir}`,
    `  CA fingerprint  ${v.caFingerprint}`,
    ...v.files.map((f) => `  wrote           ${f}`),
    '',
    `Start the first agent:`,
    `  clusterd --id ${v.nodeId} --cluster-id ${v.clusterId} --listen ${address} --data-dir /var/lib/quorate --founders ${v.nodeId} --tls-dir ${v.tlsDir}`,
  ];
  if (v.token !== null)
    lines.push(
      '',
      `Admit another node (token single use, valid until ${new Date(v.tokenExpiresAtMs!).toISOString()}); on that host:`,
      `  clusterctl join --endpoint ${address} --node-id NODE --token ${v.token}`,
    );
  return lines.join('\n');
}
