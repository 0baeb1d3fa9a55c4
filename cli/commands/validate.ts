import type { Command } from 'commander';
import type { ValidateReply } from '../../agent/src/api/admin-messages.js';
import { invalidInput, type CliResult } from '../cli-failure.js';
import { readConfigFile } from '../read-config-file.js';
import { renderConfigErrors } from '../render/config-errors-text.js';
import { formatOutput, outputOption, type OutputFormat } from '../render/output-format.js';
import { print, runWithClient, settle } from '../run-command.js';

/** `clusterctl validate -f FILE`: check a configuration without applying it. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a configuration file without applying it')
    .requiredOption('-f, --filename <file>', 'the YAML configuration (- for standard input)')
    .option('--local', "check with clusterctl's own loader, without asking an agent")
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Prints every problem as file:line:col: field: message and exits 2 when there is any.
By default the agent checks the file (its loader is the one that counts); --local checks
offline with the same loader built into clusterctl.

Examples:
  clusterctl validate -f cluster.yaml
  clusterctl validate -f cluster.yaml --local
  cat cluster.yaml | clusterctl validate -f -`,
    )
    .action(
      async (opts: { filename: string; local?: boolean; output: OutputFormat }, cmd: Command) => {
        const file = readConfigFile(opts.filename);
        if (!file.ok) return settle(file);
        const { text, name } = file.value;
        if (opts.local === true)
          return settle(report(await localValidate(text, name), name, opts.output));
        return runWithClient(cmd, async (client) => {
          const reply = await client.call<ValidateReply>('Validate', {
            yaml: text,
            fileName: name,
          });
          if (!reply.ok) return reply;
          return report(reply.value, name, opts.output);
        });
      },
    );
}

/**
 * The agent's own loader, run here. Imported only for --local: the loader (zod, the schema)
 * is the heaviest part of clusterctl to load, and no other verb needs it.
 */
async function localValidate(text: string, name: string): Promise<ValidateReply> {
  const [{ loadConfig }, { configFingerprint }, { configErrorView }] = await Promise.all([
    import('../../agent/src/config/load-config.js'),
    import('../../agent/src/config/config-fingerprint.js'),
    import('../../agent/src/api/config-error-view.js'),
  ]);
  const result = loadConfig(text, name);
  if (!result.ok)
    return {
      ok: false,
      errors: result.errors.map(configErrorView),
      fingerprint: '',
      resources: 0,
      groups: 0,
      clones: 0,
      constraints: 0,
    };
  const c = result.config;
  return {
    ok: true,
    errors: [],
    fingerprint: configFingerprint(c),
    resources: c.resources.length,
    groups: c.groups.length,
    clones: c.clones.length,
    constraints: c.locations.length + c.colocations.length + c.orders.length,
  };
}

function report(
  reply: ValidateReply,
  name: string,
  format: OutputFormat,
): CliResult<ValidateReply> {
  if (format !== 'table') print(formatOutput(format, reply, () => ''));
  if (!reply.ok) {
    if (format === 'table') process.stderr.write(`${renderConfigErrors(reply.errors)}\n`);
    return invalidInput(`${name} is not valid`);
  }
  if (format === 'table') {
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    print(
      `${name} is valid: ${n(reply.resources, 'resource')}, ${n(reply.groups, 'group')}, ` +
        `${n(reply.clones, 'clone')}, ${n(reply.constraints, 'constraint')} (fingerprint ${reply.fingerprint.slice(0, 12)})`,
    );
  }
  return { ok: true, value: reply };
}
