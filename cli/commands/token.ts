import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { caFingerprint } from '../../agent/src/security/ca-fingerprint.js';
import { formatJoinToken, generateJoinToken } from '../../agent/src/security/join-token.js';
import { tlsFiles } from '../../agent/src/security/tls-files.js';
import { TokenStore } from '../../agent/src/security/token-store.js';
import { fail } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { durationArg, globalOptions } from '../options.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { renderTable } from '../render/table.js';
import { print, settle } from '../run-command.js';

/** `clusterctl token create|list|delete`: join tokens of the CA host, kept in its TLS directory. */
export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('join tokens: create, list or delete them (on the host holding the CA key)')
    .addHelpText(
      'after',
      `
Tokens live in the TLS directory of the host where \`clusterctl init\` ran (tokens/, only a
hash of each secret); the agent there accepts them in \`clusterctl join\`. Each admits one node.

Examples:
  clusterctl token create
  clusterctl token create --ttl 1h
  clusterctl token list
  clusterctl token delete abc123`,
    );
  token
    .command('create')
    .description('create a single-use join token')
    .option('--ttl <duration>', 'how long it stays valid', durationArg, 24 * 3_600_000)
    .addOption(outputOption())
    .action((opts: { ttl: number; output: OutputFormat }, cmd: Command) => {
      const f = tlsFiles(globalOptions(cmd).tlsDir);
      if (!existsSync(f.caKey) || !existsSync(f.caCert))
        return settle(
          fail(
            ExitCode.REFUSED,
            `no CA in ${f.dir} (ca.crt and ca.key): create tokens on the host where \`clusterctl init\` ran, or point --tls-dir there`,
          ),
        );
      if (opts.ttl === 0) return settle(fail(ExitCode.USAGE, '--ttl must be longer than 0'));
      const t = generateJoinToken(caFingerprint(readFileSync(f.caCert, 'utf8')));
      const stored = new TokenStore(f.tokens).add(t, opts.ttl, Date.now());
      const view = {
        token: formatJoinToken(t),
        id: t.id,
        expiresAt: new Date(stored.expiresAtMs).toISOString(),
      };
      print(formatOutput(opts.output, view, () => view.token));
      settle({ ok: true, value: null });
    });
  token
    .command('list')
    .description('list unused tokens with their expiry')
    .addOption(outputOption())
    .action((opts: { output: OutputFormat }, cmd: Command) => {
      const store = new TokenStore(tlsFiles(globalOptions(cmd).tlsDir).tokens);
      const now = Date.now();
      const view = store.list().map((t) => ({
        id: t.id,
        createdAt: new Date(t.createdAtMs).toISOString(),
        expiresAt: new Date(t.expiresAtMs).toISOString(),
        expired: t.expiresAtMs <= now,
      }));
      print(
        formatOutput(opts.output, view, () =>
          view.length === 0
            ? 'no unused tokens'
            : renderTable(
                ['ID', 'CREATED', 'EXPIRES', 'STATE'],
                view.map((t) => [t.id, t.createdAt, t.expiresAt, t.expired ? 'expired' : 'valid']),
              ),
        ),
      );
      settle({ ok: true, value: null });
    });
  token
    .command('delete')
    .description('delete a token before it is used')
    .argument('<id>', 'the token id (the part after QRT1.)')
    .action((id: string, _opts: object, cmd: Command) => {
      const store = new TokenStore(tlsFiles(globalOptions(cmd).tlsDir).tokens);
      if (!/^[a-z0-9]{6}$/.test(id) || !store.remove(id))
        return settle(
          fail(
            ExitCode.REFUSED,
            `no unused token ${id} in ${store.dir} (see clusterctl token list)`,
          ),
        );
      print(`token ${id} deleted`);
      settle({ ok: true, value: null });
    });
}
